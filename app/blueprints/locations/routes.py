"""Locations and transfers pages: the locations list (add one), the transfer form, transfers with Receive."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import inventory, units
from ...services.inventory import queries
from ...services.inventory.locations import location_names
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from ..pages import choices, page_arg, unit_choices
from . import bp
from .forms import KIND_LABELS, LocationForm, TransferForm

TRANSFERS_PER_PAGE = 25


@bp.app_context_processor
def _location_helpers():
    """`location_name_map()` for pages that show stock per location (queried only when a page calls it)."""

    def location_name_map():
        return location_names(current_org())

    return {"location_name_map": location_name_map}


@bp.route("/locations")
@require_permission("inventory.view")
def location_list():
    """Where stock is kept (the default location first), and a form to add one."""
    return _location_page(LocationForm())


@bp.route("/locations", methods=["POST"])
@require_permission("inventory.edit")
def location_create():
    """Add a location."""
    org = current_org()
    form = LocationForm()
    result = submit(form, lambda: inventory.create_location(org, current_user, name=form.name.data,
                                                            kind=form.kind.data))
    if result.ok:
        flash(f"Added {result.value.name}.", "success")
        return redirect(url_for("locations.location_list"))
    return _location_page(form, result.status)


def _location_page(form, status: int = 200):
    org = current_org()
    rows = inventory.list_locations(org, current_user)
    return render_template("locations/location_list.html", locations=rows, form=form,
                           kind_labels=KIND_LABELS), status


@bp.route("/transfers")
@require_permission("inventory.view")
def transfer_list():
    """Transfers between locations, those in transit first, each with a Receive button."""
    org = current_org()
    page = inventory.list_transfers(org, current_user, status=request.args.get("status") or None,
                                    page=page_arg(), per_page=TRANSFERS_PER_PAGE)
    items = {item_id: (name, unit) for item_id, name, unit in queries.item_choices(org, current_user)}
    missing = {t.item_id for t in page.items} - set(items)
    for item_id in missing:  # archived items still show by name
        item = inventory.get_item(org, current_user, item_id)
        items[item.id] = (item.name, item.unit)
    return render_template("locations/transfer_list.html", page=page, items=items, names=location_names(org),
                           button_form=EmptyForm(), status=request.args.get("status") or "")


@bp.route("/transfers/new", methods=["GET", "POST"])
@require_permission("inventory.adjust")
def transfer_new():
    """Move stock of one item from one location to another, at once or in transit."""
    org = current_org()
    form = TransferForm()
    locations = inventory.list_locations(org, current_user)
    location_options = choices([("", "— choose —")] + [(loc.id, loc.name) for loc in locations])
    form.from_location_id.choices = location_options
    form.to_location_id.choices = location_options
    form.item_id.choices = choices([("", "— choose an item —")] + [
        (item_id, f"{name} ({unit})") for item_id, name, unit in queries.item_choices(org, current_user)])
    form.unit.choices = unit_choices(units.list_units(org, current_user), blank="Stock unit")
    if request.method == "GET":
        form.item_id.data = request.args.get("item_id", "")
        form.from_location_id.data = str(locations[0].id) if locations else ""
    result = submit(form, lambda: inventory.transfer_stock(
        org, current_user, item_id=parse_id(form.item_id.data), quantity=form.quantity.data,
        unit=form.unit.data or None, from_location_id=parse_id(form.from_location_id.data),
        to_location_id=parse_id(form.to_location_id.data), in_transit=bool(form.in_transit.data),
        notes=(form.notes.data or "").strip()))
    if result.ok:
        transfer, _ = result.value
        flash(f"Transfer #{transfer.id} " + ("is on its way: receive it when it arrives." if transfer.status ==
                                             "in_transit" else "done."), "success")
        return redirect(url_for("locations.transfer_list"))
    return render_template("locations/transfer_form.html", form=form), result.status


@bp.route("/transfers/<int:transfer_id>/receive", methods=["POST"])
@require_permission("inventory.adjust")
def transfer_receive(transfer_id: int):
    """Stock in transit has arrived."""
    org = current_org()
    submit_action(lambda: inventory.receive_transfer(org, current_user, transfer_id),
                  lambda value: f"Transfer #{value[0].id} received.")
    return redirect(url_for("locations.transfer_list"))
