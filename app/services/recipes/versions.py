"""Recipe writes: create, edit (a version a batch used is locked, so edits go into a new version), archive,
restore, clone and variations."""
from __future__ import annotations

from ...extensions import db
from ...models import Recipe, RecipeLine, RecipeVersion
from ...models.types import utcnow
from .. import tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..errors import NotFound, ValidationFailed
from .validation import (
    _build_lines,
    _check_prefix,
    _header_values,
    _text,
    _version_values,
    derive_label_prefix,
)

HEADER_FIELDS = ("name", "category", "output_item_id", "instructions", "notes", "superfat_pct", "water_pct",
                 "fragrance_load_pct", "variation_name", "labour_minutes", "labour_rate", "overhead_percent",
                 "overhead_per_batch")


VERSION_FIELDS = ("yield_quantity", "yield_unit", "portion_count", "portion_name", "percentage_mode",
                  "base_quantity", "base_unit", "lines")



@unit_of_work
def create_recipe(org, actor, **data) -> Recipe:
    """Create a recipe and its version 1 (lines validated, units convertible to each item's unit)."""
    authorize(actor, org, "recipes.edit")
    header = _header_values(org, data)
    version_values = _version_values(org, data)
    lines = _build_lines(org, data.get("lines"), percentage_mode=version_values["percentage_mode"],
                         base_quantity=version_values["base_quantity"], base_unit=version_values["base_unit"])
    prefix = data.get("label_prefix")
    prefix = _check_prefix(org, prefix) if prefix not in (None, "") else derive_label_prefix(org, header["name"])
    parent_id = data.get("parent_id")
    if parent_id not in (None, ""):
        parent = tenancy.get_for_org(Recipe, parent_id, org, label="Master recipe")
        parent_id = parent.parent_id or parent.id
    recipe = Recipe(organization_id=org.id, label_prefix=prefix, current_version=1, parent_id=parent_id or None,
                    **header)
    db.session.add(recipe)
    db.session.flush()
    version = RecipeVersion(organization_id=org.id, recipe_id=recipe.id, version=1,
                            created_by_id=getattr(actor, "id", None), change_note="Created", **version_values)
    version.lines = lines
    db.session.add(version)
    db.session.flush()
    return recipe


@unit_of_work
def update_recipe(org, actor, recipe_id, **data) -> Recipe:
    """Edit a recipe. Yield/lines changes go into a new version when the current one is locked."""
    authorize(actor, org, "recipes.edit")
    recipe = tenancy.get_for_org(Recipe, recipe_id, org)
    if recipe.archived_at is not None:
        raise ValidationFailed("Restore the recipe before editing it.")
    for name, value in _header_values(org, data, recipe).items():
        setattr(recipe, name, value)
    if "label_prefix" in data and data["label_prefix"] not in (None, ""):
        recipe.label_prefix = _check_prefix(org, data["label_prefix"], exclude_id=recipe.id)
    if any(name in data for name in VERSION_FIELDS):
        current = _version(org, recipe)
        values = _version_values(org, data, current)
        raw_lines = data["lines"] if "lines" in data else [_line_dict(line) for line in current.lines]
        lines = _build_lines(org, raw_lines, percentage_mode=values["percentage_mode"],
                             base_quantity=values["base_quantity"], base_unit=values["base_unit"])
        note = _text(data.get("change_note"), "change_note", "Change note", max_length=255)
        if current.locked_at is not None:
            recipe.current_version += 1
            version = RecipeVersion(organization_id=org.id, recipe_id=recipe.id, version=recipe.current_version,
                                    created_by_id=getattr(actor, "id", None),
                                    change_note=note or f"Edited after version {current.version} was used", **values)
            version.lines = lines
            db.session.add(version)
        else:
            for name, value in values.items():
                setattr(current, name, value)
            current.lines = lines
            if note:
                current.change_note = note
    recipe.updated_at = utcnow()
    db.session.flush()
    return recipe


def _line_dict(line: RecipeLine) -> dict:
    return {"item_id": line.item_id, "quantity": line.quantity, "unit": line.unit, "role": line.role,
            "basis": line.basis, "percent": line.percent, "is_base": line.is_base, "notes": line.notes}


@unit_of_work
def archive_recipe(org, actor, recipe_id) -> Recipe:
    """Hide a recipe from lists and new batches (its batches keep it)."""
    authorize(actor, org, "recipes.archive")
    recipe = tenancy.get_for_org(Recipe, recipe_id, org)
    recipe.archived_at = recipe.archived_at or utcnow()
    return recipe


@unit_of_work
def restore_recipe(org, actor, recipe_id) -> Recipe:
    """Bring an archived recipe back."""
    authorize(actor, org, "recipes.archive")
    recipe = tenancy.get_for_org(Recipe, recipe_id, org)
    recipe.archived_at = None
    return recipe


@unit_of_work
def clone_recipe(org, actor, recipe_id, *, name: str | None = None, as_variation: str | None = None) -> Recipe:
    """Copy a recipe's current version into a new recipe (or a variation of the master)."""
    source = tenancy.get_for_org(Recipe, recipe_id, org)
    version = _version(org, source)
    data = {column: getattr(source, column) for column in HEADER_FIELDS}
    data.update({"yield_quantity": version.yield_quantity, "yield_unit": version.yield_unit,
                 "portion_count": version.portion_count, "portion_name": version.portion_name,
                 "percentage_mode": version.percentage_mode, "base_quantity": version.base_quantity,
                 "base_unit": version.base_unit, "lines": [_line_dict(line) for line in version.lines]})
    if as_variation is not None:
        variation = _text(as_variation, "variation_name", "Variation name", required=True, max_length=80)
        data["variation_name"] = variation
        data["parent_id"] = source.parent_id or source.id
        data["name"] = name or f"{source.name} — {variation}"
    else:
        data["name"] = name or f"{source.name} (copy)"
        data["variation_name"] = None
    return create_recipe(org, actor, **data)


def _version(org, recipe: Recipe, version: int | None = None) -> RecipeVersion:
    """A version of the recipe (default: the current one), with its lines; the caller has authorized."""
    number = recipe.current_version if version is None else version
    found = tenancy.find_for_org(RecipeVersion, org, recipe_id=recipe.id, version=number)
    if found is None:
        raise NotFound(f"Version {number} of recipe {recipe.id} not found.")
    return found
