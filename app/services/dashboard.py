"""Dashboard numbers of the organization itself (plan, active members); the page composes the domains' parts
(app/blueprints/main/dashboard.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Batch, InventoryItem, InventoryLot, Recipe, User
from .errors import NotFound


def summarize(org, actor) -> dict:
    """The plan and the number of active members of `org` (its members, or a developer viewing it)."""
    if actor.organization_id != org.id and not actor.is_developer:
        raise NotFound("Not found.")
    members = db.session.scalar(
        select(func.count(User.id)).where(User.organization_id == org.id, User.active.is_(True))
    )
    return {"members": members, "tier": org.tier}


def first_steps(org, actor) -> dict | None:
    """A new workshop's progress through its first steps (an item, a restock, a recipe, a batch), or None once
    all are done: the dashboard keeps the checklist until the first batch, so saving a calculator recipe (which
    creates items with no stock) no longer hides what to do next."""
    if actor.organization_id != org.id and not actor.is_developer:
        raise NotFound("Not found.")

    def exists(model) -> bool:
        return bool(db.session.scalar(select(select(model.id).where(model.organization_id == org.id).exists())))

    steps = {"items": exists(InventoryItem), "stock": exists(InventoryLot), "recipe": exists(Recipe),
             "batch": exists(Batch)}
    return None if all(steps.values()) else steps
