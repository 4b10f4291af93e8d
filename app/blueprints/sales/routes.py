"""Sale pages: the sales list with totals and its CSV, recording a sale, and a sale with its lots and returns."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ...formatting import format_money, format_quantity
from ...services import sales
from ...services.errors import PermissionDenied, ValidationFailed
from ...services.timezones import org_today
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import submit
from ..pages import ID, page_arg, text_arg
from . import bp
from .forms import CHANNEL_SUGGESTIONS, ReturnForm, SaleForm

PER_PAGE = 50
CSV_PAGE = 500


@bp.route("/sales")
@require_permission("sales.view")
def sale_list():
    """Sales newest first, filtered by search, channel and date range, with revenue, COGS and margin totals."""
    org = current_org()
    filters = _filters()
    page = sales.list_sales(org, current_user, page=page_arg(), per_page=PER_PAGE, **filters)
    totals = page.totals
    return render_template("sales/sale_list.html", page=page, totals=totals, filters=filters,
                           args={k: v.isoformat() if isinstance(v, date) else v for k, v in filters.items() if v},
                           channels=sales.list_channels(org, current_user),
                           margin_percent=sales.margin_percent(totals.net_revenue, totals.net_margin),
                           today=org_today(org).isoformat())


@bp.route("/sales.csv")
@require_permission("sales.view")
def sale_export():
    """The filtered sales list as CSV (every page)."""
    org = current_org()
    filters = _filters(quiet=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sale_id", "date_utc", "sku", "item", "quantity", "unit", "unit_price", "revenue", "cogs",
                     "margin", "returned_quantity", "returned_revenue", "returned_cogs", "order_ref", "channel",
                     "customer"])
    number = 1
    while True:
        page = sales.list_sales(org, current_user, page=number, per_page=CSV_PAGE, **filters)
        for row in page.items:
            sale = row.sale
            writer.writerow([sale.id, sale.created_at.isoformat(timespec="seconds"), row.sku.code if row.sku else "",
                             _cell(row.item.name), _num(sale.quantity), row.item.unit, _num(sale.unit_price),
                             _num(sale.revenue), _num(sale.cogs), _num(sale.margin), _num(sale.returned_quantity),
                             _num(sale.returned_revenue), _num(sale.returned_cogs), _cell(sale.order_ref),
                             _cell(sale.channel), _cell(sale.customer)])
        if not page.has_next:
            break
        number += 1
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sales.csv"'})


@bp.route("/sales/new", methods=["GET", "POST"])
@require_permission("products.sell")
def sale_new():
    """Record a sale: stock leaves oldest lot first and the cost of goods comes from those lots."""
    org = current_org()
    form = SaleForm()
    options = _sell_options(org)
    _fill_sell_choices(form, options)
    if request.method == "GET":
        _prefill(form, options)
    result = submit(form, lambda: _record_sale(org, form, options))
    if result.ok:
        sale, option = result.value
        flash(f"Sold {format_quantity(sale.quantity)} {option['unit']} of {option['label']}: revenue "
              f"{format_money(sale.revenue)}, cost of goods {format_money(sale.cogs)}, "
              f"margin {format_money(sale.margin)}.", "success")
        return redirect(url_for("sales.sale_detail", sale_id=sale.id))
    return _render_form(form, options, status=result.status)


def _record_sale(org, form: SaleForm, options):
    """The chosen SKU (or item) sold at the typed price, or its retail price when none is typed."""
    choice = parse_sell_choice(form.sku.data)
    option = next((o for o in options if o["value"] == form.sku.data), None)
    if choice is None or option is None:
        message = "Choose one of your products from the list."
        raise ValidationFailed(message, fields={"sku": message})
    price = form.unit_price.data if form.unit_price.data is not None else option["price"]
    if price is None:
        message = f"Enter the unit price: {option['label']} has no retail price."
        raise ValidationFailed(message, fields={"unit_price": message})
    target = {"sku_id": choice[1]} if choice[0] == "sku" else {"item_id": choice[1]}
    sale = sales.record_sale(org, current_user, quantity=form.quantity.data, unit_price=price,
                             order_ref=(form.order_ref.data or "").strip() or None,
                             channel=(form.channel.data or "").strip() or None,
                             customer=(form.customer.data or "").strip() or None,
                             confirm_below_cost=bool(form.confirm_below_cost.data), **target)
    return sale, option


@bp.route(f"/sales/<{ID}:sale_id>")
@require_permission("sales.view")
def sale_detail(sale_id: int):
    """One sale: the lots it drew from at their unit costs, COGS, margin, returns and the return form."""
    return _render_detail(sale_id, ReturnForm(formdata=None))


@bp.route(f"/sales/<{ID}:sale_id>/return", methods=["POST"])
@require_permission("sales.return")
def sale_return(sale_id: int):
    """Record a return: the stock goes back to the exact lots the sale drew from."""
    org = current_org()
    sale = sales.get_sale(org, current_user, sale_id)
    form = ReturnForm()
    result = submit(form, lambda: sales.return_sale(org, current_user, sale.id, quantity=form.quantity.data,
                                                    notes=(form.notes.data or "").strip()))
    if not result.ok:
        return _render_detail(sale.id, form, status=result.status)
    events = result.value
    returned = sum((event.quantity for event in events), start=0)
    lots = ", ".join(sorted({event.lot.code for event in events if event.lot is not None}))
    flash(f"Returned {format_quantity(returned)} to lot{'s' if ', ' in lots else ''} {lots}.", "success")
    return redirect(url_for("sales.sale_detail", sale_id=sale.id))


# ---- helpers ---------------------------------------------------------------------------------------

def _render_detail(sale_id: int, form: ReturnForm, *, status: int = 200):
    record = sales.sale_record(current_org(), current_user, sale_id)
    net_margin_percent = sales.margin_percent(record.net_revenue, record.net_margin)
    return render_template("sales/sale_detail.html", record=record, sale=record.sale, form=form,
                           margin_percent=net_margin_percent,
                           lot_codes={lot.id: lot.code for _, lot in record.consumption},
                           returnable=record.sale.quantity - record.sale.returned_quantity), status


def _render_form(form: SaleForm, options, *, status: int = 200):
    return render_template("sales/sale_form.html", form=form, options=options,
                           channel_suggestions=CHANNEL_SUGGESTIONS), status


def _sell_options(org) -> list[dict]:
    """What can be sold or reserved, as picker options: value "sku-12" / "item-7", label, group, price."""
    try:
        found = sales.list_sell_options(org, current_user)
    except PermissionDenied:  # a custom role may sell without seeing the product catalogue
        return []
    options = []
    for option in found:
        item, sku = option.item, option.sku
        if sku is None:
            options.append({"value": f"item-{item.id}", "sku": None, "item": item, "price": None,
                            "available": option.available, "unit": item.unit, "group": "Other products",
                            "label": item.name})
            continue
        detail = " · ".join(part for part in (option.variant.name if option.variant else "", sku.size_label) if part)
        options.append({"value": f"sku-{sku.id}", "sku": sku, "item": item, "price": sku.retail_price,
                        "available": option.available, "unit": item.unit, "group": option.product.name,
                        "label": f"{sku.code} — {option.product.name}{' · ' + detail if detail else ''}"})
    return options


def parse_sell_choice(value) -> tuple[str, int] | None:
    """("sku", 12) / ("item", 7) from a picker value "sku-12" / "item-7"; None when it is not one."""
    kind, _, raw = str(value or "").partition("-")
    if kind in ("sku", "item") and raw.isdigit() and len(raw) < 12:
        return kind, int(raw)
    return None


def _fill_sell_choices(form, options) -> None:
    """Choices grouped by product; each option carries its retail price and availability for app.js."""
    form.sku.choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(o["value"], f"{o['label']} ({format_quantity(o['available'])} {o['unit']} available)",
                     optgroup=o["group"],
                     render_kw={"data-price": "" if o["price"] is None else format(o["price"].normalize(), "f")})
        for o in options]


def _prefill(form: SaleForm, options) -> None:
    """?sku_id= / ?item_id= preselect what to sell and fill in its retail price; the quantity starts at 1 (its
    grey "1" placeholder read as a value, and the sale was refused for want of a quantity)."""
    if form.quantity.data is None:
        form.quantity.data = Decimal(1)
    wanted = (f"sku-{request.args.get('sku_id')}" if request.args.get("sku_id")
              else f"item-{request.args.get('item_id')}" if request.args.get("item_id") else "")
    option = next((o for o in options if o["value"] == wanted), None)
    if option is not None:
        form.sku.data = option["value"]
        form.unit_price.data = option["price"]


def _filters(*, quiet: bool = False) -> dict:
    """Search, channel and date range from the query string; an unreadable date is dropped with a note."""
    result = {"q": text_arg("q"), "channel": text_arg("channel", 40),
              "date_from": None, "date_to": None}
    for key in ("date_from", "date_to"):
        raw = (request.args.get(key) or "").strip()
        if raw:
            try:
                result[key] = date.fromisoformat(raw)
            except ValueError:
                if not quiet:
                    flash(f"“{raw[:20]}” is not a date (YYYY-MM-DD); that filter was ignored.", "warning")
    return result


def _num(value) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f") if value != 0 else "0"


def _cell(value) -> str:
    """Neutralize spreadsheet formulas in free text (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
