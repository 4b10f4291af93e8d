"""Craft tool pages: soap, candle and lotion calculators (public, work without JavaScript) and saving a
calculation as a recipe after signing in (the calculation travels in a signed token across login/signup)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ...extensions import csrf, limiter
from ...services import recipes
from ...services.craft import candle, catalog, lotion, lye_check, soap
from ...services.craft.saving import save_calculation_as_recipe
from ...services.errors import DomainError, InvalidState, ValidationFailed
from ...services.features import feature_enabled
from ...tenant import current_org, find_current_org
from ..decorators import require_permission
from ..pages import error_status
from . import bp, public, tools_rate_limit
from .forms import (
    CANDLE_FIELDS,
    candle_data,
    lotion_data,
    lotion_form_from,
    lotion_rows,
    rows_error_fields,
    soap_data,
    soap_error_fields,
    soap_form_from,
    soap_rows,
)

TOKEN_SALT = "craft-calculation"
TOKEN_MAX_AGE = 7 * 24 * 3600  # a week to sign up and come back
TOOL_FLAGS = {"soap": "craft_soap", "candle": "craft_tools", "lotion": "craft_tools"}
# A fresh calculator starts with the usual values filled in (a greyed placeholder looked like a value,
# and Calculate then answered "Required" for a superfat the maker thought was already 5 %).
FRESH_DEFAULTS = {"soap": {"superfat": "5", "water_value": "38", "koh_purity": "90"},
                  "candle": {"fragrance_load": "8"}}
TOOL_ENDPOINTS = {"soap": "tools.soap_calculator", "candle": "tools.candle_calculator",
                  "lotion": "tools.lotion_calculator"}


def _require_tool(tool: str) -> None:
    if not feature_enabled(find_current_org(), TOOL_FLAGS[tool]):
        abort(404)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def calculation_token(tool: str, data: dict) -> str:
    """A signed, compressed token carrying a calculation (nothing is stored until it is saved)."""
    return _serializer().dumps({"tool": tool, "inputs": data})


def _read_token(token: str | None) -> tuple[str, dict] | None:
    if not token or len(token) > 8000:
        return None
    try:
        payload = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("tool") not in TOOL_FLAGS or not isinstance(
            payload.get("inputs"), dict):
        return None
    return payload["tool"], payload["inputs"]


def _save_links(tool: str, data: dict) -> dict:
    """Where the save button goes: straight to the save form when signed in, else via login or signup."""
    token = calculation_token(tool, data)
    resume = url_for("tools.save_calculation", calc=token)
    return {"token": token, "login": url_for("auth.login", next=resume), "signup": url_for("auth.signup", next=resume)}


@bp.route("/tools")
@public
def tools_index():
    """The craft calculators."""
    org = find_current_org()
    return render_template("tools/tools_index.html", soap_on=feature_enabled(org, "craft_soap"),
                           tools_on=feature_enabled(org, "craft_tools"))


@bp.route("/tools/soap", methods=["GET", "POST"])
@limiter.limit(tools_rate_limit, methods=["POST"])
@csrf.exempt  # calculating writes nothing; the save form is CSRF-protected
@public
def soap_calculator():
    """Lye, water and soap qualities for a blend of oils (a POSTed form re-renders with the results)."""
    _require_tool("soap")
    form = request.form if request.method == "POST" else _prefill("soap")
    rows = soap_rows(form)
    result = data = links = None
    errors: dict[str, str] = {}
    status, message = 200, None
    if request.method == "POST" and form.get("action") != "more":
        row_map: dict = {}
        try:
            data, row_map = soap_data(form, rows)
            result = soap.calculate_soap(soap.parse_soap(data, allow_dual=True))
        except ValidationFailed as exc:
            errors = soap_error_fields(exc, row_map)
            message, status = exc.message, 422  # shown on the page: no session for a visitor
        else:
            links = _save_links("soap", data)
    return render_template("tools/soap.html", form=form, rows=rows, result=result, errors=errors, links=links,
                           message=message,
                           fats=catalog.soap_fats(), additives=catalog.additive_entries(),
                           ranges=soap.QUALITY_RANGES, qualities=soap.QUALITY_NAMES,
                           fatty_acids=soap.FATTY_ACIDS), status


@bp.route("/tools/candle", methods=["GET", "POST"])
@limiter.limit(tools_rate_limit, methods=["POST"])
@csrf.exempt
@public
def candle_calculator():
    """Wax and fragrance per vessel count and fill weight at a fragrance load; wick notes as free text."""
    _require_tool("candle")
    form = request.form if request.method == "POST" else _prefill("candle")
    result = links = None
    errors: dict[str, str] = {}
    status, message = 200, None
    if request.method == "POST":
        data = candle_data(form)
        try:
            result = candle.calculate_candle(data)
        except ValidationFailed as exc:
            errors = {name: text for name, text in (exc.fields or {}).items() if name in CANDLE_FIELDS}
            message, status = exc.message, 422  # shown on the page: no session for a visitor
        else:
            links = _save_links("candle", data)
    return render_template("tools/candle.html", form=form, result=result, errors=errors, links=links,
                           message=message,
                           waxes=catalog.candle_waxes(), fragrances=catalog.fragrances()), status


@bp.route("/tools/lotion", methods=["GET", "POST"])
@limiter.limit(tools_rate_limit, methods=["POST"])
@csrf.exempt
@public
def lotion_calculator():
    """Phase percentages to grams for a batch weight (the percentages must total 100 %)."""
    _require_tool("lotion")
    form = request.form if request.method == "POST" else _prefill("lotion")
    rows = lotion_rows(form)
    result = links = None
    errors: dict[str, str] = {}
    status, message = 200, None
    if request.method == "POST" and form.get("action") != "more":
        data, row_map = lotion_data(form, rows)
        try:
            result = lotion.calculate_lotion(data)
        except ValidationFailed as exc:
            errors = rows_error_fields(exc, row_map, prefix="ingredients", names={
                "name": "ing_name", "percent": "ing_percent", "phase": "ing_phase"})
            message, status = exc.message, 422  # shown on the page: no session for a visitor
        else:
            links = _save_links("lotion", data)
    return render_template("tools/lotion.html", form=form, rows=rows, result=result, errors=errors, links=links,
                           message=message,
                           ingredients=catalog.lotion_ingredients()), status


def _prefill(tool: str):
    """GET: an empty form, or the inputs of a saved recipe (?recipe=ID, signed in) or a token (?calc=)."""
    data = None
    found = _read_token(request.args.get("calc"))
    if found and found[0] == tool:
        data = found[1]
    elif request.args.get("recipe") and current_user.is_authenticated:
        org = current_org()
        try:
            recipe = recipes.get_recipe(org, current_user, request.args.get("recipe"))
        except DomainError:
            recipe = None
        saved = (recipe.calculator_inputs or {}) if recipe is not None else {}
        if saved.get("tool") == tool and isinstance(saved.get("inputs"), dict):
            data = saved["inputs"]
            flash(f"Opened “{recipe.name}” in the calculator. Changes are not saved until you save again.", "info")
    if data is None:
        return dict(FRESH_DEFAULTS.get(tool, {}))
    if tool == "soap":
        return soap_form_from(data)
    if tool == "lotion":
        return lotion_form_from(data)
    return {key: str(value) for key, value in data.items() if isinstance(value, (str, int, float))}


@bp.route("/tools/save", methods=["GET", "POST"])
@require_permission("recipes.edit")
def save_calculation():
    """Save a calculation (carried in a signed token) as a recipe draft, then open the recipe."""
    found = _read_token(request.values.get("calc"))
    if found is None:
        flash("That calculation link has expired or is incomplete; calculate again and save.", "error")
        return redirect(url_for("tools.tools_index"))
    tool, data = found
    _require_tool(tool)
    status = 200
    if request.method == "POST":
        try:
            recipe = save_calculation_as_recipe(current_org(), current_user, tool, data,
                                                name=request.form.get("name", ""),
                                                pieces=request.form.get("pieces", ""))
        except DomainError as exc:
            flash(exc.message, "error")
            status = error_status(exc)
        else:
            flash(f"Saved “{recipe.name}” as a recipe draft with {len(recipes.get_version(current_org(), current_user, recipe).lines)} "
                  "lines. Stock the items, then start a batch.", "success")
            return redirect(url_for("recipes.recipe_detail", recipe_id=recipe.id))
    summary = _summary(tool, data)
    return render_template("tools/save.html", tool=tool, token=request.values.get("calc"), summary=summary,
                           name=request.form.get("name", ""), pieces=request.form.get("pieces", ""),
                           back=url_for(TOOL_ENDPOINTS[tool],
                                                                          calc=request.values.get("calc"))), status


def _summary(tool: str, data: dict):
    """The calculation being saved, recomputed for the confirmation page (None if it no longer computes)."""
    try:
        if tool == "soap":
            return soap.calculate_soap(soap.parse_soap(data, allow_dual=True))
        if tool == "candle":
            return candle.calculate_candle(data)
        return lotion.calculate_lotion(data)
    except DomainError:
        return None


@bp.route("/tools/recipes/<int(max=2147483647):recipe_id>/recompute-lye", methods=["POST"])
@require_permission("recipes.edit")
def recompute_recipe_lye(recipe_id: int):
    """Set a soap recipe's lye to what its oils need at its superfat (a new version if the current is locked)."""
    try:
        recipe = lye_check.recompute_recipe_lye(current_org(), current_user, recipe_id)
    except InvalidState as exc:
        flash(exc.message, "warning")
    else:
        flash(f"Recomputed the lye of {recipe.name} (version {recipe.current_version}).", "success")
    return redirect(url_for("recipes.recipe_detail", recipe_id=recipe_id))
