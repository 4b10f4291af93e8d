"""Recipe pages: the list, one recipe (versions, cost preview), clone / variation, archive / restore.

The editor (new / edit) is in editor.py, stock check and production plan in planning.py.
"""
from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.recipes import RECIPE_CATEGORIES
from ...services import recipes
from ...services.craft import lye_check as craft_lye
from ...services.errors import DomainError, NotFound
from ...services.features import feature_enabled
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from ..pages import page_arg
from . import bp
from .forms import CATEGORY_CHOICES, CloneForm, VariationForm

PER_PAGE = 50


@bp.route("/recipes")
@require_permission("recipes.view")
def recipe_list():
    """Recipes by name with search, category filter and archived toggle; variations under their master."""
    org = current_org()
    q = (request.args.get("q") or "").strip()[:120]
    category = request.args.get("category") if request.args.get("category") in RECIPE_CATEGORIES else ""
    archived = request.args.get("archived") == "1"
    page = recipes.list_recipes(org, current_user, q=q or None, category=category or None,
                                include_archived=archived, page=page_arg(), per_page=PER_PAGE)
    versions = recipes.current_versions(org, current_user, page.items)
    on_page = {r.id for r in page.items}
    # A variation whose master is on this page is shown under it; others stand alone with the master's name.
    children = {}
    for recipe in page.items:
        if recipe.parent_id in on_page:
            children.setdefault(recipe.parent_id, []).append(recipe)
    rows = [r for r in page.items if r.parent_id not in on_page]
    masters = recipes.recipes_by_id(org, current_user, {r.parent_id for r in rows if r.parent_id})
    outputs = recipes.items_by_id(org, current_user, {r.output_item_id for r in page.items if r.output_item_id})
    args = {key: value for key, value in (("q", q), ("category", category), ("archived", "1" if archived else ""))
            if value}
    return render_template("recipes/recipe_list.html", page=page, rows=rows, children=children, masters=masters,
                           versions=versions, outputs=outputs, q=q, category=category, archived=archived,
                           categories=CATEGORY_CHOICES, args=args, filtered=bool(q or category))


@bp.route("/recipes/<int:recipe_id>")
@require_permission("recipes.view")
def recipe_detail(recipe_id: int):
    """One recipe: facts, the lines of the current (or ?version=N) version, cost preview, history."""
    return _render_detail(recipe_id)


def _render_detail(recipe_id: int, *, clone_form=None, variation_form=None, status: int = 200):
    org = current_org()
    recipe = recipes.get_recipe(org, current_user, recipe_id)
    versions = recipes.list_versions(org, current_user, recipe)
    wanted = request.args.get("version", type=int) or recipe.current_version
    version = next((v for v in versions if v.version == wanted), None)
    if version is None:
        raise NotFound(f"Version {wanted} of {recipe.name} not found.")
    items = recipes.items_by_id(org, current_user, [line.item_id for line in version.lines] + [recipe.output_item_id])
    parent = recipes.recipes_by_id(org, current_user, [recipe.parent_id]).get(recipe.parent_id) if recipe.parent_id \
        else None
    variations = recipes.variations_of(org, current_user, [recipe.id])[recipe.id] if not recipe.parent_id else []
    preview = preview_error = None
    if version.version == recipe.current_version:
        try:
            preview = recipes.cost_preview(org, current_user, recipe.id, version=version)
        except DomainError as exc:
            preview_error = exc.message
    return render_template(
        "recipes/recipe_detail.html", recipe=recipe, version=version, versions=versions, items=items,
        shares=_weight_shares(org, version, items), parent=parent, variations=variations, preview=preview,
        preview_error=preview_error, clone_form=clone_form or CloneForm(formdata=None),
        variation_form=variation_form or VariationForm(formdata=None), button_form=EmptyForm(),
        variations_enabled=feature_enabled(org, "recipe_variations"),
        lye_check=craft_lye.check_recipe_lye(org, recipe, version) if version.version == recipe.current_version
        else None,
    ), status


def _weight_shares(org, version, items) -> dict[int, Decimal]:
    """Each weighed per-batch ingredient line's share (%) of the batch's ingredient weight."""
    grams = {}
    for line in version.lines:
        if line.role == "ingredient" and line.basis == "batch" and line.item_id in items:
            weight = recipes.weight_in_grams(org, items[line.item_id], line.quantity, line.unit)
            if weight is not None:
                grams[line.id] = weight
    total = sum(grams.values(), Decimal(0))
    return {line_id: weight * 100 / total for line_id, weight in grams.items()} if total else {}


@bp.route("/recipes/<int:recipe_id>/clone", methods=["POST"])
@require_permission("recipes.edit")
def recipe_clone(recipe_id: int):
    """Copy the recipe's current version into a new recipe."""
    form = CloneForm()
    result = submit(form, lambda: recipes.clone_recipe(current_org(), current_user, recipe_id,
                                                       name=(form.name.data or "").strip() or None))
    if isinstance(result.error, NotFound):
        raise result.error
    if result.ok:
        flash(f"Copied into {result.value.name}. Edit it to make it your own.", "success")
        return redirect(url_for("recipes.recipe_detail", recipe_id=result.value.id))
    return _render_detail(recipe_id, clone_form=form, status=result.status)


@bp.route("/recipes/<int:recipe_id>/variation", methods=["POST"])
@require_permission("recipes.edit")
def recipe_variation(recipe_id: int):
    """Create a variation of the master recipe (a copy linked to it, e.g. another scent)."""
    org = current_org()
    form = VariationForm()
    if not feature_enabled(org, "recipe_variations"):
        flash("Recipe variations are not part of your plan.", "warning")
        return redirect(url_for("recipes.recipe_detail", recipe_id=recipe_id))
    result = submit(form, lambda: recipes.clone_recipe(org, current_user, recipe_id,
                                                       as_variation=form.variation_name.data))
    if isinstance(result.error, NotFound):
        raise result.error
    if result.ok:
        flash(f"Created the variation {result.value.name}.", "success")
        return redirect(url_for("recipes.recipe_detail", recipe_id=result.value.id))
    return _render_detail(recipe_id, variation_form=form, status=result.status)


@bp.route("/recipes/<int:recipe_id>/archive", methods=["POST"])
@require_permission("recipes.archive")
def recipe_archive(recipe_id: int):
    """Archive a recipe: hidden from lists and new batches; its batches keep it."""
    submit_action(lambda: recipes.archive_recipe(current_org(), current_user, recipe_id),
                  lambda recipe: f"{recipe.name} archived. Find it again with “Show archived”.")
    return redirect(url_for("recipes.recipe_detail", recipe_id=recipe_id))


@bp.route("/recipes/<int:recipe_id>/restore", methods=["POST"])
@require_permission("recipes.archive")
def recipe_restore(recipe_id: int):
    """Bring an archived recipe back."""
    submit_action(lambda: recipes.restore_recipe(current_org(), current_user, recipe_id),
                  lambda recipe: f"{recipe.name} restored.")
    return redirect(url_for("recipes.recipe_detail", recipe_id=recipe_id))
