"""Request-level wiring: login loading, error pages / JSON errors, security headers, Jinja helpers."""
from __future__ import annotations

import logging

from flask import Flask, current_app, has_request_context, jsonify, render_template, request
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
    """Is this request for the JSON API (answered with the API error shape)?"""
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    """The API.md error response: {"error": {"code", "message", "fields"?}}."""
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
    """HTTP errors as the API error shape under /api/, else as a branded error page."""
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
    """A typed service refusal that reached the edge: its status, as JSON or an error page."""
    db.session.rollback()
    if is_api_request():
        return json_error(error.status, error.code, error.message, error.fields or None)
    template = "errors/404.html" if error.status == 404 else (
        "errors/403.html" if error.status in (402, 403) else "errors/generic.html")
    return render_template(template, error=error, status=error.status, message=error.message), error.status


def handle_unexpected(error: Exception):
    """Anything unexpected: rolled back, logged, a 500 page or `internal_error` JSON."""
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
    """CSP, frame, content-type, referrer and (over HTTPS) HSTS headers on every response."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def register_web(app: Flask) -> None:
    """Wire login loading, error handlers, security headers, Jinja filters and template helpers."""
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

    from .formatting import format_money, format_quantity, format_unit_cost, localtime, per_unit

    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["qty"] = format_quantity
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["unit_cost"] = format_unit_cost
    app.jinja_env.filters["per_unit"] = per_unit

    app.before_request(resolve_request_org)  # g.org: the member's, the API token's or the viewed organization

    @app.context_processor
    def _inject_helpers():
        from .blueprints.nav import navigation, quick_links
        from .services.authz import has_permission, write_block_reason
        from .services.features import feature_enabled

        user = current_user._get_current_object() if has_request_context() else None  # once, not per call

        def can(permission: str) -> bool:
            return has_permission(user, permission)

        org = find_current_org()
        return {
            "can": can,
            "nav_items": (navigation(can, lambda name: feature_enabled(org, name))
                          if user is not None and user.is_authenticated else []),
            "quick_links": quick_links(can) if user is not None and user.is_authenticated else [],
            "current_org": org,
            "write_block_reason": write_block_reason(org) if org is not None else None,
            "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        }
