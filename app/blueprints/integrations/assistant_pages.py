"""The AI recipe assistant page: a prompt → the draft, editable → “Save as recipe” once the maker confirms."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import recipes
from ...services.errors import ValidationFailed
from ...services.integrations import assistant
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit
from . import bp
from .forms import PromptForm

MAX_FORM_LINES = assistant.MAX_DRAFT_LINES


@bp.route("/assistant", methods=["GET", "POST"])
@require_permission("recipes.edit")
def assistant_page():
    """Ask for a draft; the answer is shown for the maker to check, edit and save (nothing saved before that)."""
    org = current_org()
    assistant.require_assistant(org)  # flag off → 404, plan without it → 403
    form = PromptForm()
    result = submit(form, lambda: assistant.draft_recipe(org, current_user, form.prompt.data))
    draft = result.value.draft if result.ok else None
    if result.ok:
        matched = sum(1 for line in draft.lines if line.item_id)
        flash(f"Draft ready: {matched} of {len(draft.lines)} ingredients matched to your items. Check it, then save.",
              "success")
    status = result.status
    if result.error is not None and result.error.status in (429, 502, 503):  # the provider's or the quota's answer
        status = result.error.status
    return _render(form, draft, status)


@bp.route("/assistant/save", methods=["POST"])
@require_permission("recipes.edit")
def assistant_save():
    """Save the checked draft as a recipe (recipes.create_recipe)."""
    org = current_org()
    assistant.require_assistant(org)
    draft = _draft_from_form()
    result = submit(EmptyForm(), lambda: recipes.create_recipe(org, current_user, **_recipe_data(draft)))
    if result.ok:
        flash(f"Saved recipe {result.value.name}.", "success")
        return redirect(url_for("recipes.recipe_detail", recipe_id=result.value.id))
    return _render(PromptForm(formdata=None), draft, result.status)


def _render(form, draft, status):
    org = current_org()
    usage = assistant.usage(org, current_user)
    history, _ = assistant.list_log(org, current_user, per_page=10)
    items = recipes.item_options(org, current_user) if draft is not None else []
    return render_template("integrations/assistant.html", form=form, draft=draft, usage=usage, history=history,
                           items=items, save_form=EmptyForm()), status


def _draft_from_form() -> assistant.Draft:
    """The draft as the maker left it on the page (names, chosen items, quantities, units, included lines)."""
    form = request.form
    lines = []
    for index in range(MAX_FORM_LINES):
        prefix = f"line-{index}-"
        if f"{prefix}name" not in form:
            break
        lines.append({"name": form.get(f"{prefix}name", "").strip(), "item_id": parse_id(form.get(f"{prefix}item_id")),
                      "quantity": form.get(f"{prefix}quantity", "").strip(), "unit": form.get(f"{prefix}unit", "").strip(),
                      "include": form.get(f"{prefix}include") == "1"})
    return _FormDraft(name=form.get("name", "").strip(), yield_quantity=form.get("yield_quantity", "").strip(),
                      yield_unit=form.get("yield_unit", "").strip(), notes=form.get("notes", "").strip(), lines=lines)


class _FormDraft:
    """A draft read back from the page (strings as typed, so a refused save shows them again)."""

    def __init__(self, *, name, yield_quantity, yield_unit, notes, lines):
        self.name, self.yield_quantity, self.yield_unit, self.notes = name, yield_quantity, yield_unit, notes
        self.lines = [_FormLine(**line) for line in lines]


class _FormLine:
    def __init__(self, *, name, item_id, quantity, unit, include):
        self.name, self.item_id, self.quantity, self.unit, self.include = name, item_id, quantity, unit, include


def _recipe_data(draft) -> dict:
    chosen = [line for line in draft.lines if line.include]
    missing = [line.name or f"line {i + 1}" for i, line in enumerate(chosen) if line.item_id is None]
    if missing:
        message = (f"Choose one of your items for {', '.join(missing)}, or untick it to leave it out "
                   "(add the item to your inventory first if you do not have it).")
        raise ValidationFailed(message)
    if not chosen:
        raise ValidationFailed("Keep at least one ingredient line.")
    return {"name": draft.name, "yield_quantity": draft.yield_quantity, "yield_unit": draft.yield_unit,
            "notes": draft.notes,
            "lines": [{"item_id": line.item_id, "quantity": line.quantity, "unit": line.unit} for line in chosen]}

