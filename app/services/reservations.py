"""Reservations: stock held for an open order. They lower `available` (never on-hand) until released,
converted to a sale, or expired. stock_check.reserved_quantities is where they enter availability."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, update

from ..extensions import db
from ..models import RESERVATION_STATUSES, InventoryItem, Reservation, Sale
from ..models.types import utcnow
from . import inventory, sales, tenancy, units
from .authz import authorize
from .base import unit_of_work
from .errors import InvalidState, PermissionDenied, ValidationFailed
from .features import feature_enabled
from .inventory import expiration
from .pagination import Page, paginate
from .text_search import contains
from .validation import clean_text

DEFAULT_DAYS = 7
MAX_DAYS = 366


@unit_of_work
def create_reservation(org, actor, *, item_id, quantity, order_ref, customer="", expires_at=None, unit=None,
                       notes="") -> Reservation:
    """Hold available stock for an open order (default for 7 days); never more than is available."""
    authorize(actor, org, "reservations.manage")
    _check_feature(org)
    item = tenancy.get_for_org_for_update(InventoryItem, item_id, org)  # serializes with sales of this item
    qty = units.to_item_quantity(org, item, units.parse_quantity(quantity), unit)
    order_ref = clean_text(order_ref, "order_ref", 80, required=True, label="the order reference")
    now = utcnow()
    expires = _expiry(expires_at)
    if expires is None:
        expires = now + timedelta(days=DEFAULT_DAYS)
    if expires <= now:
        raise ValidationFailed("The reservation must expire in the future.", fields={"expires_at": "In the future."})
    if expires > now + timedelta(days=MAX_DAYS):
        raise ValidationFailed("Hold stock for at most a year.", fields={"expires_at": "Within a year."})
    free = sales.free_to_sell(org, item, now=now)
    if qty > free:
        raise sales.insufficient(item, qty, free, org, now)
    reservation = Reservation(organization_id=org.id, item_id=item.id, quantity=qty, order_ref=order_ref,
                              customer=clean_text(customer, "customer", 120), notes=clean_text(notes, "notes", 5000),
                              status="open", expires_at=expires, user_id=getattr(actor, "id", None), created_at=now)
    db.session.add(reservation)
    db.session.flush()
    return reservation


@unit_of_work
def release_reservation(org, actor, reservation_id) -> Reservation:
    """Give the held stock back to `available` (the order was cancelled or changed)."""
    authorize(actor, org, "reservations.manage")
    reservation = _open(org, reservation_id)
    reservation.status = "released"
    reservation.closed_at = utcnow()
    return reservation


@unit_of_work
def convert_reservation(org, actor, reservation_id, *, unit_price=None, channel=None, quantity=None, notes="") -> Sale:
    """Turn the reservation into a sale of its quantity (or `quantity`) at `unit_price` (blank: SKU retail)."""
    authorize(actor, org, "reservations.manage")
    # Read without a lock: record_sale locks the item and then the reservation (the order every sale uses)
    # and checks again that it is still open.
    reservation = _open(org, reservation_id, lock=False)
    return sales.record_sale(org, actor, item_id=reservation.item_id,
                             quantity=reservation.quantity if quantity in (None, "") else quantity,
                             unit_price=unit_price, order_ref=reservation.order_ref, channel=channel,
                             customer=reservation.customer or None, reservation_id=reservation.id, notes=notes)


@unit_of_work
def expire_reservations(org=None, *, now: datetime | None = None) -> int:
    """Mark open reservations past their expiry as expired (one organization, or all for the job)."""
    now = now or utcnow()
    stmt = (update(Reservation).where(Reservation.status == "open", Reservation.expires_at <= now)
            .values(status="expired", closed_at=now).execution_options(synchronize_session=False))
    if org is not None:
        stmt = stmt.where(Reservation.organization_id == (org if isinstance(org, int) else org.id))
    count = db.session.execute(stmt).rowcount or 0
    db.session.expire_all()
    return count


def _expiry(value) -> datetime | None:
    """A time as given; a bare date ("hold until 2026-12-01") holds through the end of that day (UTC)."""
    if value in (None, ""):
        return None
    is_day = (isinstance(value, date) and not isinstance(value, datetime)) or (
        isinstance(value, str) and len(value.strip()) == 10)
    parsed = expiration.parse_datetime(value, "expires_at")
    return parsed + timedelta(days=1) if is_day else parsed


def _open(org, reservation_id, *, lock: bool = True) -> Reservation:
    reservation = (tenancy.get_for_org_for_update(Reservation, reservation_id, org) if lock
                   else tenancy.get_for_org(Reservation, reservation_id, org))
    status = reservation.effective_status(utcnow())
    if status != "open":
        raise InvalidState(f"Reservation {reservation.id} for order {reservation.order_ref} is {status}.")
    return reservation


def _check_feature(org) -> None:
    if not feature_enabled(org, "reservations"):
        raise PermissionDenied("Reservations are not part of this plan.")


# ---- reads -------------------------------------------------------------------------------------------

@dataclass
class ReservationRow:
    reservation: Reservation
    item: InventoryItem
    status: str  # effective: an open reservation past its expiry reads "expired"


def get_reservation(org, actor, reservation_id) -> Reservation:
    """The organization's reservation, or NotFound."""
    authorize(actor, org, "sales.view")
    return tenancy.get_for_org(Reservation, reservation_id, org)


def list_reservations(org, actor, *, status=None, item_id=None, q=None, page=1, per_page=50) -> Page:
    """Reservations (ReservationRow), open ones first by expiry, then the rest newest first: three queries."""
    authorize(actor, org, "sales.view")
    now = utcnow()
    filters = []
    if status:
        if status not in RESERVATION_STATUSES:
            raise ValidationFailed("Unknown status.", fields={"status": f"One of {', '.join(RESERVATION_STATUSES)}."})
        if status == "open":
            filters += [Reservation.status == "open", Reservation.expires_at > now]
        elif status == "expired":
            filters.append(or_(Reservation.status == "expired",
                               (Reservation.status == "open") & (Reservation.expires_at <= now)))
        else:
            filters.append(Reservation.status == status)
    if item_id not in (None, ""):
        filters.append(Reservation.item_id == inventory.common.int_id(item_id))
    if q and str(q).strip():
        filters.append(contains(q, Reservation.order_ref, Reservation.customer))
    is_open = (Reservation.status == "open").desc()
    stmt = (tenancy.scoped(Reservation, org).where(*filters)
            .order_by(is_open, Reservation.expires_at, Reservation.created_at.desc(), Reservation.id.desc()))
    count = tenancy.scoped(Reservation, org, func.count(Reservation.id)).where(*filters)
    result = paginate(stmt, count, page, per_page)
    ids = sorted({r.item_id for r in result.items})
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(ids)))} if ids else {}
    result.items = [ReservationRow(r, items[r.item_id], r.effective_status(now)) for r in result.items]
    return result
