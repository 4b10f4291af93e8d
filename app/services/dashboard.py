"""Dashboard summary: real numbers for the organization, gathered in a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import User
from .errors import NotFound

# Other domains register widget providers: fn(org, actor) -> dict merged into the summary; their
# "alerts" and "sections" lists are concatenated (an entry equal to one already there is skipped).
PROVIDERS: list = []
LIST_KEYS = ("alerts", "sections")


def summarize(org, actor) -> dict:
    """Counts and alerts for the dashboard of `org`."""
    if actor.organization_id != org.id and not actor.is_developer:
        raise NotFound("Not found.")
    members = db.session.scalar(
        select(func.count(User.id)).where(User.organization_id == org.id, User.active.is_(True))
    )
    summary = {"members": members, "tier": org.tier, "alerts": []}
    for provider in PROVIDERS:
        for key, value in provider(org, actor).items():
            if key in LIST_KEYS:
                merged = summary.setdefault(key, [])
                merged.extend(entry for entry in value if entry not in merged)
            else:
                summary[key] = value
    return summary
