"""Request-level wiring: login loading, error pages / JSON errors, security headers, Jinja helpers."""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .extensions import db, login_manager
from .services.errors import DomainError
from .tenant import find_current_org, resolve_request_org

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    if headers:
        response.headers.extend(headers)
    return response


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 402: "read_only", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "invalid_state", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_error", 429: "rate_limited", 500: "internal_error",
}


def _flatten_messages(messages) -> dict:
    """webargs/marshmallow messages {'json': {'field': ['msg']}} → {'field': 'msg'}."""
    fields: dict[str, str] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, (list, tuple)):
            if all(isinstance(v, str) for v in value):
                fields[prefix or "_schema"] = " ".join(value)
            else:
                for index, inner in enumerate(value):
                    walk(f"{prefix}.{index}", inner)
        else:
            fields[prefix or "_schema"] = str(value)

    for location_messages in (messages or {}).values():
        walk("", location_messages)
    return fields


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    if status == 500:
        from .redis_outage import outage_response_for

        outage = outage_response_for(error)  # Redis went away while the session was being saved
        if outage is not None:
            return outage
    if is_api_request():
        data = getattr(error, "data", None) or {}
        fields = _flatten_messages(data.get("messages")) if data.get("messages") else None
        if status == 400 and "json" in str(data.get("messages") or error.description or "").lower():
            return json_error(400, "malformed_json", "The request body is not valid JSON.")
        if status == 422:
            return json_error(422, "validation_error", "The request is not valid; see fields.", fields)
        message = error.description if isinstance(error.description, str) else error.name
        headers = None
        if status == 429:
            retry = error.get_response().headers.get("Retry-After") if hasattr(error, "get_response") else None
            headers = {"Retry-After": retry or "60"}
            message = "Too many attempts; wait a minute and try again."
        if status == 404:
            message = "Not found."
        return json_error(status, _HTTP_CODES.get(status, "error"), message, fields, headers)
    if status in (403, 404, 429, 400, 405):
        template = f"errors/{status if status in (403, 404) else 'generic'}.html"
        return render_template(template, error=error, status=status), status
    return error


def handle_domain_error(error: DomainError):
    db.session.rollback()
    if is_api_request():
        return json_error(error.status, error.code, error.message, error.fields or None)
    template = "errors/404.html" if error.status == 404 else (
        "errors/403.html" if error.status in (402, 403) else "errors/generic.html")
    return render_template(template, error=error, status=error.status, message=error.message), error.status


def handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("Unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    if is_api_request():
        return json_error(500, "internal_error", "Something went wrong on our side; nothing was changed.")
    return render_template("errors/500.html"), 500


def refuse_nul_bytes():
    """NUL characters are never valid text here (PostgreSQL refuses them): answer 400 up front."""
    if is_api_request() and "\x00" in request.path:  # a path segment (a lot code) reaches the database too
        return json_error(400, "bad_request", "The address contains a NUL character, which is not allowed.")
    if request.method in ("POST", "PUT", "PATCH") or request.args:
        suspicious = any("\x00" in value for value in request.args.values())
        if not suspicious and request.method in ("POST", "PUT", "PATCH"):
            if request.mimetype == "application/json":
                raw = request.get_data(cache=True)
                suspicious = b"\\u0000" in raw or b"\x00" in raw
            elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                suspicious = any("\x00" in value for value in request.form.values())
        if suspicious:
            if is_api_request():
                return json_error(400, "bad_request", "The request contains a NUL character, which is not allowed.")
            return render_template("errors/generic.html", status=400,
                                   message="The form contained a NUL character, which is not allowed."), 400
    return None


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


# ---- Jinja helpers -------------------------------------------------------------------------------

def display_zone() -> ZoneInfo:
    """The viewer's time zone (theirs, else the organization's, else UTC), resolved once per request:
    a list page formats dozens of instants and each must not go through `current_user` again."""
    zone = g.get("_display_zone") if has_request_context() else None
    if zone is None:
        zone = _resolve_display_zone()
        if has_request_context():
            g._display_zone = zone
    return zone


def _resolve_display_zone() -> ZoneInfo:
    name = "UTC"
    user = current_user._get_current_object() if has_request_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        org = find_current_org()
        name = user.timezone or (org.timezone if org is not None else "UTC")
    try:
        return ZoneInfo(name)
    except Exception:  # an invalid stored zone never breaks a page
        return ZoneInfo("UTC")


def localtime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Render a UTC datetime in the viewer's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(display_zone()).strftime(fmt)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


# Places a person reads for a quantity in this unit (stored values stay exact): small units to 2 places,
# large ones to 3, counts whole or to 2. Units not listed (custom ones) get 3.
UNIT_PLACES = {"g": 2, "mg": 2, "oz": 2, "mL": 2, "ml": 2, "tsp": 2, "tbsp": 2, "fl oz": 2, "cup": 2,
               "drop": 1, "kg": 3, "lb": 3, "L": 3, "l": 3, "pint": 3, "quart": 3, "gallon": 3,
               "each": 2, "dozen": 2, "pair": 2, "m": 3, "cm": 2, "mm": 1, "in": 2, "ft": 3}


def format_quantity(value, places: int = 6, unit: str | None = None) -> str:
    """Decimal quantity without trailing zeros, thousands separated; with `unit`, rounded to the places
    a person reads for that unit (UNIT_PLACES) instead of `places`."""
    if value is None:
        return ""
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if unit is not None:
        places = UNIT_PLACES.get(str(unit), 3)
    value = value.quantize(Decimal(1).scaleb(-places)).normalize()
    if value == value.to_integral():
        return f"{value:,.0f}"
    text = f"{value:,f}"
    return text


def format_money(value, currency: str | None = None) -> str:
    """Money rounded to cents for display (JSON keeps full precision)."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal("0.01"))
    symbol = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£"}.get(currency or _org_currency(), "")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}" + ("" if symbol else f" {currency or _org_currency()}")


def format_unit_cost(value) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    places = Decimal("0.01") if abs(value) >= 1 else Decimal("0.0001")
    symbol = {"USD": "$", "CAD": "$", "AUD": "$", "EUR": "€", "GBP": "£"}.get(_org_currency(), "")
    return f"{symbol}{value.quantize(places):,}"


def _org_currency() -> str:
    """The organization's currency, looked up once per request (the money filter runs once per row)."""
    currency = g.get("_org_currency") if has_request_context() else None
    if currency is None:
        currency = getattr(find_current_org(), "currency", None) or "USD"
        if has_request_context():
            g._org_currency = currency
    return currency


def register_web(app: Flask) -> None:
    from .no_store import mark_private_responses
    from .services import accounts
    from .session_renewal import renew_sessions_only_when_needed

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(accounts.load_session_user)
    renew_sessions_only_when_needed(app)  # a plain page view writes no session (before redis_outage wraps it)

    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
    app.before_request(refuse_nul_bytes)
    app.after_request(set_security_headers)
    app.after_request(mark_private_responses)  # Cache-Control: no-store for signed-in users and tokens

    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["qty"] = format_quantity
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["unit_cost"] = format_unit_cost

    app.before_request(resolve_request_org)  # g.org: the member's, the API token's or the viewed organization

    @app.context_processor
    def _inject_helpers():
        from .blueprints.nav import navigation, quick_links
        from .services.authz import has_permission, write_block_reason

        user = current_user._get_current_object() if has_request_context() else None  # once, not per call

        def can(permission: str) -> bool:
            return has_permission(user, permission)

        org = find_current_org()
        return {
            "can": can,
            "nav_items": navigation(can) if user is not None and user.is_authenticated else [],
            "quick_links": quick_links(can) if user is not None and user.is_authenticated else [],
            "current_org": org,
            "write_block_reason": write_block_reason(org) if org is not None else None,
            "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        }
