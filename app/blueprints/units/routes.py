"""Unit manager: the units table, organization units, item densities and item unit mappings."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.units import BASE_UNITS, DIMENSIONS
from ...services import units
from ...services.errors import DomainError, NotFound
from ...services.inventory import queries
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, apply_field_errors, submit, submit_action
from ..pages import choices, page_arg, safe_next, unit_choices
from . import bp
from .forms import CustomUnitForm, DensityForm, MappingForm

ITEMS_PER_PAGE = 50


@bp.route("/units")
@require_permission("inventory.view")
def unit_manager():
    """Every unit by dimension, your own units, item densities and item unit mappings."""
    return _render_manager()


@bp.route("/units/custom", methods=["POST"])
@require_permission("units.manage")
def unit_create():
    """Add an organization unit (e.g. 1 scoop = 30 mL)."""
    form = CustomUnitForm()
    result = submit(form, lambda: units.create_custom_unit(current_org(), current_user, name=form.name.data.strip(),
                                                           dimension=form.dimension.data, factor=form.factor.data,
                                                           label=(form.label.data or "").strip()))
    if result.ok:
        flash(f"Added the unit “{result.value.name}”.", "success")
        return redirect(url_for("units.unit_manager") + "#custom-units")
    return _render_manager(unit_form=form, status=result.status)


@bp.route("/units/custom/<int:unit_id>/delete", methods=["POST"])
@require_permission("units.manage")
def unit_delete(unit_id: int):
    """Delete an organization unit nothing uses."""
    result = submit_action(lambda: units.delete_custom_unit(current_org(), current_user, unit_id), "Unit deleted.")
    if result.error is not None:
        return _render_manager(status=result.status)
    return redirect(url_for("units.unit_manager") + "#custom-units")


@bp.route("/units/items/<int:item_id>/density", methods=["POST"])
@require_permission("units.manage")
def set_density(item_id: int):
    """Set an item's density; from an item page's inline fix, go back there with the typed values."""
    form = DensityForm()
    back = safe_next(request.form.get("next"), url_for("units.unit_manager") + "#densities")
    result = submit(form, lambda: units.set_item_density(current_org(), current_user, item_id, form.density.data),
                    shown_by_page=(DomainError,))
    if isinstance(result.error, NotFound):
        raise result.error
    if result.error is not None:
        return _density_failed(item_id, back, result.error.message, result.status)
    if not result.ok:
        return _density_failed(item_id, back, " ".join(form.density.errors) or "Enter a density.", 422)
    item = result.value
    if item.density:
        flash(f"Density of {item.name} set to {item.density.normalize():f} g/mL."
              + (" Check your entries and save again." if _is_item_page(back) else ""), "success")
    else:
        flash(f"Density of {item.name} cleared.", "success")
    return redirect(back)


@bp.route("/units/mappings", methods=["POST"])
@require_permission("units.manage")
def mapping_create():
    """Teach an item its own unit (1 bar = 113 g)."""
    form = MappingForm()
    form.in_unit.choices = []
    back = safe_next(request.form.get("next"), url_for("units.unit_manager") + "#mappings")
    result = submit(form, lambda: units.add_item_unit_mapping(
        current_org(), current_user, form.item_id.data, unit_name=form.unit_name.data, quantity=form.quantity.data,
        in_unit=form.in_unit.data), shown_by_page=(DomainError,))
    if isinstance(result.error, NotFound):
        raise result.error
    if result.ok:
        mapping = result.value
        flash(f"Added: 1 {mapping.unit_name} = {mapping.quantity.normalize():f} {mapping.in_unit}."
              + (" Check your entries and save again." if _is_item_page(back) else ""), "success")
        return redirect(back)
    if result.error is not None and _is_item_page(back):
        return _fix_failed(back, "mapping", result.error.message, form.unit_name.data)
    if result.error is not None:
        apply_field_errors(form, result.error)
        return _render_manager(mapping_form=form, status=result.status)
    if _is_item_page(back):
        message = "; ".join(f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items())
        return _fix_failed(back, "mapping", message or "Check the unit mapping.", form.unit_name.data)
    return _render_manager(mapping_form=form, status=422)


@bp.route("/units/mappings/<int:mapping_id>/delete", methods=["POST"])
@require_permission("units.manage")
def mapping_delete(mapping_id: int):
    """Remove an item unit mapping."""
    submit_action(lambda: units.delete_item_unit_mapping(current_org(), current_user, mapping_id),
                  "Unit mapping deleted.")
    return redirect(url_for("units.unit_manager") + "#mappings")


# ---- helpers ---------------------------------------------------------------------------------------

def _render_manager(unit_form=None, mapping_form=None, status: int = 200):
    org = current_org()
    unit_list = units.list_units(org, current_user)
    grouped = {dimension: [u for u in unit_list if u.dimension == dimension] for dimension in DIMENSIONS}
    items = queries.list_items_for_units(org, current_user, page=page_arg(), per_page=ITEMS_PER_PAGE)
    mapping_form = mapping_form or MappingForm(formdata=None)
    mapping_form.item_id.choices = choices((item_id, f"{name} ({unit})")
                                           for item_id, name, unit in queries.item_choices(org, current_user))
    mapping_form.in_unit.choices = unit_choices(unit_list)
    if not mapping_form.in_unit.data:
        mapping_form.in_unit.data = "g"
    return render_template(
        "units/unit_manager.html", grouped=grouped, base_units=BASE_UNITS,
        custom_units=[u for u in unit_list if u.organization_id == org.id],
        unit_form=unit_form or CustomUnitForm(formdata=None), mapping_form=mapping_form,
        items=items, mappings=queries.list_org_unit_mappings(org, current_user), button_form=EmptyForm(),
    ), status


def _is_item_page(url: str) -> bool:
    parts = urlsplit(url).path.strip("/").split("/")
    return len(parts) == 2 and parts[0] == "inventory" and parse_id(parts[1]) is not None


def _density_failed(item_id: int, back: str, message: str, status: int):
    if _is_item_page(back):
        return _fix_failed(back, "density", message)
    flash(message, "error")
    return _render_manager(status=status)


def _fix_failed(back: str, kind: str, message: str, unit_name: str | None = None):
    """Show the item page again with the inline fix open, its error, and the adjust values kept."""
    from ..inventory.stock import render_fix_error

    parts = urlsplit(back)
    return render_fix_error(parse_id(parts.path.strip("/").split("/")[1]), parts.query, kind=kind, message=message,
                           unit_name=unit_name, next_url=back)
