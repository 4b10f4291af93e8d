"""The absolute webhook address a shop is given (BASE_URL + an unguessable path)."""
from __future__ import annotations

from ...links import absolute_url


def webhook_url(connection) -> str:
    """Where the shop posts its webhooks: BASE_URL + /integrations/shopify/webhooks/<token>."""
    return absolute_url("integrations.shopify_webhook", token=connection.public_token)
