"""The one way a page runs a form: validate, call the service, map typed errors onto the form, flash once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from flask import flash, request
from flask_wtf import FlaskForm

from ..services.errors import DomainError, NotFound


class EmptyForm(FlaskForm):
    """A form with only its CSRF token: buttons that post an action (archive, cancel, dispose…)."""


@dataclass
class Submission:
    """What happened to a submitted form: `ok` with the service's `value`, or the status to re-render with."""

    ok: bool = False
    value: Any = None
    status: int = 200
    error: DomainError | None = None


def submit(form, call: Callable[[], Any], *, validate: bool = True,
           shown_by_page: tuple[type[DomainError], ...] = ()) -> Submission:
    """On POST: validate `form`, run `call()` (one service call); a typed error lands on the form's fields
    (nested names such as `outputs.0.item_id` too) and is flashed once. GET → Submission(status=200).
    Errors of the `shown_by_page` types are only returned (the page shows them its own way)."""
    if request.method != "POST":
        return Submission()
    if validate and not form.validate_on_submit():
        return Submission(status=422)
    try:
        value = call()
    except DomainError as error:
        if not isinstance(error, shown_by_page):
            apply_field_errors(form, error)
        return Submission(status=error_status(error), error=error)
    return Submission(ok=True, value=value)


def submit_action(call: Callable[[], Any], success: str | Callable[[Any], str] | None = None, *,
                  shown_by_page: tuple[type[DomainError], ...] = ()) -> Submission:
    """A POST button (an EmptyForm with its CSRF token): run `call()`, flash the refusal or the `success`
    message (a string, or a function of the result). An unknown object stays a 404."""
    form = EmptyForm()
    if not form.validate_on_submit():
        flash("That form had expired; please try again.", "error")
        return Submission(status=400)
    result = submit(form, call, validate=False, shown_by_page=shown_by_page)
    if isinstance(result.error, NotFound):
        raise result.error
    if result.ok and success is not None:
        flash(success(result.value) if callable(success) else success, "success")
    return result


def error_status(error: DomainError) -> int:
    """The status for re-rendering a form after a service refused: 422 unless the error says otherwise."""
    return error.status if error.status in (402, 403, 404, 409) else 422


def apply_field_errors(form, error: DomainError) -> None:
    """Show a service error on the form fields it names, else (or as well, when it says more) as one flash."""
    placed: list[str] = []
    for field_name, message in (error.fields or {}).items():
        field = _field(form, field_name)
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            if message not in field.errors:
                field.errors.append(message)
            placed.append(message)
    if not placed or error.message not in placed:
        flash(error.message, "error")


def _field(form, dotted_name: str):
    """`outputs.0.item_id` → form.outputs[0].item_id (FieldList entries and FormField subforms)."""
    node = form
    for part in dotted_name.split("."):
        if node is None:
            return None
        if part.isdigit():
            entries = getattr(node, "entries", None)
            node = entries[int(part)] if entries is not None and int(part) < len(entries) else None
            continue
        if hasattr(node, "form"):  # a FormField: look inside its subform
            node = node.form
        node = getattr(node, part, None) if not callable(getattr(node, "__getitem__", None)) else _item(node, part)
    return node


def _item(node, name: str):
    try:
        return node[name]
    except (KeyError, TypeError):
        return getattr(node, name, None)


_WORD = re.compile(r"[a-z0-9]+")


def adds_to(message: str, detail: str | None) -> bool:
    """Does a field's `detail` say something the summary `message` does not already say?

    Services give a sentence for the page and a short one per field ("Add at least one ingredient line." /
    "Add at least one line."); shown side by side they read twice. A detail whose words all appear in the
    message adds nothing and is left out.
    """
    if not detail:
        return False
    return not set(_WORD.findall(detail.lower())) <= set(_WORD.findall((message or "").lower()))


def problem_text(message: str, detail: str | None) -> str:
    """The summary, with the field's detail in brackets only when it adds something."""
    return f"{message} ({detail})" if adds_to(message, detail) else message
