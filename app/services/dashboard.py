"""Dashboard numbers of the organization itself (plan, active members); the page composes the domains' parts
(app/blueprints/main/dashboard.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import User
from .errors import NotFound


def summarize(org, actor) -> dict:
    """The plan and the number of active members of `org` (its members, or a developer viewing it)."""
    if actor.organization_id != org.id and not actor.is_developer:
        raise NotFound("Not found.")
    members = db.session.scalar(
        select(func.count(User.id)).where(User.organization_id == org.id, User.active.is_(True))
    )
    return {"members": members, "tier": org.tier}
