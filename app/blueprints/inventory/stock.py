"""Item detail: facts, lots in consumption order, the ledger, the adjust form and the ledger CSV."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from urllib.parse import parse_qsl

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ...formatting import format_quantity
from ...models.types import utcnow
from ...services import inventory, units
from ...services.authz import has_permission
from ...services.control_tower import reorder
from ...services.errors import DomainError, InsufficientStock, MissingDensity, MissingUnitMapping
from ...services.tenancy import parse_id
from ...services.timezones import org_today
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, apply_field_errors, submit
from ..pages import choices as page_choices
from ..pages import page_arg, unit_choices
from . import bp
from .forms import CHANGE_TYPE_LABELS, AdjustForm
from .routes import supplier_choices

EVENTS_PER_PAGE = 25
CSV_PAGE = 500
ADJUST_FIELDS = ("change_type", "quantity", "unit", "unit_cost", "expires_at", "received_at", "supplier_id",
                 "supplier_lot_code", "lot_code", "notes")


@bp.route("/inventory/<int:item_id>")
@require_permission("inventory.view")
def item_detail(item_id: int):
    """One item: its facts, what is in stock lot by lot, every change to it, and the adjust form."""
    # After an inline fix (density, unit mapping) the adjust values come back in the query string.
    prefill = "change_type" in request.args
    form = AdjustForm(formdata=request.args if prefill else None)
    return _render_detail(item_id, form)


@bp.route("/inventory/<int:item_id>/adjust", methods=["POST"])
@require_permission("inventory.adjust")
def item_adjust(item_id: int):
    """Record a stock change (restock, use, disposal, recount, credit) through the inventory service."""
    org = current_org()
    item = inventory.get_item(org, current_user, item_id)
    form = AdjustForm()
    if not form.validate_on_submit() or _past_expiry_unconfirmed(org, form):
        return _render_detail(item.id, form, status=422)
    result = submit(form, lambda: inventory.adjust(
            org, current_user, item.id,
            change_type=form.change_type.data,
            quantity=form.quantity.data,
            unit=form.unit.data or None,
            unit_cost=form.unit_cost.data,
            expires_at=form.expires_at.data,
            received_at=form.received_at.data,
            supplier_id=parse_id(form.supplier_id.data),
            supplier_lot_code=(form.supplier_lot_code.data or "").strip() or None,
            # the lot picker names a lot to take from or credit; a restock or recount makes its own lot
            lot_code=(form.lot_code.data or None) if form.change_type.data not in ("restock", "recount") else None,
            notes=(form.notes.data or "").strip(),
        ), validate=False, shown_by_page=(MissingDensity, MissingUnitMapping))
    if result.ok:
        flash(_describe(result.value, form.change_type.data, form.quantity.data, form.unit.data), "success")
        return redirect(url_for("inventory.item_detail", item_id=item.id))
    if isinstance(result.error, InsufficientStock):
        # the page opens at the form (#adjust), below the flash: say it under the quantity too
        form.quantity.errors = list(form.quantity.errors) + [_shortage_note(result.error, item)]
    if not isinstance(result.error, (MissingDensity, MissingUnitMapping)):
        return _render_detail(item.id, form, status=result.status)
    if not has_permission(current_user, "units.manage"):
        apply_field_errors(form, result.error)  # no inline fix for this role: say what is missing
        return _render_detail(item.id, form, status=422)
    form.unit.errors = list(form.unit.errors) + ["Needs the fix above."]
    return _render_detail(item.id, form, fix=_fix_for(result.error, item, form), status=422)


@bp.route("/inventory/<int:item_id>/events.csv")
@require_permission("inventory.export")
def item_events_csv(item_id: int):
    """The item's whole ledger as CSV, newest first."""
    org = current_org()
    item = inventory.get_item(org, current_user, item_id)
    lot_codes = {lot.id: lot.code for lot in inventory.lots_in_consumption_order(org, current_user, item.id, include_depleted=True)}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "time_utc", "change_type", "quantity", "unit", "lot", "unit_cost", "batch_id",
                     "sale_id", "user", "notes"])
    page_number = 1
    while True:
        page = inventory.list_events(org, current_user, item.id, page=page_number, per_page=CSV_PAGE)
        for event in page.items:
            writer.writerow([
                event.code, event.created_at.isoformat(), event.change_type, event.quantity, item.unit,
                _cell(lot_codes.get(event.lot_id, "")), "" if event.unit_cost is None else event.unit_cost,
                event.batch_id or "", event.sale_id or "", _cell(event.user.display_name if event.user else ""), _cell(event.notes),
            ])
        if not page.has_next:
            break
        page_number += 1
    slug = re.sub(r"[^A-Za-z0-9]+", "-", item.name).strip("-").lower() or f"item-{item.id}"
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-ledger.csv"'})


def render_fix_error(item_id: int, query: str, *, kind: str, message: str, unit_name: str | None, next_url: str):
    """The item page again after an inline fix failed: the fix stays open with its error (422)."""
    form = AdjustForm(formdata=MultiDict(parse_qsl(query)))
    fix = {"kind": kind, "item_id": item_id, "next": next_url, "message": message, "error": True,
           "unit_name": unit_name or request.form.get("unit_name") or ""}
    return _render_detail(item_id, form, fix=fix, status=422)


# ---- helpers ---------------------------------------------------------------------------------------

def _past_expiry_unconfirmed(org, form: AdjustForm) -> bool:
    """A restock dated to expire before today (in the organization's time zone) is a likely typo: the form
    comes back once with a warning and a "yes, it's already expired" box. The API allows past dates."""
    expires = form.expires_at.data
    if form.change_type.data != "restock" or expires is None or form.confirm_expired.data:
        return False
    if expires >= org_today(org):
        return False
    form.expiry_warning = True
    form.expires_at.errors = list(form.expires_at.errors) + [
        f"{expires.isoformat()} is already past: this lot would count as expired as soon as it is received. "
        "Check the date, or tick “Yes, it's already expired” and save again."]
    return True


def _render_detail(item_id: int, form: AdjustForm, *, fix: dict | None = None, status: int = 200):
    org = current_org()
    # the reorder engine's inputs ride along the item's query: the "low stock" badge counts as the Reorder page
    item, open_orders, extra = inventory.get_item_with_open_orders(org, current_user, item_id,
                                                                   *reorder.inputs_columns(org))
    summary = inventory.item_summaries(org, [item]).get(item.id)
    figures = None
    if item.archived_at is None and summary is not None and extra:  # the Reorder page's items
        figures = reorder.reorder_for_items(org, [item], summaries={item.id: summary},
                                            inputs={item.id: reorder.inputs_from_row(*extra)})[item.id]
    lots = inventory.lots_in_consumption_order(org, current_user, item.id, include_depleted=True)
    show_depleted = request.args.get("depleted") == "1"
    events = inventory.list_events(org, current_user, item.id, page=page_arg(), per_page=EVENTS_PER_PAGE)
    mappings = units.list_item_unit_mappings(org, current_user, item.id)
    _fill_adjust_choices(form, org, item, lots, mappings)
    now = utcnow()
    statuses = {lot.id: lot.status(org_today(org, now), now) for lot in lots}
    avg_bought = inventory.average_cost_bought(org, item, summary.avg_unit_cost if summary else None, lots)
    return render_template(
        "inventory/item_detail.html", item=item, summary=summary, form=form, fix=fix,
        bought_costs=inventory.purchase_unit_costs(org, lots), avg_bought=avg_bought,
        lots=[lot for lot in lots if show_depleted or statuses[lot.id] != "depleted"],
        depleted_count=sum(1 for s in statuses.values() if s == "depleted"), show_depleted=show_depleted,
        statuses=statuses, lot_codes={lot.id: lot.code for lot in lots}, events=events,
        mappings=mappings, change_labels=CHANGE_TYPE_LABELS, button_form=EmptyForm(), open_orders=open_orders,
        reorder_figures=figures,
        on_order=sum((order.quantity for order in open_orders), Decimal(0)),
    ), status


def _fill_adjust_choices(form: AdjustForm, org, item, lots, mappings) -> None:
    form.unit.choices = unit_choices(units.list_units(org, current_user), extra=[m.unit_name for m in mappings])
    if not form.unit.data:
        form.unit.data = item.unit
    form.supplier_id.choices = supplier_choices(org, blank="— none —")
    if form.supplier_id.data in (None, "", "None") and request.method == "GET" and "change_type" not in request.args:
        form.supplier_id.data = str(item.supplier_id or "")
    choices = [("", "Oldest first (FIFO)")]
    for lot in lots:
        detail = f"{format_quantity(lot.remaining_quantity, unit=item.unit)} {item.unit} left"
        if lot.expires_on:
            detail += f", expires {lot.expires_on:%Y-%m-%d}"
        choices.append((lot.code, f"{lot.code} — {detail}"))
    form.lot_code.choices = page_choices(choices)


def _fix_for(exc: DomainError, item, form: AdjustForm) -> dict:
    """The inline fix a unit error offers, with a way back to this form as it was typed."""
    values = {name: request.form.get(name) for name in ADJUST_FIELDS if request.form.get(name)}
    back = url_for("inventory.item_detail", item_id=item.id, **values, _anchor="adjust")
    if isinstance(exc, MissingDensity):
        return {"kind": "density", "item_id": getattr(exc, "item_id", None) or item.id, "next": back,
                "message": exc.message}
    return {"kind": "mapping", "item_id": getattr(exc, "item_id", None) or item.id, "next": back,
            "unit_name": form.unit.data or "", "message": exc.message}


def _shortage_note(error: InsufficientStock, item) -> str:
    """"Only 878.84 g usable; 5,000 g asked." — rounded for reading, in the item's unit."""
    shortage = next((s for s in getattr(error, "shortages", []) if s["item_id"] == item.id), None)
    if shortage is None:
        return "Not enough usable stock."
    usable = f"{format_quantity(shortage['available'], unit=item.unit)} {item.unit}"
    asked = f"{format_quantity(shortage['needed'], unit=item.unit)} {item.unit}"
    held = f" ({shortage['held']})" if shortage.get("held") else ""
    return f"Only {usable} usable{held}; this asks for {asked}."


def _describe(result, change_type: str, entered=None, entered_unit: str | None = None) -> str:
    """The flash after a change, rounded for reading; a quantity typed in another unit is named as typed too."""
    item = result.item
    in_stock = f"{format_quantity(item.quantity, unit=item.unit)} {item.unit}"
    if not result.events:
        return f"No change: the count matches the {in_stock} in stock."
    total = sum((event.quantity for event in result.events), start=0)
    label = CHANGE_TYPE_LABELS.get(change_type, change_type).split(" (")[0]
    lots = ", ".join(sorted({event.lot.code for event in result.events if event.lot is not None}))
    sign = "+" if total > 0 else "-" if total < 0 else ""
    amount = f"{format_quantity(abs(total), unit=item.unit)} {item.unit}"
    if entered is not None and entered_unit and entered_unit != item.unit and change_type != "recount":
        amount = f"{format_quantity(abs(entered), unit=entered_unit)} {entered_unit} ({amount})"
    amount = sign + amount
    text = f"{label}: {amount} of {item.name}"
    if lots:
        text += f" (lot{'s' if ', ' in lots else ''} {lots})"
    return f"{text}. In stock now: {in_stock}."


def _cell(value) -> str:
    """Neutralize spreadsheet formulas in free text (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
