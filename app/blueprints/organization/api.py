"""GET/PATCH /api/v1/organization: plan, billing state and seats of the token's organization."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ...services import organizations
from ..api_v1 import api_actor
from ..decorators import require_permission
from ..inventory.api import UTCTime
from ..reports.settings_api import (
    OrganizationSettingsSchema,
    digest_field,
    patch_organization,
    settings_patch_field,
    with_settings,
)

blp = Blueprint("organization_api", __name__, url_prefix="/api/v1/organization",
                description="The token's organization, its plan and billing state")

BILLING_STATUSES = ["free", "active", "trialing", "past_due", "read_only", "canceled", "suspended"]


class OrganizationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    tier = fields.String(metadata={"description": "Tier key: free, solo, team, enterprise"})
    billing_status = fields.String(validate=validate.OneOf(BILLING_STATUSES))
    grace_until = UTCTime(allow_none=True)  # ISO 8601 UTC with Z; documented as format date-time
    user_count = fields.Integer(metadata={"description": "Active users"})
    user_limit = fields.Integer(allow_none=True, metadata={"description": "null when unlimited"})
    timezone = fields.String(metadata={"description": "IANA time zone name, e.g. Europe/Paris"})
    settings = fields.Nested(OrganizationSettingsSchema)
    digest = digest_field()


class OrganizationPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    timezone = fields.String()
    expiring_soon_days = fields.Integer(validate=validate.Range(min=1, max=365))
    consumption_order = fields.String(validate=validate.OneOf(["fifo", "fefo"]))
    currency = fields.String(validate=validate.Length(equal=3))
    settings = settings_patch_field()
    digest = digest_field(required=False)


@blp.route("", methods=["GET"])
@require_permission("organization.view")
@blp.response(200, OrganizationOut)
def get_organization():
    """The token's organization: tier, billing status (read_only once a grace period has ended), seats."""
    org, actor = api_actor()
    return with_settings(org, organizations.organization_summary(org, actor))


@blp.route("", methods=["PATCH"])
@require_permission("organization.settings")
@blp.arguments(OrganizationPatch)
@blp.response(200, OrganizationOut)
def update_organization(data):
    """Change the organization's name, time zone, settings, expiring-soon window, consumption order or currency."""
    org, actor = api_actor()
    patch_organization(org, actor, data)  # name, time zone, settings and the rest in one transaction
    return with_settings(org, organizations.organization_summary(org, actor))
