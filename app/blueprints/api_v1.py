"""JSON API base: flask-smorest wiring, Bearer-token auth, shared schema fields and pagination."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Flask, g, request
from flask_smorest import Api
from marshmallow import Schema, ValidationError, fields, post_load, validate

from ..extensions import db
from ..services import accounts
from ..services.authz import has_permission
from ..tenant import current_org, resolve_request_org
from ..web import json_error
from .api_docs import ErrorResponsesPlugin, ErrorSchema

API_PREFIX = "/api/v1"
# Endpoints that need no token.
PUBLIC_API_ENDPOINTS = {"auth_api.create_token", "api-docs.openapi_json",
                        # the global library and the craft calculators (API.md: no token needed)
                        "library_api.library_entries", "tools_api.soap_tool", "tools_api.candle_tool",
                        "tools_api.lotion_tool"}
MAX_PER_PAGE = 200
MAX_ABS = Decimal("1e12")


class BatchTrackApi(Api):
    """flask-smorest Api whose errors use the API.md error shape (handled app-wide in app.web)."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # each operation lists its own error answers (api_docs)

    def _register_error_handlers(self):
        return None


def init_api(app: Flask) -> BatchTrackApi:
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config["OPENAPI_URL_PREFIX"] = API_PREFIX
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    error_docs = ErrorResponsesPlugin(public_endpoints=PUBLIC_API_ENDPOINTS)
    api = BatchTrackApi(app, spec_kwargs={
        "info": {"description": "BatchTrack public JSON API. Quantities and money are decimal strings. "
                               "Every error is {\"error\": {\"code\", \"message\", \"fields\"?}}."},
        "extra_plugins": [error_docs],
    })
    error_docs.register_components()
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    app.before_request(_authenticate_api_request)
    app.extensions["batchtrack_api"] = api
    return api


def _authenticate_api_request():
    if not request.path.startswith(API_PREFIX + "/"):
        return None
    if request.endpoint in PUBLIC_API_ENDPOINTS or request.endpoint is None:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    user = accounts.user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return json_error(401, "unauthorized", "Missing or invalid API token.")
    if user.is_developer or user.organization is None:
        return json_error(403, "forbidden", "Developer accounts have no organization API.")
    if not has_permission(user, "api.use"):
        return json_error(403, "forbidden", "Your role does not allow API access (api.use).")
    g.api_user = user
    resolve_request_org()  # app.tenant: an API request acts on the token user's organization
    return None


def api_actor():
    """(organization, user) of the authenticated API request."""
    return current_org(), g.api_user


# ---- shared schema pieces ------------------------------------------------------------------------

def decimal_text(value) -> str | None:
    """Decimal → plain string without exponent or trailing zeros ("12.5", "0.0112", "100")."""
    if value is None:
        return None
    value = Decimal(value)
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


class DecimalString(fields.Field):
    """A decimal carried as a JSON string; accepts strings or numbers on input."""

    default_error_messages = {"invalid": "Must be a decimal number.", "too_large": "Is too large."}

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"type": "string", "format": "decimal", "example": "12.5"})
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return decimal_text(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise self.make_error("invalid") from None
        if not number.is_finite():
            raise self.make_error("invalid")
        if abs(number) >= MAX_ABS:
            raise self.make_error("too_large")
        return number


MAX_INTEGER = 2**31 - 1  # what the database holds (32-bit on PostgreSQL); larger numbers name nothing


class BoundedInteger(fields.Integer):
    """A whole number that fits the database: out of range is a field message (422), never an overflow.

    Every integer the API reads (query arguments and JSON bodies) uses it or `Id`; the bounds appear in
    the OpenAPI document as minimum/maximum.
    """

    def __init__(self, *, minimum: int = -MAX_INTEGER, maximum: int = MAX_INTEGER, **kwargs):
        validators = kwargs.pop("validate", None)
        validators = [validators] if callable(validators) else list(validators or [])
        validators.insert(0, validate.Range(min=minimum, max=maximum,
                                            error=f"Must be a whole number from {minimum} to {maximum}."))
        super().__init__(validate=validators, **kwargs)


class Id(BoundedInteger):
    """A row id given as input (query argument or JSON): a positive 32-bit integer."""

    def __init__(self, **kwargs):
        super().__init__(minimum=1, **kwargs)


class QuantityInput(fields.Field):
    """A quantity passed through untouched; the unit service validates it (invalid_quantity)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update({"type": "string", "format": "decimal", "example": "250"})
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1),
                              metadata={"description": f"At most {MAX_PER_PAGE}; larger values are capped."})

    @post_load
    def _cap_per_page(self, data, **kwargs):
        """per_page has a maximum of 200: a larger request gets 200 (the envelope says so)."""
        data["per_page"] = min(data["per_page"], MAX_PER_PAGE)
        return data


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope {"items": [...], "page", "per_page", "total"} of `item_schema` (API.md, Lists)."""
    name = item_schema.__name__.removesuffix("Schema").removesuffix("Brief") + "Page"
    return Schema.from_dict({"items": fields.List(fields.Nested(item_schema)), "page": fields.Integer(),
                             "per_page": fields.Integer(), "total": fields.Integer()}, name=name)


def page_envelope(items: list, page: int, per_page: int, total: int) -> dict:
    """The API.md list envelope: items, page, per_page, total."""
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def validation_message(error: ValidationError) -> dict:
    return {key: " ".join(value) if isinstance(value, list) else str(value)
            for key, value in error.normalized_messages().items()}


__all__ = ["BoundedInteger", "DecimalString", "Id", "PageArgs", "QuantityInput", "api_actor", "decimal_text", "db",
           "page_envelope"]
