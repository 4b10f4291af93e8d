"""Organization settings: name, time zone, expiring-soon window, lot consumption order, currency; the API's
summary of the organization (plan, billing state, seats)."""
from __future__ import annotations

from .. import accounts
from ..authz import authorize
from ..base import unit_of_work
from ..billing import effective_billing_status
from ..errors import ValidationFailed
from .members import _seat_usage

CURRENCIES = [("USD", "US dollar"), ("EUR", "Euro"), ("GBP", "Pound sterling"), ("CAD", "Canadian dollar"),
              ("AUD", "Australian dollar"), ("NZD", "New Zealand dollar"), ("CHF", "Swiss franc"),
              ("SEK", "Swedish krona"), ("NOK", "Norwegian krone"), ("DKK", "Danish krone"),
              ("JPY", "Japanese yen"), ("MXN", "Mexican peso")]
CONSUMPTION_ORDERS = [("fifo", "First in, first out (oldest received first)"),
                      ("fefo", "First expired, first out (soonest expiry first)")]


@unit_of_work
def update_settings(org, actor, *, name: str, timezone_name: str, expiring_soon_days, consumption_order: str,
                    currency: str):
    """Organization name, display time zone, expiring-soon window, lot consumption order, currency."""
    authorize(actor, org, "organization.settings")
    name = accounts.check_name(name, "name", "an organization name")
    tz = accounts.check_timezone(timezone_name)
    try:
        days = int(str(expiring_soon_days).strip())
    except (TypeError, ValueError):
        days = None
    if days is None or not 1 <= days <= 365:
        raise ValidationFailed("The expiring-soon window is a whole number of days from 1 to 365.",
                               fields={"expiring_soon_days": "A whole number from 1 to 365."})
    if consumption_order not in dict(CONSUMPTION_ORDERS):
        raise ValidationFailed("Choose FIFO or FEFO.", fields={"consumption_order": "Choose fifo or fefo."})
    currency = (currency or "").strip().upper()
    if currency not in dict(CURRENCIES):
        raise ValidationFailed(f"Unsupported currency {currency!r}.", fields={"currency": "Choose from the list."})
    if tz != org.timezone:
        _members_follow_zone(org, org.timezone, tz)
    org.name, org.timezone, org.expiring_soon_days = name, tz, days
    org.consumption_order, org.currency = consumption_order, currency
    return org


def _members_follow_zone(org, old: str, new: str) -> None:
    """Members whose zone is still the organization's old one (each starts with a copy of it) move to the new
    one; a member who picked another zone keeps it. Without this an owner's change showed nobody, the owner
    included, anything new ("times shown in UTC" after choosing New York)."""
    from ...extensions import db
    from ...models import User
    from .. import tenancy

    for member in db.session.scalars(tenancy.scoped(User, org).where(User.timezone == old)):
        member.timezone = new


def organization_summary(org, actor) -> dict:
    """The API's view of the organization: plan, billing state and seats."""
    authorize(actor, org, "organization.view")
    usage = _seat_usage(org)
    return {"id": org.id, "name": org.name, "tier": org.tier.key, "billing_status": effective_billing_status(org),
            "grace_until": org.grace_until, "user_count": usage["active"], "user_limit": org.tier.user_limit}
