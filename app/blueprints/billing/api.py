"""The Stripe webhook: POST /billing/webhooks/stripe; the Whop one: POST /billing/webhooks/whop (signature-verified, CSRF-exempt, idempotent)."""
from __future__ import annotations

from flask import jsonify, request
from marshmallow import Schema, fields

from ...extensions import csrf
from ...services import billing
from ..api_docs import ErrorSchema
from . import bp


class WebhookReceived(Schema):
    """The answer to a delivery Stripe may stop retrying: recorded (processed, ignored, stale…) or a duplicate."""

    received = fields.Boolean()
    event_id = fields.String()
    status = fields.String()


@bp.route("/billing/webhooks/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    """Receive a Stripe event: 400 on a bad signature (no effect), 200 once recorded, 500 so Stripe retries."""
    result = billing.receive_webhook(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    return jsonify(WebhookReceived().dump({"received": True, **result})), 200


@bp.route("/billing/webhooks/whop", methods=["POST"])
@csrf.exempt
def whop_webhook():
    """Receive a Whop event (Standard Webhooks): 400 on a bad signature or stale timestamp (no effect), 200 once
    recorded or for a webhook-id seen before, 500 so Whop retries."""
    result = billing.receive_whop_webhook(request.get_data(cache=False), request.headers)
    return jsonify(WebhookReceived().dump({"received": True, **result})), 200


@bp.errorhandler(billing.WebhookRejected)
@bp.errorhandler(billing.WebhookFailed)
def _webhook_refused(error):
    """{"error": {"code", "message"}} with 400 (bad delivery, nothing recorded) or 500 (recorded as failed)."""
    return jsonify(ErrorSchema().dump({"error": error})), error.status
