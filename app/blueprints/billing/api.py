"""The Stripe webhook: POST /billing/webhooks/stripe (signature-verified, CSRF-exempt, idempotent)."""
from __future__ import annotations

from flask import jsonify, request

from ...extensions import csrf
from ...services import billing
from .routes import bp


@bp.route("/billing/webhooks/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    """Receive a Stripe event: 400 on a bad signature (no effect), 200 once recorded, 500 so Stripe retries."""
    try:
        result = billing.receive_webhook(request.get_data(cache=False), request.headers.get("Stripe-Signature"))
    except billing.WebhookRejected as exc:
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), 400
    except billing.WebhookFailed as exc:
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), 500
    return jsonify({"received": True, **result}), 200
