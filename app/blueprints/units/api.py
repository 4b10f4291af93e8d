"""Units JSON API: GET /api/v1/units (global units and the organization's own)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ...services import units
from ..api_v1 import DecimalString, PageArgs, api_actor, page_envelope, page_schema
from ..decorators import require_permission

blp = Blueprint("units_api", __name__, url_prefix="/api/v1/units", description="Units of measure")


class UnitSchema(Schema):
    """Dumps a Unit."""

    name = fields.String()
    dimension = fields.String(metadata={"enum": ["weight", "volume", "count", "length"]})
    factor = DecimalString(metadata={"description": "Base units (g, mL, each, m) per one of this unit"})
    label = fields.String()
    custom = fields.Boolean(attribute="is_custom")


UnitList = page_schema(UnitSchema)


@blp.route("", methods=["GET"])
@require_permission("inventory.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, UnitList)
def unit_list(args):
    """Every unit the organization can use, by dimension and size."""
    org, user = api_actor()
    rows = units.list_units(org, user)
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    return page_envelope(rows[start:start + per_page], page, per_page, len(rows))
