"""The recipe editor: create and edit a recipe with its lines (server-rendered rows, "Add line" in JS).

A locked version (used by a batch) is never changed: the service saves yield/line changes as version
N+1. Header-only edits (name, notes…) leave the version alone, so they never create a version.
"""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import recipes, units
from ...services.errors import DomainError, NotFound
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import adds_to, submit
from ..pages import choices, unit_choices
from . import bp
from .forms import BLANK_LINES, MAX_LINES, RecipeForm

SPARE_ROWS_AFTER_ERROR = 2
LINE_FIELD = re.compile(r"^lines\.(\d+)(?:\.(\w+))?$")


@bp.route("/recipes/new", methods=["GET", "POST"])
@require_permission("recipes.edit")
def recipe_new():
    """Write a recipe: header, yield, portions, craft fields and its lines (version 1)."""
    org = current_org()
    if request.method == "GET":
        form = RecipeForm(formdata=None)
        form.output_item_id.data = request.args.get("output_item_id", "")
    else:
        form = RecipeForm()
    _prepare(form, org)
    status, problem = 200, None
    if request.method == "POST":
        valid = form.validate_on_submit()
        payload, positions = _lines_payload(form)
        if valid and payload is not None:
            result = submit(form, lambda: recipes.create_recipe(
                org, current_user, **_header_values(form), **_version_values(form),
                label_prefix=(form.label_prefix.data or "").strip() or None,
                output_item_id=form.output_item_id.data or None, lines=payload),
                validate=False, shown_by_page=(DomainError,))
            if result.ok:
                recipe = result.value
                flash(f"Saved {recipe.name} (label prefix {recipe.label_prefix}). Check stock or start a batch.",
                      "success")
                return redirect(url_for("recipes.recipe_detail", recipe_id=recipe.id))
            problem, status = _refused(form, result, positions)
        else:
            status, problem = 422, {"message": "Check the marked fields; nothing was saved."}
        _add_spare_rows(form, SPARE_ROWS_AFTER_ERROR)
    return render_template("recipes/recipe_form.html", form=form, recipe=None, version=None,
                           problem=problem), status


@bp.route("/recipes/<int:recipe_id>/edit", methods=["GET", "POST"])
@require_permission("recipes.edit")
def recipe_edit(recipe_id: int):
    """Edit a recipe; changing the yield or lines of a locked version saves version N+1."""
    org = current_org()
    recipe = recipes.get_recipe(org, current_user, recipe_id)
    version = recipes.get_version(org, current_user, recipe)
    if recipe.archived_at is not None:
        flash("Restore the recipe before editing it.", "warning")
        return redirect(url_for("recipes.recipe_detail", recipe_id=recipe.id))
    if request.method == "GET":
        form = RecipeForm(formdata=None, obj=recipe)
        _fill_from_version(form, recipe, version)
    else:
        form = RecipeForm()
    _prepare(form, org, include_ids=[line.item_id for line in version.lines] + [recipe.output_item_id])
    status, problem = 200, None
    if request.method == "POST":
        valid = form.validate_on_submit()
        payload, positions = _lines_payload(form)
        if valid and payload is not None:
            data = {**_header_values(form), "output_item_id": form.output_item_id.data or None,
                    "label_prefix": (form.label_prefix.data or "").strip() or None}
            if recipe.parent_id:
                data["variation_name"] = form.variation_name.data
            values = _version_values(form)
            if _version_changed(org, version, values, payload):
                data.update(values, lines=payload, change_note=(form.change_note.data or "").strip())
            was = recipe.current_version
            result = submit(form, lambda: recipes.update_recipe(org, current_user, recipe.id, **data),
                            validate=False, shown_by_page=(DomainError,))
            if result.ok:
                recipe = result.value
                note = f" as version {recipe.current_version}" if recipe.current_version != was else ""
                flash(f"Saved {recipe.name}{note}.", "success")
                return redirect(url_for("recipes.recipe_detail", recipe_id=recipe.id))
            problem, status = _refused(form, result, positions)
        else:
            status, problem = 422, {"message": "Check the marked fields; nothing was saved."}
        _add_spare_rows(form, SPARE_ROWS_AFTER_ERROR)
    return render_template("recipes/recipe_form.html", form=form, recipe=recipe, version=version,
                           problem=problem), status


# ---- helpers ---------------------------------------------------------------------------------------

def _prepare(form: RecipeForm, org, include_ids=()) -> None:
    """Choices for every select, and spare blank rows on a fresh form."""
    options = recipes.item_options(org, current_user, include_ids=include_ids)
    unit_list = units.list_units(org, current_user)
    item_choices = choices([("", "— choose an item —")] + [(i, f"{name} ({unit})") for i, name, unit, _ in options])
    line_units = unit_choices(unit_list, blank="item's unit", extra=recipes.item_unit_names(org, current_user),
                              extra_group="Items' own units (e.g. 1 bar = 113 g)")
    form.yield_unit.choices = unit_choices(unit_list)
    form.base_unit.choices = unit_choices([u for u in unit_list if u.dimension == "weight"])
    form.output_item_id.choices = choices([("", "— none yet —")] + [
        (i, f"{name} ({kind})") for i, name, _, kind in options if kind in ("ingredient", "product")
        or i in set(include_ids)])
    if request.method == "GET":
        _add_spare_rows(form, BLANK_LINES)
    for entry in form.lines.entries:
        entry.form.item_id.choices = item_choices
        entry.form.unit.choices = line_units


def _add_spare_rows(form: RecipeForm, count: int) -> None:
    blanks = sum(1 for entry in form.lines.entries if entry.form.is_blank())
    for _ in range(max(0, count - blanks)):
        if len(form.lines.entries) >= MAX_LINES:
            break
        entry = form.lines.append_entry()
        if form.lines.entries and form.lines.entries[0].form.item_id.choices:
            entry.form.item_id.choices = form.lines.entries[0].form.item_id.choices
            entry.form.unit.choices = form.lines.entries[0].form.unit.choices


def _fill_from_version(form: RecipeForm, recipe, version) -> None:
    form.output_item_id.data = str(recipe.output_item_id or "")
    for name in ("yield_quantity", "yield_unit", "portion_count", "portion_name", "percentage_mode",
                 "base_quantity"):
        getattr(form, name).data = getattr(version, name)
    form.base_unit.data = version.base_unit or "g"
    for line in version.lines:
        form.lines.append_entry({"item_id": str(line.item_id), "quantity": line.quantity, "unit": line.unit,
                                 "role": line.role, "basis": line.basis, "percent": line.percent,
                                 "is_base": line.is_base, "notes": line.notes})


def _lines_payload(form: RecipeForm):
    """The non-blank rows as service line dicts, and each one's row index; None when a row is incomplete.

    Each row's quantity is checked here too (with the service's own messages), so a zero or negative
    quantity is marked in the same round as the header's and the other rows' problems."""
    payload, positions, complete = [], [], True
    for index, entry in enumerate(form.lines.entries):
        row = entry.form
        if row.is_blank():
            continue
        if not _quantity_ok(form, row):
            complete = False
        if not row.item_id.data:
            row.item_id.errors = list(row.item_id.errors) + ["Choose an item (or clear the row)."]
            complete = False
            continue
        payload.append({"item_id": row.item_id.data, "quantity": row.quantity.data,
                        "unit": row.unit.data or None, "role": row.role.data or None,
                        "basis": row.basis.data or "batch", "percent": row.percent.data,
                        "is_base": bool(row.is_base.data), "notes": (row.notes.data or "").strip()})
        positions.append(index)
    return (payload if complete else None), positions


def _quantity_ok(form: RecipeForm, row) -> bool:
    """Is the row's quantity a usable amount (when the row uses one)? Else mark it with the service's message."""
    if row.quantity.errors or (form.percentage_mode.data and row.percent.data is not None):
        return not row.quantity.errors
    try:
        units.parse_quantity(row.quantity.data, "quantity")
    except DomainError as error:
        row.quantity.errors = list(row.quantity.errors) + [(error.fields or {}).get("quantity", error.message)]
        return False
    return True


def _header_values(form: RecipeForm) -> dict:
    values = {name: (getattr(form, name).data or "").strip() for name in ("name", "instructions", "notes")}
    values["category"] = form.category.data
    values.update({name: getattr(form, name).data for name in ("superfat_pct", "water_pct", "fragrance_load_pct")})
    values.update({name: getattr(form, name).data for name in ("labour_minutes", "labour_rate", "overhead_percent",
                                                                "overhead_per_batch")})
    return values


def _version_values(form: RecipeForm) -> dict:
    percentage = bool(form.percentage_mode.data)
    return {"yield_quantity": form.yield_quantity.data, "yield_unit": form.yield_unit.data,
            "portion_count": form.portion_count.data, "portion_name": (form.portion_name.data or "").strip(),
            "percentage_mode": percentage, "base_quantity": form.base_quantity.data if percentage else None,
            "base_unit": form.base_unit.data if percentage else None}


def _version_changed(org, current, values: dict, payload: list[dict]) -> bool:
    """Does the form change the current version's yield, portions, percentage base or lines?"""
    if values["yield_quantity"] != current.yield_quantity or \
            (values["yield_unit"] or "").lower() != current.yield_unit.lower() or \
            values["portion_count"] != current.portion_count or \
            (values["portion_name"] or None) != (current.portion_name or None) or \
            values["percentage_mode"] != bool(current.percentage_mode):
        return True
    if current.percentage_mode and (values["base_quantity"] != current.base_quantity or
                                    (values["base_unit"] or "").lower() != (current.base_unit or "").lower()):
        return True
    if len(payload) != len(current.lines):
        return True
    items = recipes.items_by_id(org, current_user, [line.item_id for line in current.lines])
    for raw, line in zip(payload, current.lines):
        item = items.get(line.item_id)
        if item is None or parse_id(raw["item_id"]) != line.item_id:
            return True
        role = raw["role"] or {"container": "container", "packaging": "packaging"}.get(item.kind, "ingredient")
        if (role, raw["basis"], bool(raw["is_base"]), raw["notes"]) != (line.role, line.basis, line.is_base,
                                                                      line.notes or ""):
            return True
        if raw["percent"] != line.percent:
            return True
        if not (current.percentage_mode and raw["percent"] is not None):
            if raw["quantity"] != line.quantity or (raw["unit"] or item.unit).lower() != line.unit.lower():
                return True
    return False


def _refused(form: RecipeForm, result, positions: list[int]) -> tuple[dict, int]:
    """The page's problem summary and status after the service refused (a NotFound is a bad line item: 422)."""
    status = 422 if isinstance(result.error, NotFound) else result.status
    return _place_errors(form, result.error, positions), status


def _place_errors(form: RecipeForm, error: DomainError, positions: list[int]) -> dict:
    """Put `lines.N.field` errors next to row positions[N]; the rest on the header; return the summary."""
    header_fields, line_error = {}, None
    for key, message in (error.fields or {}).items():
        match = LINE_FIELD.match(key)
        if match and int(match.group(1)) < len(positions):
            row = form.lines.entries[positions[int(match.group(1))]].form
            field = getattr(row, match.group(2) or "item_id", None) or row.item_id
            field.errors = list(field.errors) + [message]
        elif key == "lines":
            line_error = message
        else:
            header_fields[key] = message
    if isinstance(error, NotFound):
        match = re.search(r"\(line (\d+)\)", error.message)
        if match and int(match.group(1)) - 1 < len(positions):
            row = form.lines.entries[positions[int(match.group(1)) - 1]].form
            row.item_id.errors = list(row.item_id.errors) + ["Not one of your items."]
    for key, message in header_fields.items():
        field = getattr(form, key, None)
        if field is not None and hasattr(field, "errors") and key != "lines":
            field.errors = list(field.errors) + [message]
    return {"message": error.message, "lines": line_error if adds_to(error.message, line_error) else None,
            "item_id": getattr(error, "item_id", None)}

