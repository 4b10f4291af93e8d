"""Schemas shared with other blueprints: the reorder figures every API Item carries (API.md, Reorder)."""
from __future__ import annotations

from marshmallow import Schema, fields

from ..api_v1 import DecimalString


class ReorderFigures(Schema):
    avg_daily_usage = DecimalString()
    lead_time_days = fields.Integer()
    safety_stock = DecimalString()
    reorder_point = DecimalString()
    source = fields.String(metadata={"enum": ["manual", "computed"]})
    below = fields.Boolean()
    suggested_quantity = DecimalString()
    weeks_of_supply = DecimalString(allow_none=True)
