"""Inventory pages: the item list, creating and editing items, archiving and restoring them."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.inventory import ITEM_KINDS
from ...services import inventory, library, suppliers, units
from ...services.control_tower import reorder
from ...services.errors import NotFound, PermissionDenied
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import submit, submit_action
from ..pages import choices, page_arg, text_arg, unit_choices
from . import bp
from .forms import KIND_CHOICES, ItemForm

PER_PAGE = 50
SORTS = [("name", "Name"), ("quantity", "Quantity"), ("value", "Value"), ("updated", "Recently updated")]
# Fields the global library owns while an item is linked to it (unlink to edit them).
LIBRARY_LOCKED = ("name", "inci_name", "density")


@bp.route("/inventory")
@require_permission("inventory.view")
def item_list():
    """Items with stock, availability, value and alerts; searchable, filterable, sortable."""
    org = current_org()
    q = (request.args.get("q") or "").strip()[:120]
    kind = request.args.get("kind") if request.args.get("kind") in ITEM_KINDS else ""
    sort = request.args.get("sort") if request.args.get("sort") in dict(SORTS) else "name"
    archived = request.args.get("archived") == "1"
    picking = request.args.get("pick") == "adjust"  # from the "Adjust stock" shortcut
    # The reorder engine's inputs ride along the page's items query (no statement of their own), so the
    # "below reorder point" badge counts as the Reorder page does: computed points, stock on order and in transit.
    page, extra = inventory.list_items_with_columns(
        org, current_user, *reorder.inputs_columns(org), q=q or None, kind=kind or None, sort=sort,
        include_archived=archived, page=page_arg(), per_page=PER_PAGE)
    summaries = inventory.item_summaries(org, page.items)
    active = [item for item in page.items if item.archived_at is None]  # the Reorder page's items
    reorders = reorder.reorder_for_items(org, active, summaries=summaries,
                                         inputs={item.id: reorder.inputs_from_row(*extra[item.id]) for item in active})
    args = {key: value for key, value in (("q", q), ("kind", kind), ("sort", sort if sort != "name" else ""),
                                          ("archived", "1" if archived else ""),
                                          ("pick", "adjust" if picking else "")) if value}
    return render_template("inventory/item_list.html", page=page, summaries=summaries, reorders=reorders,
                           args=args, q=q,
                           kind=kind, sort=sort, archived=archived, kinds=KIND_CHOICES, sorts=SORTS,
                           filtered=bool(q or kind), picking=picking)


@bp.route("/inventory/new", methods=["GET", "POST"])
@require_permission("inventory.edit")
def item_new():
    """Add an item, optionally prefilled from a global library entry (?library_id=)."""
    org = current_org()
    form = ItemForm()
    _fill_item_choices(form, org)
    library_item = _library_item(request.args.get("library_id") or form.global_item_id.data)
    if request.method == "GET" and library_item is not None:
        _prefill_from_library(form, library_item)
    if request.method == "GET" and request.args.get("barcode"):  # from the Scan page: an unknown barcode
        form.barcode.data = text_arg("barcode", 80)
    fields: dict = {}

    def create():
        fields.update(_item_fields(form))
        # The library owns a linked item's name, INCI and density: if the maker changed any of
        # them, they want their own item, so it is created unlinked rather than overwritten.
        linked = library_item is not None and _matches_library(fields, library_item)
        fields["global_item_id"] = library_item.id if linked else None
        return inventory.create_item(org, current_user, **fields)

    result = submit(form, create)
    if result.ok:
        flash(f"Added {result.value.name}. Record what you have in stock with a restock.", "success")
        if library_item is not None and fields["global_item_id"] is None:
            flash("It is your own item, not linked to the library, because you changed its name, "
                  "INCI name or density.", "info")
        return redirect(url_for("inventory.item_detail", item_id=result.value.id) + "#adjust")
    return render_template("inventory/item_form.html", form=form, item=None, library_item=library_item), \
        result.status


@bp.route("/inventory/<int:item_id>/edit", methods=["GET", "POST"])
@require_permission("inventory.edit")
def item_edit(item_id: int):
    """Edit an item's details (stock changes go through the adjust form)."""
    org = current_org()
    item = inventory.get_item(org, current_user, item_id)
    form = ItemForm(obj=item) if request.method == "GET" else ItemForm()
    _fill_item_choices(form, org)
    if request.method == "GET":
        form.supplier_id.data = str(item.supplier_id or "")
        form.capacity_unit.data = item.capacity_unit or ""
        if request.args.get("barcode"):  # from the Scan page: put the scanned barcode on this item
            form.barcode.data = text_arg("barcode", 80)
    linked = item.global_item_id is not None
    if linked and request.method == "POST":
        # locked fields render disabled, so the browser does not send them: keep the item's values
        form.name.data, form.inci_name.data, form.density.data = item.name, item.inci_name, item.density
    unlinking = linked and bool(form.unlink_library.data)

    def save():
        fields = _item_fields(form)
        if unlinking:
            fields["global_item_id"] = None
        elif linked:
            for name in LIBRARY_LOCKED:
                fields.pop(name, None)
        return inventory.update_item(org, current_user, item.id, **fields)

    result = submit(form, save)
    if result.ok and unlinking:
        flash(f"{result.value.name} is unlinked from the library: its name, INCI name and density are "
              "yours to edit now.", "success")
        return redirect(url_for("inventory.item_edit", item_id=item.id))
    if result.ok:
        flash(f"Saved {result.value.name}.", "success")
        return redirect(url_for("inventory.item_detail", item_id=item.id))
    return render_template("inventory/item_form.html", form=form, item=item, library_item=item.global_item,
                           locked=LIBRARY_LOCKED if linked else ()), result.status


@bp.route("/inventory/<int:item_id>/archive", methods=["POST"])
@require_permission("inventory.edit")
def item_archive(item_id: int):
    """Archive an item: hidden from lists and pickers, its history kept."""
    return _archive_or_restore(item_id, archive=True)


@bp.route("/inventory/<int:item_id>/restore", methods=["POST"])
@require_permission("inventory.edit")
def item_restore(item_id: int):
    """Bring an archived item back."""
    return _archive_or_restore(item_id, archive=False)


def _archive_or_restore(item_id: int, *, archive: bool):
    change = inventory.archive_item if archive else inventory.restore_item
    submit_action(lambda: change(current_org(), current_user, item_id),
                  lambda item: (f"{item.name} archived. Find it again with “Show archived”." if archive
                                else f"{item.name} restored."))
    return redirect(url_for("inventory.item_detail", item_id=item_id))


# ---- helpers ---------------------------------------------------------------------------------------

def _fill_item_choices(form: ItemForm, org) -> None:
    unit_list = units.list_units(org, current_user)
    form.unit.choices = unit_choices(unit_list)
    form.capacity_unit.choices = unit_choices(unit_list, blank="—")
    form.supplier_id.choices = supplier_choices(org, blank="— none —")


def supplier_choices(org, *, blank: str, include=None) -> list:
    """Active suppliers for a <select>; `include` keeps an archived supplier that is already chosen."""
    try:
        rows = suppliers.list_suppliers(org, current_user, include_archived=include is not None)
    except PermissionDenied:  # a custom role may edit items without seeing suppliers
        rows = []
    return choices([("", blank)] + [(s.id, s.name) for s in rows if s.archived_at is None or s.id == include])


def _library_item(library_id):
    if not library_id:
        return None
    try:
        return library.get_library_item(library_id)  # junk and absurd ids are NotFound there
    except NotFound:
        flash("That library entry was not found; fill the details in yourself.", "warning")
        return None


def _prefill_from_library(form: ItemForm, entry) -> None:
    form.name.data = entry.name
    form.kind.data = entry.kind or "ingredient"
    form.unit.data = entry.default_unit or "g"
    form.density.data = entry.density
    form.shelf_life_days.data = entry.shelf_life_days
    form.inci_name.data = entry.inci
    form.allergens.data = ", ".join(entry.allergens or [])
    form.capacity.data = entry.capacity
    form.capacity_unit.data = entry.capacity_unit or ""
    form.global_item_id.data = str(entry.id)


def _matches_library(fields: dict, entry) -> bool:
    return (fields["name"] == entry.name and (fields["inci_name"] or None) == (entry.inci or None)
            and _same_number(fields["density"], entry.density))


def _same_number(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and a == b)


def _item_fields(form: ItemForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "kind": form.kind.data,
        "unit": form.unit.data,
        "density": form.density.data,
        "shelf_life_days": form.shelf_life_days.data,
        "reorder_point": form.reorder_point.data,
        "safety_stock": form.safety_stock.data,
        "lead_time_days": form.lead_time_days.data,
        "inci_name": (form.inci_name.data or "").strip() or None,
        "allergens": (form.allergens.data or "").strip(),
        "capacity": form.capacity.data,
        "capacity_unit": form.capacity_unit.data or None,
        "supplier_id": parse_id(form.supplier_id.data),
        "notes": (form.notes.data or "").strip(),
        "allow_fractions": bool(form.allow_fractions.data),
        "barcode": form.barcode.data,
    }
