"""Dashboard numbers of the organization itself (plan, active members, first steps); the page composes the
domains' parts (app/blueprints/main/dashboard.py)."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Batch, InventoryItem, InventoryLot, Recipe, User
from .errors import NotFound

# A new workshop's first steps, in order: an item, a restock, a recipe, a batch.
FIRST_STEPS = {"items": InventoryItem, "stock": InventoryLot, "recipe": Recipe, "batch": Batch}


def summarize(org, actor) -> dict:
    """The plan, the number of active members of `org` (its members, or a developer viewing it) and its progress
    through the first steps (`first_steps`: which are done, or None once all are), in one statement.

    The dashboard keeps the first-steps checklist until the first batch, so saving a calculator recipe (which
    creates items with no stock) does not hide what to do next."""
    if actor.organization_id != org.id and not actor.is_developer:
        raise NotFound("Not found.")
    members = select(func.count(User.id)).where(User.organization_id == org.id, User.active.is_(True))
    done = [select(model.id).where(model.organization_id == org.id).exists() for model in FIRST_STEPS.values()]
    row = db.session.execute(select(members.scalar_subquery(), *done)).one()
    steps = {name: bool(value) for name, value in zip(FIRST_STEPS, row[1:])}
    return {"members": row[0], "tier": org.tier, "first_steps": None if all(steps.values()) else steps}
