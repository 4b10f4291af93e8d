"""A local fake of a Shopify shop: signs webhook bodies with the shop's secret exactly as Shopify does
(X-Shopify-Hmac-Sha256 = base64 HMAC-SHA256 of the raw body) and posts them to the app's webhook address."""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from urllib.parse import urlparse

_ids = itertools.count(1)


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class FakeShop:
    """fake.send(topic, payload) → the test client's response; `webhook_id` repeats a delivery."""

    def __init__(self, client, webhook_url: str, secret: str, domain: str = "juniper-soap.myshopify.com"):
        self.client = client
        self.path = urlparse(webhook_url).path
        self.secret = secret
        self.domain = domain

    def send(self, topic: str, payload: dict, *, webhook_id: str | None = None, secret: str | None = None,
             signature: str | None = None, omit_signature: bool = False):
        body = json.dumps(payload).encode()
        headers = {"X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": self.domain,
                   "X-Shopify-Webhook-Id": webhook_id or f"wh-{next(_ids)}",
                   "X-Shopify-API-Version": "2024-10", "Content-Type": "application/json"}
        if not omit_signature:
            headers["X-Shopify-Hmac-Sha256"] = signature or sign(secret or self.secret, body)
        return self.client.post(self.path, data=body, headers=headers)


def order(order_id: int, name: str, lines: list[dict], created_at: str | None = "2026-11-20T10:15:00-05:00") -> dict:
    """An orders/create payload; each line {"sku", "quantity", "price", "discount"?, "id"?}."""
    items = []
    for number, line in enumerate(lines, 1):
        item = {"id": line.get("id", order_id * 100 + number), "sku": line.get("sku"), "title": line.get("title", "Soap"),
                "quantity": line["quantity"], "price": line.get("price", "10.00"), "discount_allocations": []}
        if line.get("discount"):
            item["discount_allocations"] = [{"amount": line["discount"], "discount_application_index": 0}]
        items.append(item)
    payload = {"id": order_id, "name": name, "order_number": order_id, "currency": "USD", "line_items": items}
    if created_at:
        payload["created_at"] = created_at
    return payload


def refund(order_id: int, lines: list[dict]) -> dict:
    """A refunds/create payload; each line {"line_item_id", "sku", "quantity", "restock_type"?}."""
    return {"id": next(_ids) + 900000, "order_id": order_id, "refund_line_items": [
        {"id": next(_ids) + 800000, "line_item_id": line.get("line_item_id"), "quantity": line["quantity"],
         "restock_type": line.get("restock_type", "return"),
         "line_item": {"id": line.get("line_item_id"), "sku": line.get("sku"), "quantity": line["quantity"]}}
        for line in lines]}
