"""API tokens: POST /api/v1/auth/token (failed attempts throttled per email and per address: auth/throttle.py)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ...services import accounts
from ...services.errors import Unauthorized
from .throttle import token_throttle

blp = Blueprint("auth_api", __name__, url_prefix="/api/v1/auth", description="API tokens")

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


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenRequest)
@blp.response(201, TokenResponse)
@blp.alt_response(401, description="Wrong email or password")
@blp.alt_response(429, description="Too many failed attempts")
@blp.doc(security=[])  # the one operation that needs no token: it hands them out
def create_token(data):
    """Exchange email + password for a personal API token."""
    attempt = token_throttle.check(data["email"])
    try:
        user = accounts.authenticate(data["email"], data["password"])
    except Unauthorized:
        attempt.failed()
        raise
    if user.is_developer or user.organization is None:
        raise Unauthorized("Developer accounts cannot create organization API tokens.")
    _, raw = accounts.create_api_token(user, "API login")
    return {"token": raw, "user": user, "organization": user.organization}
