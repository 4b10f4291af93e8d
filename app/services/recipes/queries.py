"""Recipe reads for pages, the API and other services: each takes (org, actor, …) and authorizes.

Every query is bounded (a set of ids, a limit, or an aggregate), so a page costs a fixed number of
queries however many recipes or items the organization has."""
from __future__ import annotations

from sqlalchemy import and_, func, or_

from ...extensions import db
from ...models import InventoryItem, ItemUnitMapping, Recipe, RecipeVersion
from .. import tenancy
from ..authz import authorize
from ..pagination import Page, paginate
from .versions import _version

VIEW = "recipes.view"


def get_recipe(org, actor, recipe_id) -> Recipe:
    """One recipe of the organization (another organization's id is NotFound)."""
    authorize(actor, org, VIEW)
    return tenancy.get_for_org(Recipe, recipe_id, org)


def get_version(org, actor, recipe: Recipe, version: int | None = None) -> RecipeVersion:
    """A version of the recipe (default: the current one), with its lines."""
    authorize(actor, org, VIEW)
    return _version(org, recipe, version)


def list_versions(org, actor, recipe: Recipe) -> list[RecipeVersion]:
    """Every version of the recipe, newest first."""
    authorize(actor, org, VIEW)
    stmt = tenancy.scoped(RecipeVersion, org).where(RecipeVersion.recipe_id == recipe.id)
    return list(db.session.scalars(stmt.order_by(RecipeVersion.version.desc())))


def list_recipes(org, actor, *, q: str | None = None, category: str | None = None, include_archived: bool = False,
                 page: int = 1, per_page: int = 50) -> Page:
    """Recipes by name, with search and category filter, paginated."""
    authorize(actor, org, VIEW)
    stmt = tenancy.scoped(Recipe, org)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Recipe.name).like(like), func.lower(Recipe.label_prefix).like(like)))
    if category:
        stmt = stmt.where(Recipe.category == category)
    if not include_archived:
        stmt = stmt.where(Recipe.archived_at.is_(None))
    return paginate(stmt.order_by(func.lower(Recipe.name), Recipe.id),
                    stmt.with_only_columns(func.count(Recipe.id)).order_by(None), page, per_page)


def current_versions(org, actor, recipes: list[Recipe]) -> dict[int, RecipeVersion]:
    """The current version of each recipe, in one query (lines load in one more)."""
    authorize(actor, org, VIEW)
    if not recipes:
        return {}
    wanted = {(r.id, r.current_version) for r in recipes}
    stmt = tenancy.scoped(RecipeVersion, org).where(RecipeVersion.recipe_id.in_([r.id for r in recipes]))
    return {v.recipe_id: v for v in db.session.scalars(stmt) if (v.recipe_id, v.version) in wanted}


def recipes_by_id(org, actor, ids, *, permission: str = VIEW) -> dict[int, Recipe]:
    """The organization's recipes with these ids, in one query (`permission`: the page asking, e.g. batches.view)."""
    authorize(actor, org, permission)
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    return {r.id: r for r in db.session.scalars(tenancy.scoped(Recipe, org).where(Recipe.id.in_(wanted)))}


def recipe_options(org, actor, *, include_archived: bool = False, permission: str = VIEW) -> list[tuple[int, str]]:
    """(id, name) of the organization's recipes by name, for pickers (one query, columns only)."""
    authorize(actor, org, permission)
    stmt = tenancy.scoped(Recipe, org, Recipe.id, Recipe.name, Recipe.archived_at)
    rows = db.session.execute(stmt.order_by(func.lower(Recipe.name), Recipe.id)).all()
    return [(row.id, row.name) for row in rows if include_archived or row.archived_at is None]


def variations_of(org, actor, recipe_ids) -> dict[int, list[Recipe]]:
    """Variations (children) of each master recipe id, by name, in one query."""
    authorize(actor, org, VIEW)
    ids = sorted({int(i) for i in recipe_ids})
    result: dict[int, list[Recipe]] = {i: [] for i in ids}
    if not ids:
        return result
    stmt = tenancy.scoped(Recipe, org).where(Recipe.parent_id.in_(ids)).order_by(func.lower(Recipe.name))
    for row in db.session.scalars(stmt):
        result[row.parent_id].append(row)
    return result


def items_by_id(org, actor, ids, *, permission: str = VIEW) -> dict[int, InventoryItem]:
    """The organization's items with these ids (archived ones too), in one query."""
    authorize(actor, org, permission)
    return tenancy.get_many_for_org(InventoryItem, ids, org)


def item_options(org, actor, *, kinds=None, include_ids=(), permission: str = VIEW) -> list[tuple[int, str, str, str]]:
    """(id, name, unit, kind) of every active item (plus `include_ids`, even if archived), for pickers."""
    authorize(actor, org, permission)
    wanted = InventoryItem.archived_at.is_(None)
    if kinds is not None:
        wanted = and_(wanted, InventoryItem.kind.in_(list(kinds)))
    keep = sorted({int(i) for i in include_ids if i})
    if keep:
        wanted = or_(wanted, InventoryItem.id.in_(keep))
    stmt = tenancy.scoped(InventoryItem, org, InventoryItem.id, InventoryItem.name, InventoryItem.unit,
                          InventoryItem.kind).where(wanted)
    return [tuple(row) for row in db.session.execute(stmt.order_by(func.lower(InventoryItem.name), InventoryItem.id))]


def item_unit_names(org, actor) -> list[str]:
    """The organization's item custom unit names ("bar", "jug"), for recipe line unit pickers; one query."""
    authorize(actor, org, VIEW)
    stmt = tenancy.scoped(ItemUnitMapping, org, ItemUnitMapping.unit_name).distinct()
    return sorted({name for name in db.session.scalars(stmt)}, key=str.lower)
