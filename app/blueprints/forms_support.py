"""Helpers shared by page forms."""
from __future__ import annotations

import re

from flask import flash

from ..services.errors import DomainError


def apply_field_errors(form, error: DomainError) -> None:
    """Show a service error on the form fields it names, else as a flash message."""
    placed = False
    for field_name, message in (error.fields or {}).items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(message)
            placed = True
    if not placed or error.message not in (error.fields or {}).values():
        flash(error.message, "error")


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
