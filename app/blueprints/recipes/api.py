"""Recipes JSON API (API.md, "Recipes")."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields

from ...services import recipes
from ..api_v1 import DecimalString, PageArgs, QuantityInput, api_actor, page_envelope, page_schema
from ..decorators import require_permission

blp = Blueprint("recipes_api", __name__, url_prefix="/api/v1/recipes", description="Recipes")


class LineSchema(Schema):
    item_id = fields.Integer()
    quantity = DecimalString()
    unit = fields.String()
    role = fields.String()
    basis = fields.String()
    percent = DecimalString(allow_none=True)


class IsSet(fields.Boolean):
    """True when the attribute holds a value (archived_at, locked_at), False when it is None."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value is not None


class RecipeSchema(Schema):
    """A recipe with its current (or a given) version: dumps {"recipe": Recipe, "version": RecipeVersion}."""

    id = fields.Integer(attribute="recipe.id")
    name = fields.String(attribute="recipe.name")
    label_prefix = fields.String(attribute="recipe.label_prefix")
    version = fields.Integer(attribute="version.version")
    yield_quantity = DecimalString(attribute="version.yield_quantity")
    yield_unit = fields.String(attribute="version.yield_unit")
    output_item_id = fields.Integer(attribute="recipe.output_item_id", allow_none=True)
    category = fields.String(attribute="recipe.category")
    portion_count = fields.Integer(attribute="version.portion_count", allow_none=True)
    portion_name = fields.String(attribute="version.portion_name", allow_none=True)
    percentage_mode = fields.Boolean(attribute="version.percentage_mode")
    base_quantity = DecimalString(attribute="version.base_quantity", allow_none=True)
    base_unit = fields.String(attribute="version.base_unit", allow_none=True)
    parent_id = fields.Integer(attribute="recipe.parent_id", allow_none=True)
    archived = IsSet(attribute="recipe.archived_at")
    locked = IsSet(attribute="version.locked_at", metadata={"description": "True once a batch used this version"})
    lines = fields.List(fields.Nested(LineSchema), attribute="version.lines")
    labour_minutes = DecimalString(attribute="recipe.labour_minutes",
                                   metadata={"description": "Expected labour per batch (not scaled)"})
    labour_rate = DecimalString(attribute="recipe.labour_rate", allow_none=True,
                                metadata={"description": "Per hour; null = the organization's"})
    overhead_percent = DecimalString(attribute="recipe.overhead_percent", allow_none=True,
                                     metadata={"description": "Of materials; null = the organization's"})
    overhead_per_batch = DecimalString(attribute="recipe.overhead_per_batch", allow_none=True,
                                       metadata={"description": "null = the organization's"})


RecipeList = page_schema(RecipeSchema)


class LineInput(Schema):
    class Meta:
        unknown = EXCLUDE

    item_id = fields.Raw(required=True, metadata={"type": "integer"})
    quantity = QuantityInput(load_default=None)
    unit = fields.String(load_default=None, allow_none=True)
    role = fields.String(load_default=None, allow_none=True,
                         metadata={"enum": ["ingredient", "container", "packaging", "consumable"]})
    basis = fields.String(load_default=None, allow_none=True, metadata={"enum": ["batch", "portion"]})
    percent = fields.Raw(load_default=None, allow_none=True, metadata={"type": "string", "format": "decimal"})
    is_base = fields.Boolean(load_default=False)
    notes = fields.String(load_default="", allow_none=True)


class RecipeInput(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String()
    yield_quantity = QuantityInput()
    yield_unit = fields.String()
    output_item_id = fields.Raw(allow_none=True, metadata={"type": "integer"})
    label_prefix = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    instructions = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    portion_count = fields.Raw(allow_none=True, metadata={"type": "integer"})
    portion_name = fields.String(allow_none=True)
    percentage_mode = fields.Boolean()
    base_quantity = QuantityInput(allow_none=True)
    base_unit = fields.String(allow_none=True)
    superfat_pct = fields.Raw(allow_none=True, metadata={"type": "string", "format": "decimal"})
    water_pct = fields.Raw(allow_none=True, metadata={"type": "string", "format": "decimal"})
    fragrance_load_pct = fields.Raw(allow_none=True, metadata={"type": "string", "format": "decimal"})
    parent_id = fields.Raw(allow_none=True, metadata={"type": "integer"})
    variation_name = fields.String(allow_none=True)
    labour_minutes = fields.Raw(allow_none=True, metadata={"type": "string", "format": "decimal"})
    labour_rate = fields.Raw(allow_none=True, metadata={"type": "string", "format": "decimal",
                                                        "description": "null = the organization's"})
    overhead_percent = fields.Raw(allow_none=True, metadata={"type": "string", "format": "decimal",
                                                             "description": "null = the organization's"})
    overhead_per_batch = fields.Raw(allow_none=True, metadata={"type": "string", "format": "decimal",
                                                               "description": "null = the organization's"})
    change_note = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(LineInput))


class RecipeCreate(RecipeInput):
    name = fields.String(required=True)
    yield_quantity = QuantityInput(required=True)
    yield_unit = fields.String(required=True)
    lines = fields.List(fields.Nested(LineInput), required=True)


class StockLineSchema(Schema):
    """One line of a stock check (stock_check.StockLine)."""

    item_id = fields.Integer(attribute="item.id")
    name = fields.String(attribute="item.name")
    needed = DecimalString()
    available = DecimalString()
    shortfall = DecimalString()
    unit = fields.String()
    ok = fields.Boolean()


class StockCheckSchema(Schema):
    """A recipe's stock check at a scale: dumps {"check": StockCheck, "scale": Decimal}."""

    ok = fields.Boolean(attribute="check.ok")
    scale = DecimalString()
    lines = fields.List(fields.Nested(StockLineSchema), attribute="check.lines")


class StockCheckArgs(Schema):
    scale = fields.Raw(load_default="1", metadata={"type": "string", "format": "decimal"})


class RecipeListArgs(PageArgs):
    q = fields.String(load_default=None)
    include_archived = fields.Boolean(load_default=False)


def _shown(org, actor, recipe, version=None) -> dict:
    """What RecipeSchema dumps: the recipe and its version (default: the current one)."""
    return {"recipe": recipe, "version": version or recipes.get_version(org, actor, recipe)}


@blp.route("", methods=["POST"])
@blp.arguments(RecipeCreate)
@blp.response(201, RecipeSchema)
@require_permission("recipes.edit")
def recipe_create(data):
    """Create a recipe (version 1) with its lines."""
    org, user = api_actor()
    return _shown(org, user, recipes.create_recipe(org, user, **data))


@blp.route("", methods=["GET"])
@blp.arguments(RecipeListArgs, location="query")
@blp.response(200, RecipeList)
@require_permission("recipes.view")
def recipe_list(args):
    """Recipes by name, paginated."""
    org, user = api_actor()
    page = recipes.list_recipes(org, user, q=args["q"], include_archived=args["include_archived"],
                                page=args["page"], per_page=args["per_page"])
    versions = recipes.current_versions(org, user, page.items)
    return page_envelope([_shown(org, user, r, versions[r.id]) for r in page.items], page.page, page.per_page,
                         page.total)


@blp.route("/<int:recipe_id>", methods=["GET"])
@blp.response(200, RecipeSchema)
@require_permission("recipes.view")
def recipe_detail(recipe_id: int):
    """One recipe, current version."""
    org, user = api_actor()
    return _shown(org, user, recipes.get_recipe(org, user, recipe_id))


@blp.route("/<int:recipe_id>", methods=["PATCH", "PUT"])
@blp.arguments(RecipeInput)
@blp.response(200, RecipeSchema)
@require_permission("recipes.edit")
def recipe_update(data, recipe_id: int):
    """Edit a recipe; a version already used by a batch is kept and a new version is made."""
    org, user = api_actor()
    return _shown(org, user, recipes.update_recipe(org, user, recipe_id, **data))


@blp.route("/<int:recipe_id>/stock-check", methods=["GET"])
@blp.arguments(StockCheckArgs, location="query")
@blp.response(200, StockCheckSchema)
@require_permission("recipes.view")
def recipe_stock_check(args, recipe_id: int):
    """Can the recipe be made at ?scale= now? Needed and available per line, in each item's unit."""
    org, user = api_actor()
    _, scale, check = recipes.check_recipe_stock(org, user, recipe_id, args["scale"])
    return {"check": check, "scale": scale}
