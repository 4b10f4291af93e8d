"""API tokens: POST /api/v1/auth/token (failed attempts throttled per email and per address)."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ...extensions import limiter
from ...services import accounts
from ...services.errors import Unauthorized

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth", description="API tokens")

TOKEN_LIMIT = "10 per minute"


class TokenRequest(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True)


class IdEmail(Schema):
    id = fields.Integer()
    email = fields.String()


class IdName(Schema):
    id = fields.Integer()
    name = fields.String()


class TokenResponse(Schema):
    token = fields.String()
    user = fields.Nested(IdEmail)
    organization = fields.Nested(IdName, allow_none=True)


def _email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return "token-email:" + (str(email).strip().lower() if email else "")


def _only_failures(response) -> bool:
    return response.status_code in (400, 401, 422)


@blp.route("/token", methods=["POST"])
@limiter.limit(TOKEN_LIMIT, deduct_when=_only_failures)
@limiter.limit(TOKEN_LIMIT, key_func=_email_key, deduct_when=_only_failures)
@blp.arguments(TokenRequest)
@blp.response(201, TokenResponse)
@blp.alt_response(401, description="Wrong email or password")
@blp.alt_response(429, description="Too many failed attempts")
def create_token(data):
    """Exchange email + password for a personal API token."""
    user = accounts.authenticate(data["email"], data["password"])
    if user.is_developer or user.organization is None:
        raise Unauthorized("Developer accounts cannot create organization API tokens.")
    _, raw = accounts.create_api_token(user, "API login")
    return {"token": raw, "user": user, "organization": user.organization}
