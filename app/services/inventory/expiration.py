"""Expiration: expiry dates from shelf life, expiring-soon and expired lots (holds.dispose_expired_lot writes them off).

A lot is expired from the day after its `expires_on` date in the organization's time zone, and on hold
while the organization's today is before its `hold_until` date (usable on that date): both are calendar
dates a person entered (timezones.org_today). Status is derived when read, so no job
has to run for a lot to count as expired; consumption and stock checks skip expired lots.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import InventoryLot
from ...models.types import utcnow
from .. import tenancy
from ..authz import authorize
from ..errors import ValidationFailed
from ..timezones import org_today

MAX_SHELF_LIFE_DAYS = 36500


def expiry_for_receipt(item, received_at: datetime | date | None, expires_at=None) -> date | None:
    """The expiry date of a new lot: the given date, else received + the item's shelf life, else None."""
    if expires_at is not None:
        return parse_date(expires_at, "expires_at")
    if not item.shelf_life_days:
        return None
    received = parse_datetime(received_at, "received_at") if received_at is not None else utcnow()
    return org_today(item.organization_id, received) + timedelta(days=int(item.shelf_life_days))


def parse_date(value, field: str) -> date | None:
    """A date from a date, an aware/naive datetime (its UTC date) or an ISO string; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return _aware(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return _aware(datetime.fromisoformat(text.replace("Z", "+00:00"))).date()
        except ValueError:
            pass
    raise ValidationFailed("Enter a date as YYYY-MM-DD.", fields={field: "Enter a date as YYYY-MM-DD."})


def parse_datetime(value, field: str) -> datetime | None:
    """An aware UTC datetime from a datetime, a date (midnight UTC) or an ISO string; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        try:
            return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            pass
    raise ValidationFailed("Enter a date as YYYY-MM-DD, or an ISO 8601 time.",
                           fields={field: "Enter a date as YYYY-MM-DD (e.g. 2026-03-14)."})


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def list_expiring(org, actor, *, days: int | None = None, now: datetime | None = None) -> list[InventoryLot]:
    """Lots with stock that are not expired yet but expire within `days` (default: the org's setting)."""
    authorize(actor, org, "inventory.view")
    today = org_today(org, now)
    days = org.expiring_soon_days if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_SHELF_LIFE_DAYS:
        raise ValidationFailed("Days must be a whole number from 0.", fields={"days": "Whole number from 0."})
    stmt = (tenancy.scoped(InventoryLot, org)
            .where(InventoryLot.remaining_quantity > 0, InventoryLot.expires_on.isnot(None),
                   InventoryLot.expires_on >= today, InventoryLot.expires_on <= today + timedelta(days=days)))
    return _with_items(stmt)


def list_expired(org, actor, *, now: datetime | None = None) -> list[InventoryLot]:
    """Lots that still hold stock past their expiry date (dispose of them, or they just sit there)."""
    authorize(actor, org, "inventory.view")
    stmt = (tenancy.scoped(InventoryLot, org)
            .where(InventoryLot.remaining_quantity > 0, InventoryLot.expires_on < org_today(org, now)))
    return _with_items(stmt)


def _with_items(stmt) -> list[InventoryLot]:
    stmt = stmt.options(joinedload(InventoryLot.item)).order_by(InventoryLot.expires_on, InventoryLot.id)
    return list(db.session.scalars(stmt))


def is_expired(lot: InventoryLot, now: datetime | None = None) -> bool:
    """Is the lot past its expiry date in its organization's time zone?"""
    return lot.expires_on is not None and lot.expires_on < org_today(lot.organization_id, now)
