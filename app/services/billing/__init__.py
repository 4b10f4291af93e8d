"""Billing: the plan's status and grace period (status), Stripe Checkout and the portal (checkout),
Stripe webhooks (webhooks),
Whop membership webhooks (whop)."""
from __future__ import annotations

from .checkout import portal_url, start_checkout, stripe_client
from .status import billing_overview, effective_billing_status, in_grace
from .webhooks import (
    HANDLED_EVENTS,
    WebhookFailed,
    WebhookRejected,
    process_event,
    receive_webhook,
    verify_webhook,
)
from .whop import receive_whop_webhook, sign_whop, verify_whop_webhook

__all__ = [
    "HANDLED_EVENTS", "WebhookFailed", "WebhookRejected", "billing_overview", "effective_billing_status", "in_grace",
    "portal_url", "process_event", "receive_webhook", "start_checkout", "stripe_client", "verify_webhook",
    "receive_whop_webhook", "sign_whop", "verify_whop_webhook",
]
