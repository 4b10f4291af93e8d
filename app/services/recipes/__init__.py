"""Recipes: versions (create/edit/clone/archive/variations; a version a batch used is locked), scaling,
stock check, cost preview and production plans, and the recipe reads pages and the API use.

This module is the domain's API: the public verbs of its modules, re-exported."""
# locks registers the locked-version guard on every session flush.
from . import locks  # noqa: F401
from .queries import (
    current_versions,
    get_recipe,
    get_version,
    item_options,
    item_unit_names,
    items_by_id,
    list_recipes,
    list_versions,
    recipe_options,
    recipes_by_id,
    variations_of,
)
from .scaling import (
    START_ROLES,
    CostLine,
    CostPreview,
    PlanLine,
    ScaledLine,
    check_recipe_stock,
    cost_preview,
    production_plan,
    scale_for_batch_weight,
    scale_for_yield,
    scaled_lines,
    weight_in_grams,
)
from .validation import MAX_LINES, MAX_SCALE, derive_label_prefix, parse_scale
from .versions import (
    HEADER_FIELDS,
    VERSION_FIELDS,
    archive_recipe,
    clone_recipe,
    create_recipe,
    restore_recipe,
    update_recipe,
)

__all__ = [
    "HEADER_FIELDS", "MAX_LINES", "MAX_SCALE", "START_ROLES", "VERSION_FIELDS", "CostLine", "CostPreview", "PlanLine",
    "ScaledLine", "archive_recipe", "check_recipe_stock", "clone_recipe", "cost_preview", "create_recipe",
    "current_versions", "derive_label_prefix", "get_recipe", "get_version", "item_options", "item_unit_names",
    "items_by_id", "list_recipes", "list_versions", "parse_scale", "production_plan", "recipe_options",
    "recipes_by_id", "restore_recipe", "scale_for_batch_weight", "scale_for_yield", "scaled_lines",
    "update_recipe", "variations_of", "weight_in_grams",
]
