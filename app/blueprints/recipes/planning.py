"""Stock check of one recipe at any scale, and a production plan of several recipes with its shopping list."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Response, render_template, request
from flask_login import current_user

from ...services import recipes, units
from ...services.errors import DomainError
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, problem_text
from ..pages import unit_choices
from . import bp

PLAN_ROWS = 4
MAX_PLAN_ROWS = 30
CSV_COLUMNS = ["item", "unit", "needed", "available", "to_buy", "supplier", "lead_time_days"]


@bp.route("/recipes/<int:recipe_id>/stock-check")
@require_permission("recipes.view")
def recipe_stock_check(recipe_id: int):
    """Needed / available / shortfall per line at ?scale=, ?target_yield=&target_unit= or ?target_weight=."""
    org = current_org()
    recipe = recipes.get_recipe(org, current_user, recipe_id)
    version = recipes.get_version(org, current_user, recipe)
    args = request.args
    mode = "weight" if args.get("target_weight") else "yield" if args.get("target_yield") else "scale"
    rows, check, scale, problem, status = [], None, None, None, 200
    try:
        if mode == "weight":
            scale = recipes.scale_for_batch_weight(org, recipe, args.get("target_weight"),
                                                   args.get("weight_unit") or "g")
        elif mode == "yield":
            scale = recipes.scale_for_yield(org, recipe, args.get("target_yield"),
                                            args.get("target_unit") or version.yield_unit)
        else:
            scale = args.get("scale") or "1"
        _, scale, check = recipes.check_recipe_stock(org, current_user, recipe.id, scale)
        rows = list(zip(recipes.scaled_lines(org, version, scale), check.lines))
    except DomainError as exc:
        problem, status, check = _scale_problem(exc), 422, None
    unit_list = units.list_units(org, current_user)
    return render_template(
        "recipes/recipe_stock_check.html", recipe=recipe, version=version, rows=rows, check=check, scale=scale,
        mode=mode, problem=problem, args=args, yield_units=unit_choices(unit_list),
        weight_units=unit_choices([u for u in unit_list if u.dimension == "weight"]), button_form=EmptyForm(),
    ), status


def _scale_problem(error: DomainError) -> str:
    return problem_text(error.message, next(iter((error.fields or {}).values()), ""))


@bp.route("/recipes/plan")
@require_permission("recipes.view")
def production_plan():
    """Pick several recipes × scales; see total needs, what is available and what to buy."""
    context, status = _plan_context()
    return render_template("recipes/production_plan.html", **context), status


@bp.route("/recipes/plan.csv")
@require_permission("recipes.view")
def production_plan_csv():
    """The shopping list of a plan: only the items that are short, with supplier and lead time."""
    context, status = _plan_context()
    if status != 200 or context["plan"] is None:
        return render_template("recipes/production_plan.html", **context), status if status != 200 else 422
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for line in context["plan"]:
        if line.short > 0:
            writer.writerow([_cell(line.item.name), _cell(line.unit), _number(line.needed), _number(line.available),
                             _number(line.short), _cell(line.supplier_name),
                             "" if line.lead_time_days is None else line.lead_time_days])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="shopping-list.csv"'})


def _plan_context() -> tuple[dict, int]:
    org = current_org()
    options = recipes.recipe_options(org, current_user)
    known = {str(recipe_id) for recipe_id, _ in options}
    raw = list(zip(request.args.getlist("recipe_id"), request.args.getlist("scale")))[:MAX_PLAN_ROWS]
    rows, entries, status = [], [], 200
    for recipe_id, scale in raw:
        row = {"recipe_id": recipe_id, "scale": scale, "error": None}
        rows.append(row)
        if not recipe_id:  # a spare row (the page pre-fills scale 1): ignored, not an error
            continue
        if recipe_id not in known:
            row["error"] = "Choose one of your recipes."
            continue
        try:
            entries.append((parse_id(recipe_id), recipes.parse_scale(scale or "1")))
        except DomainError as exc:
            row["error"] = _scale_problem(exc)
    problem, plan = None, None
    if any(row["error"] for row in rows):
        status = 422
    elif raw and not entries:
        problem, status = "Choose a recipe in at least one row.", 422
    elif entries:
        try:
            plan = recipes.production_plan(org, current_user, entries)
        except DomainError as exc:
            problem, status = exc.message, 422
    rows += [{"recipe_id": "", "scale": "1", "error": None}
             for _ in range(max(1, PLAN_ROWS - len(rows)) if len(rows) < MAX_PLAN_ROWS else 0)]
    short = [line for line in plan or [] if line.short > 0]
    return {"rows": rows, "options": options, "plan": plan, "short": short, "problem": problem,
            "query": request.query_string.decode("utf-8", "replace")}, status


def _number(value: Decimal) -> str:
    return format(units.clean_decimal(value), "f")


def _cell(value) -> str:
    """Neutralize spreadsheet formulas in free text (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
