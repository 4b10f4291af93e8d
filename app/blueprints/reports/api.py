"""Control-tower JSON API (API.md, Control tower): KPIs and series, reorder, alerts, CSV exports."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ...services import control_tower
from ...services.control_tower import exports, kpis
from ..api_v1 import BoundedInteger, DecimalString, PageArgs, api_actor, page_envelope, page_schema
from ..decorators import require_permission
from ..inventory.api import UTCTime
from .schemas import ReorderFigures

blp = Blueprint("control_tower_api", __name__, url_prefix="/api/v1",
                description="Control tower: KPIs, reorder suggestions, alerts and CSV exports")


class PeriodArgs(Schema):
    days = BoundedInteger(minimum=1, maximum=kpis.MAX_DAYS, load_default=30,
                          metadata={"description": "The period in days (the pages offer 7, 30, 90 and 365)"})


class SeriesArgs(PeriodArgs):
    metric = fields.String(required=True, validate=validate.OneOf(kpis.METRICS))


class KpiSchema(Schema):
    days = fields.Integer()
    inventory_value = DecimalString()
    expiring_value = DecimalString()
    expired_value = DecimalString()
    revenue = DecimalString()
    cogs = DecimalString()
    gross_margin = DecimalString()
    gross_margin_pct = DecimalString(allow_none=True)
    usage_cost = DecimalString()
    weeks_of_supply = DecimalString(allow_none=True)
    inventory_turnover = DecimalString(allow_none=True)
    stockouts = fields.Integer()
    below_reorder = fields.Integer()


class PointSchema(Schema):
    date = fields.Date()
    value = DecimalString()


class SeriesSchema(Schema):
    metric = fields.String()
    points = fields.List(fields.Nested(PointSchema))


class ReorderLineSchema(Schema):
    item_id = fields.Integer()
    name = fields.String()
    unit = fields.String()
    available = DecimalString()
    supplier_id = fields.Integer(allow_none=True)
    supplier_name = fields.String(allow_none=True)
    reorder = fields.Nested(ReorderFigures)


class AlertSchema(Schema):
    id = fields.Integer()
    type = fields.String(metadata={"enum": ["below_reorder", "stockout", "expiring", "expired", "stuck_batch"]})
    severity = fields.String(metadata={"enum": ["info", "warning", "critical"]})
    message = fields.String()
    item_id = fields.Integer(allow_none=True)
    lot_code = fields.String(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    created_at = UTCTime(metadata={"description": "When the condition started"})
    dismissed = fields.Boolean()


ReorderPage = page_schema(ReorderLineSchema)
AlertPage = page_schema(AlertSchema)


def _page(rows: list, args: dict) -> dict:
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    return page_envelope(rows[start:start + per_page], page, per_page, len(rows))


@blp.route("/kpis", methods=["GET"])
@require_permission("reports.view")
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, KpiSchema)
def kpi_summary(args):
    """Inventory value (expiring, expired), revenue, COGS, margin, usage cost, weeks of supply, turnover,
    stock-outs and items below reorder over the last ?days= days."""
    org, user = api_actor()
    return control_tower.compute_kpis(org, user, args["days"])


@blp.route("/kpis/series", methods=["GET"])
@require_permission("reports.view")
@blp.arguments(SeriesArgs, location="query")
@blp.response(200, SeriesSchema)
def kpi_series(args):
    """One point per UTC day, oldest first, the last being today (inventory value: at the end of each day)."""
    org, user = api_actor()
    points = control_tower.series(org, user, args["metric"], args["days"])
    return {"metric": args["metric"], "points": [{"date": day, "value": value} for day, value in points]}


@blp.route("/reorder", methods=["GET"])
@require_permission("inventory.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ReorderPage)
def reorder_list(args):
    """Items at or below their reorder point, grouped by supplier then name, with suggested quantities."""
    org, user = api_actor()
    return _page([line.as_json() for line in control_tower.list_reorder(org, user, item_rows=True)], args)


@blp.route("/alerts", methods=["GET"])
@require_permission("reports.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, AlertPage)
def alert_list(args):
    """The alerts whose conditions hold now (dismissed ones hidden), most severe first."""
    org, user = api_actor()
    return _page([view.as_json() for view in control_tower.list_alerts(org, user)], args)


@blp.route("/alerts/<int:alert_id>/dismiss", methods=["POST"])
@require_permission("inventory.adjust")
@blp.response(200, AlertSchema)
@blp.alt_response(409, description="invalid_state: the alert's condition has already ended")
def alert_dismiss(alert_id: int):
    """Hide an open alert until its condition ends and starts again."""
    org, user = api_actor()
    return control_tower.alerts.alert_json(control_tower.dismiss_alert(org, user, alert_id))


def _export_view(name: str):
    def view():
        org, user = api_actor()
        return csv_response(exports.export_csv(org, user, name), name)

    view.__name__ = f"export_{name}"
    view.__doc__ = f"The {name} list as CSV (text/csv, header row); works while the organization is read-only."
    return view


def csv_response(text: str, name: str) -> Response:
    """A CSV download (text/csv, attachment, never cached)."""
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"})


for _name in exports.EXPORTS:
    blp.route(f"/exports/{_name}.csv", methods=["GET"], endpoint=f"export_{_name}")(
        blp.doc(responses={"200": {"description": f"{_name}.csv",
                                   "content": {"text/csv": {"schema": {"type": "string"}}}}})(
            require_permission("reports.export")(_export_view(_name))))
