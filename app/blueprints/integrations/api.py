"""Integrations JSON API (API.md, "Shop orders (Shopify)" and "AI recipe assistant")."""
from __future__ import annotations

from flask import make_response
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields

from ...services import sales
from ...services.integrations import assistant, shopify
from ..api_v1 import DecimalString, PageArgs, api_actor, page_envelope, page_schema
from ..decorators import require_permission
from ..inventory.api import UTCTime
from ..sales.api import SaleSchema
from .links import webhook_url

blp = Blueprint("integrations_api", __name__, url_prefix="/api/v1", description="Integrations")


# ---- Shopify -----------------------------------------------------------------------------------------

class ConnectionSchema(Schema):
    """A connected shop; `webhook_url` is where the shop sends its webhooks (absolute, unguessable)."""

    id = fields.Integer()
    provider = fields.String()
    shop_domain = fields.String()
    webhook_url = fields.Function(webhook_url, metadata={"type": "string", "format": "uri"})
    enabled = fields.Boolean()
    created_at = UTCTime()


ConnectionList = page_schema(ConnectionSchema)


class ConnectRequest(Schema):
    class Meta:
        unknown = EXCLUDE

    shop_domain = fields.String(required=True, metadata={"example": "juniper-soap.myshopify.com"})
    webhook_secret = fields.String(required=True, metadata={"description": "The shop's webhook signing secret"})


class ProblemSchema(Schema):
    """An order line that did not become a sale (unknown SKU or too little stock)."""

    id = fields.Integer()
    order_ref = fields.Function(lambda line: line.order.name)
    sku = fields.String()
    quantity = DecimalString()
    reason = fields.String(metadata={"enum": ["unknown_sku", "insufficient_stock"]})
    status = fields.String()
    created_at = UTCTime()


ProblemList = page_schema(ProblemSchema)


class WebhookLogSchema(Schema):
    """One entry of the audit trail: what a delivery (or a maker's retry / dismiss) did."""

    id = fields.Integer()
    webhook_id = fields.String()
    topic = fields.String()
    order_ref = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["processed", "duplicate", "ignored", "failed"]})
    summary = fields.String()
    created_at = UTCTime()


WebhookLogList = page_schema(WebhookLogSchema)


@blp.route("/integrations/shopify", methods=["POST"])
@require_permission("organization.settings")  # above the body's validation: without it, 403 whatever is sent
@blp.arguments(ConnectRequest)
@blp.response(201, ConnectionSchema)
@blp.alt_response(200, schema=ConnectionSchema, description="This organization's shop: its secret was replaced")
@blp.alt_response(409, description="The shop is connected to another organization")
def shopify_connect(data):
    """Connect a Shopify shop by its domain and webhook secret (owner/admin)."""
    org, user = api_actor()
    result = shopify.connect_shop(org, user, shop_domain=data["shop_domain"], webhook_secret=data["webhook_secret"])
    body = ConnectionSchema().dump(result.connection)
    return make_response(body, 201 if result.created else 200)


@blp.route("/integrations", methods=["GET"])
@blp.response(200, ConnectionList)
@require_permission("organization.view")
def integration_list():
    """The organization's connected shops."""
    org, user = api_actor()
    rows = shopify.list_connections(org, user)
    return page_envelope(rows, 1, max(len(rows), 1), len(rows))


@blp.route("/integrations/<int:integration_id>/problems", methods=["GET"])
@require_permission("organization.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ProblemList)
def problem_list(args, integration_id: int):
    """Open problems: order lines with an unknown SKU or too little stock, oldest first."""
    org, user = api_actor()
    rows, total = shopify.list_problems(org, user, integration_id, page=args["page"], per_page=args["per_page"])
    return page_envelope(rows, args["page"], args["per_page"], total)


@blp.route("/integrations/<int:integration_id>/problems/<int:problem_id>/retry", methods=["POST"])
@blp.response(201, SaleSchema)
@blp.alt_response(409, description="The problem is no longer open")
@blp.alt_response(422, description="unknown_sku or insufficient_stock: still not sellable")
@require_permission("products.sell")
def problem_retry(integration_id: int, problem_id: int):
    """Sell the line now that its SKU matches and the stock is there."""
    org, user = api_actor()
    sale = shopify.retry_problem(org, user, integration_id, problem_id)
    return sales.sale_record(org, user, sale.id)


@blp.route("/integrations/<int:integration_id>/problems/<int:problem_id>/dismiss", methods=["POST"])
@blp.response(200, ProblemSchema)
@blp.alt_response(409, description="The problem is no longer open")
@require_permission("organization.settings")
def problem_dismiss(integration_id: int, problem_id: int):
    """Close the problem without selling."""
    org, user = api_actor()
    return shopify.dismiss_problem(org, user, integration_id, problem_id)


@blp.route("/integrations/<int:integration_id>/webhooks", methods=["GET"])
@blp.response(200, WebhookLogList)
@require_permission("organization.view")
def webhook_log(integration_id: int):
    """The audit trail: the latest deliveries and what each did, newest first."""
    org, user = api_actor()
    rows = shopify.list_webhooks(org, user, integration_id)
    return page_envelope(rows, 1, shopify.AUDIT_PAGE, len(rows))


# ---- AI recipe assistant -----------------------------------------------------------------------------

class DraftRequest(Schema):
    class Meta:
        unknown = EXCLUDE

    prompt = fields.String(required=True, metadata={"example": "A lavender cold-process soap, about 10 bars"})


class DraftLineSchema(Schema):
    name = fields.String()
    item_id = fields.Integer(allow_none=True, metadata={"description": "The organization's item of that name"})
    quantity = DecimalString()
    unit = fields.String()


class DraftSchema(Schema):
    name = fields.String()
    yield_quantity = DecimalString()
    yield_unit = fields.String()
    lines = fields.List(fields.Nested(DraftLineSchema))
    notes = fields.String()


class UsageSchema(Schema):
    used = fields.Integer()
    quota = fields.Integer()


class DraftResponse(Schema):
    draft = fields.Nested(DraftSchema)
    usage = fields.Nested(UsageSchema)


class AssistantLogSchema(Schema):
    id = fields.Integer()
    prompt = fields.String()
    answer = fields.String(allow_none=True, metadata={"description": "The model's raw text"})
    status = fields.String(metadata={"enum": ["ok", "bad_answer", "unavailable"]})
    created_at = UTCTime()


AssistantLogList = page_schema(AssistantLogSchema)


@blp.route("/assistant/recipe-draft", methods=["POST"])
@require_permission("recipes.edit")  # above the body's validation: without it, 403 whatever is sent
@blp.arguments(DraftRequest)
@blp.response(200, DraftResponse)
@blp.alt_response(404, description="The assistant is switched off")
@blp.alt_response(429, description="quota_exceeded: this month's requests are used up")
@blp.alt_response(502, description="assistant_bad_answer: the model's answer is not a recipe draft")
@blp.alt_response(503, description="assistant_unavailable: no answer in time, unreachable, or an HTTP error")
def recipe_draft(data):
    """A recipe draft from the prompt and the organization's items; writes nothing but the log."""
    org, user = api_actor()
    result = assistant.draft_recipe(org, user, data["prompt"])
    return {"draft": result.draft, "usage": {"used": result.used, "quota": result.quota}}


@blp.route("/assistant/log", methods=["GET"])
@require_permission("recipes.view")
@blp.arguments(PageArgs, location="query")
@blp.response(200, AssistantLogList)
@blp.alt_response(404, description="The assistant is switched off")
def assistant_log(args):
    """Every request sent to the model for this organization, newest first."""
    org, user = api_actor()
    rows, total = assistant.list_log(org, user, page=args["page"], per_page=args["per_page"])
    return page_envelope(rows, args["page"], args["per_page"], total)
