"""Read-only helpers the recipe and batch pages need beyond the recipe/batch services: never writes.

Every query is bounded (a set of ids, a limit, or an aggregate), so a page costs a fixed number of
queries however many recipes, batches or items the organization has.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func

from ..extensions import db
from ..models import Batch, InventoryItem, Recipe
from . import tenancy, units
from .authz import authorize
from .errors import ValidationFailed

STUCK_AFTER = timedelta(days=3)


def items_by_id(org, ids) -> dict[int, InventoryItem]:
    """The organization's items with these ids (archived ones too), in one query."""
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    rows = db.session.scalars(tenancy.scoped(InventoryItem, org).where(InventoryItem.id.in_(wanted)))
    return {item.id: item for item in rows}


def item_options(org, *, kinds=None, include_ids=()) -> list[tuple[int, str, str, str]]:
    """(id, name, unit, kind) of every active item (plus `include_ids`, even if archived), for pickers."""
    stmt = tenancy.scoped(InventoryItem, org, InventoryItem.id, InventoryItem.name, InventoryItem.unit,
                          InventoryItem.kind, InventoryItem.archived_at)
    rows = db.session.execute(stmt.order_by(func.lower(InventoryItem.name), InventoryItem.id)).all()
    keep = {int(i) for i in include_ids if i}
    return [(row.id, row.name, row.unit, row.kind) for row in rows
            if row.id in keep or (row.archived_at is None and (kinds is None or row.kind in kinds))]


def recipes_by_id(org, ids) -> dict[int, Recipe]:
    """The organization's recipes with these ids, in one query."""
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    return {r.id: r for r in db.session.scalars(tenancy.scoped(Recipe, org).where(Recipe.id.in_(wanted)))}


def recipe_options(org, *, include_archived: bool = False) -> list[tuple[int, str]]:
    """(id, name) of the organization's recipes by name, for pickers (one query, columns only)."""
    stmt = tenancy.scoped(Recipe, org, Recipe.id, Recipe.name, Recipe.archived_at)
    rows = db.session.execute(stmt.order_by(func.lower(Recipe.name), Recipe.id)).all()
    return [(row.id, row.name) for row in rows if include_archived or row.archived_at is None]


def variations_of(org, recipe_ids) -> dict[int, list[Recipe]]:
    """Variations (children) of each master recipe id, by name, in one query."""
    ids = sorted({int(i) for i in recipe_ids})
    result: dict[int, list[Recipe]] = {i: [] for i in ids}
    if not ids:
        return result
    stmt = tenancy.scoped(Recipe, org).where(Recipe.parent_id.in_(ids)).order_by(func.lower(Recipe.name))
    for row in db.session.scalars(stmt):
        result[row.parent_id].append(row)
    return result


def weight_in_grams(org, item, quantity, unit) -> Decimal | None:
    """`quantity` of `unit` for `item` in grams, or None when it cannot be weighed (no density/mapping)."""
    try:
        return units.convert(org, quantity, unit, "g", item=item)
    except ValidationFailed:
        return None


def production_summary(org, actor, now: datetime, *, limit: int = 10) -> dict:
    """Batches in progress (newest first, with recipe names) and how many are stuck: three queries."""
    authorize(actor, org, "batches.view")
    in_progress = Batch.status == "in_progress"
    total, stuck = db.session.execute(
        tenancy.scoped(Batch, org, func.count(Batch.id),
                       func.count(Batch.id).filter(Batch.started_at < now - STUCK_AFTER)).where(in_progress)
    ).one()
    rows = db.session.execute(
        tenancy.scoped(Batch, org, Batch, Recipe.name).join(Recipe, Recipe.id == Batch.recipe_id)
        .where(in_progress).order_by(Batch.started_at.desc(), Batch.id.desc()).limit(limit)
    ).all()
    return {"in_progress": [(batch, name) for batch, name in rows], "in_progress_total": total or 0,
            "stuck": stuck or 0}


def item_unit_names(org) -> list[str]:
    """The organization's item custom unit names ("bar", "jug"), for recipe line unit pickers; one query."""
    from ..models import ItemUnitMapping

    stmt = tenancy.scoped(ItemUnitMapping, org, ItemUnitMapping.unit_name).distinct()
    return sorted({name for name in db.session.scalars(stmt)}, key=str.lower)
