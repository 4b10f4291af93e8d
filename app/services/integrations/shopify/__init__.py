"""Shopify: a connected shop's order webhooks become lot-aware sales, returns and cancellations.

A shop is connected by its domain and webhook secret; its webhooks are posted to an unguessable URL and verified
by Shopify's HMAC (base64 HMAC-SHA256 of the raw body keyed by the secret). Each delivery is recorded (the audit
trail); a webhook id already processed is never applied again, and an order id is turned into sales once only.

- `orders/create`: every line item with a SKU matching an item's `sku` (else a product SKU's code) becomes a sale
  through the sales service (FIFO COGS); an unknown SKU or too little stock becomes an open problem instead, and
  the other lines still sell. Problems are retried or dismissed by the maker.
- `refunds/create`: refunded lines go back to the exact lots of their sale (sales.return_sale), capped at what is
  still unreturned; `no_restock` lines move no stock.
- `orders/cancelled`: everything still unreturned from the order's sales is returned; open problems close.

The webhook acts as the person who connected the shop (else the organization's owner), so sales carry a user
and the usual permission and read-only checks hold.

The package: `connections` (connect, switch, disconnect, lookups), `webhooks` (HMAC verification, dedupe, audit
trail, topic dispatch), `orders` (orders → sales, problems, refunds and cancellations), `_common` (shared helpers).
Callers use `from app.services.integrations import shopify` and the names re-exported here.
"""
from __future__ import annotations

from ._common import (
    AUDIT_PAGE,
    CHANNEL,
    DOMAIN_RE,
    MAX_QUANTITY,
    PROVIDER,
    TOPICS,
    WebhookFailed,
    WebhookMalformed,
    WebhookRejected,
)
from .connections import (
    Connected,
    connect_shop,
    disconnect_shop,
    get_connection,
    list_connections,
    list_webhooks,
    normalize_domain,
    set_shop_enabled,
)
from .orders import dismiss_problem, list_problems, map_problem_sku, match_sku, retry_problem
from .webhooks import receive_webhook, signature_for

__all__ = [
    "AUDIT_PAGE", "CHANNEL", "DOMAIN_RE", "MAX_QUANTITY", "PROVIDER", "TOPICS",
    "Connected", "WebhookFailed", "WebhookMalformed", "WebhookRejected",
    "connect_shop", "disconnect_shop", "dismiss_problem", "get_connection", "list_connections", "list_problems",
    "list_webhooks", "map_problem_sku", "match_sku", "normalize_domain", "receive_webhook", "retry_problem",
    "set_shop_enabled", "signature_for",
]
