"""Reservations: stock held for open orders — list, hold, release, and convert to a sale."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...formatting import format_money, format_quantity
from ...models import RESERVATION_STATUSES
from ...services import products, reservations
from ...services.authz import has_permission
from ...services.errors import ValidationFailed
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from ..pages import ID, page_arg
from . import bp
from .forms import ConvertForm, ReservationForm
from .routes import _fill_sell_choices, _sell_options

PER_PAGE = 50


@bp.route("/sales/reservations")
@require_permission("sales.view")
def reservation_list():
    """Open reservations first (soonest expiry), then released, converted and expired ones."""
    return _render_list(ReservationForm(formdata=None))


@bp.route("/sales/reservations/new", methods=["POST"])
@require_permission("reservations.manage")
def reservation_create():
    """Hold available stock for an open order."""
    org = current_org()
    form = ReservationForm()
    options = _sell_options(org)
    result = submit(form, lambda: _reserve(org, form, options))
    if not result.ok:
        return _render_list(form, options=options, status=result.status)
    reservation, option = result.value
    flash(f"Holding {format_quantity(reservation.quantity)} {option['unit']} of {option['label']} for order "
          f"{reservation.order_ref}.", "success")
    return redirect(url_for("sales.reservation_list"))


def _reserve(org, form: ReservationForm, options):
    option = next((o for o in options if o["value"] == form.sku.data), None)
    if option is None:
        message = "Choose one of your products from the list."
        raise ValidationFailed(message, fields={"sku": message})
    reservation = reservations.create_reservation(
        org, current_user, item_id=option["item"].id, quantity=form.quantity.data,
        order_ref=form.order_ref.data.strip(), customer=(form.customer.data or "").strip(),
        expires_at=form.expires_at.data)
    return reservation, option


@bp.route(f"/sales/reservations/<{ID}:reservation_id>/release", methods=["POST"])
@require_permission("reservations.manage")
def reservation_release(reservation_id: int):
    """Give held stock back (the order was cancelled or changed)."""
    submit_action(lambda: reservations.release_reservation(current_org(), current_user, reservation_id),
                  lambda reservation: f"Released the hold for order {reservation.order_ref}.")
    return redirect(url_for("sales.reservation_list"))


@bp.route(f"/sales/reservations/<{ID}:reservation_id>/convert", methods=["POST"])
@require_permission("reservations.manage")
def reservation_convert(reservation_id: int):
    """Turn a reservation into a sale at the given price (blank: the SKU's retail price)."""
    org = current_org()
    reservation = reservations.get_reservation(org, current_user, reservation_id)
    form = ConvertForm()
    if not form.validate_on_submit():
        flash(" ".join(message for errors in form.errors.values() for message in errors), "error")
        return redirect(url_for("sales.reservation_list"))
    price = form.unit_price.data
    if price is None:
        sku = _sku_for_item(org, reservation.item_id)
        price = sku.retail_price if sku is not None else None
    if price is None:
        flash(f"Enter a unit price to convert order {reservation.order_ref}: it has no retail price.", "error")
        return redirect(url_for("sales.reservation_list"))
    result = submit_action(lambda: reservations.convert_reservation(
        org, current_user, reservation.id, unit_price=price, channel=(form.channel.data or "").strip() or None))
    if not result.ok:
        return redirect(url_for("sales.reservation_list"))
    sale = result.value
    flash(f"Order {sale.order_ref} sold: revenue {format_money(sale.revenue)}, cost of goods "
          f"{format_money(sale.cogs)}.", "success")
    return redirect(url_for("sales.sale_detail", sale_id=sale.id))


def _render_list(form: ReservationForm, *, options=None, status: int = 200):
    org = current_org()
    status_filter = request.args.get("status") if request.args.get("status") in RESERVATION_STATUSES else ""
    page = reservations.list_reservations(org, current_user, status=status_filter or None, page=page_arg(),
                                          per_page=PER_PAGE)
    can_manage = has_permission(current_user, "reservations.manage")
    if can_manage:
        options = options if options is not None else _sell_options(org)
        _fill_sell_choices(form, options)
    skus = products.skus_for_items(org, current_user, [row.item.id for row in page.items])
    return render_template("sales/reservation_list.html", page=page, form=form, status=status_filter,
                           statuses=RESERVATION_STATUSES, skus=skus, convert_form=ConvertForm(formdata=None),
                           button_form=EmptyForm(), can_manage=can_manage,
                           args={"status": status_filter} if status_filter else {}), status


def _sku_for_item(org, item_id):
    return products.skus_for_items(org, current_user, [item_id]).get(item_id)
