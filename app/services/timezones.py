"""Time zone choices for forms (IANA names, common ones first), and the organization's calendar date."""
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ..models.types import utcnow

COMMON = ["UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
          "America/Toronto", "Europe/London", "Europe/Berlin", "Europe/Paris", "Australia/Sydney"]


@lru_cache(maxsize=1)
def _all() -> list[tuple[str, str]]:
    rest = sorted(z for z in available_timezones() if "/" in z and z not in COMMON and not z.startswith("Etc/"))
    return [(z, z.replace("_", " ")) for z in COMMON + rest]


def timezone_choices() -> list[tuple[str, str]]:
    """(name, label) choices for a time zone select: the common zones first, then the rest by name."""
    return _all()


def org_zone(org) -> ZoneInfo:
    """The organization's time zone (UTC when unset or unknown: a bad stored name never breaks a read)."""
    name = getattr(org, "timezone", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def org_today(org, now: datetime | None = None) -> date:
    """Today's date in the organization's time zone: the date that expiry and hold (cure) dates, which
    people enter as calendar dates, are compared with. `org` may be an Organization or its id."""
    if isinstance(org, int):
        from ..extensions import db
        from ..models import Organization

        org = db.session.get(Organization, org)
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(org_zone(org)).date()
