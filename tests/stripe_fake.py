"""A tiny local Stripe API (http.server on 127.0.0.1, random port) and Stripe-style webhook signing.

Tests never reach the internet: the app's STRIPE_API_BASE points here. Only the endpoints the app
uses are answered: GET /v1/prices (lookup_keys), POST /v1/customers, POST /v1/checkout/sessions,
POST /v1/billing_portal/sessions. Every request is recorded with its decoded form body.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

DEFAULT_PRICES = {
    "batchtrack_solo_monthly": "price_solo_test",
    "batchtrack_team_monthly": "price_team_test",
    "batchtrack_enterprise_monthly": "price_enterprise_test",
}


def unflatten(pairs: list[tuple[str, str]]) -> dict:
    """Stripe form encoding (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


class FakeStripe:
    def __init__(self, prices: dict[str, str] | None = None):
        self.prices = dict(DEFAULT_PRICES if prices is None else prices)
        self.requests: list[dict] = []
        self._ids = itertools.count(1)
        self.fail_next: int | None = None  # set to an HTTP status to make the next request fail
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _answer(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_fake_{next(fake._ids)}")
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                pairs = parse_qsl(raw if method == "POST" else parts.query, keep_blank_values=True)
                record = {"method": method, "path": parts.path, "params": unflatten(pairs),
                          "auth": self.headers.get("Authorization", "")}
                fake.requests.append(record)
                if fake.fail_next:
                    status, fake.fail_next = fake.fail_next, None
                    return self._answer(status, {"error": {"type": "api_error", "message": "Fake failure."}})
                status, body = fake.route(method, parts.path, record["params"])
                self._answer(status, body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeStripe":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        n = next(self._ids)
        if method == "GET" and path == "/v1/prices":
            keys = params.get("lookup_keys") or []
            keys = keys if isinstance(keys, list) else [keys]
            data = [{"id": self.prices[k], "object": "price", "lookup_key": k, "active": True, "currency": "usd",
                     "unit_amount": 1900, "recurring": {"interval": "month"}} for k in keys if k in self.prices]
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/prices"}
        if method == "POST" and path == "/v1/customers":
            return 200, {"id": f"cus_fake_{n}", "object": "customer", "email": params.get("email"),
                         "name": params.get("name"), "metadata": params.get("metadata") or {}}
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, {"id": f"cs_test_{n}", "object": "checkout.session", "mode": params.get("mode"),
                         "url": f"https://checkout.stripe.test/c/pay/cs_test_{n}",
                         "client_reference_id": params.get("client_reference_id"),
                         "customer": params.get("customer"), "metadata": params.get("metadata") or {}}
        if method == "POST" and path == "/v1/billing_portal/sessions":
            return 200, {"id": f"bps_test_{n}", "object": "billing_portal.session", "customer": params.get("customer"),
                         "url": f"https://billing.stripe.test/p/session/bps_test_{n}",
                         "return_url": params.get("return_url")}
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})."}}

    def last(self, path: str) -> dict:
        matches = [r for r in self.requests if r["path"] == path]
        assert matches, f"no request to {path}; saw {[r['path'] for r in self.requests]}"
        return matches[-1]


@pytest.fixture()
def stripe_fake(app):
    """A running fake Stripe API; the app's STRIPE_API_BASE points at it for the test."""
    fake = FakeStripe().start()
    previous = app.config.get("STRIPE_API_BASE")
    app.config["STRIPE_API_BASE"] = fake.url
    yield fake
    app.config["STRIPE_API_BASE"] = previous
    fake.stop()


# ---- webhooks ------------------------------------------------------------------------------------

TEST_WEBHOOK_SECRET = "whsec_test_secret"
_event_ids = itertools.count(1)


def sign(payload: str, secret: str = TEST_WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header exactly as Stripe builds it: t=<ts>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def make_event(event_type: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_test_{next(_event_ids)}", "object": "event", "type": event_type,
            "created": int(time.time()) if created is None else created, "livemode": False,
            "api_version": "2025-01-27.acacia", "data": {"object": obj}}


def subscription(org_id: int | None, *, status: str = "active", tier: str | None = "team",
                 sub_id: str = "sub_test_1", customer: str = "cus_test_1", lookup_key: str | None = None,
                 period_end: int | None = None) -> dict:
    metadata = {}
    if org_id is not None:
        metadata["organization_id"] = str(org_id)
    if tier is not None:
        metadata["tier"] = tier
    item = {"id": "si_test_1", "object": "subscription_item",
            "price": {"id": "price_x", "object": "price", "lookup_key": lookup_key},
            "current_period_end": period_end or int(time.time()) + 30 * 86400}
    return {"id": sub_id, "object": "subscription", "status": status, "customer": customer,
            "metadata": metadata, "items": {"object": "list", "data": [item]}}


def invoice(*, customer: str = "cus_test_1", sub_id: str = "sub_test_1", org_id: int | None = None,
            new_style: bool = True) -> dict:
    obj = {"id": "in_test_1", "object": "invoice", "customer": customer}
    metadata = {"organization_id": str(org_id)} if org_id is not None else {}
    if new_style:
        obj["parent"] = {"type": "subscription_details",
                         "subscription_details": {"subscription": sub_id, "metadata": metadata}}
    else:
        obj["subscription"] = sub_id
    return obj


def post_event(client, event: dict, *, secret: str = TEST_WEBHOOK_SECRET, signature: str | None = None):
    payload = json.dumps(event)
    header = signature if signature is not None else sign(payload, secret)
    return client.post("/billing/webhooks/stripe", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": header} if header else {})
