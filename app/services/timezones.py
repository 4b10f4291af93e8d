"""Time zone choices for forms (IANA names, common ones first)."""
from functools import lru_cache
from zoneinfo import available_timezones

COMMON = ["UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
          "America/Toronto", "Europe/London", "Europe/Berlin", "Europe/Paris", "Australia/Sydney"]


@lru_cache(maxsize=1)
def _all() -> list[tuple[str, str]]:
    rest = sorted(z for z in available_timezones() if "/" in z and z not in COMMON and not z.startswith("Etc/"))
    return [(z, z.replace("_", " ")) for z in COMMON + rest]


def timezone_choices() -> list[tuple[str, str]]:
    return _all()
