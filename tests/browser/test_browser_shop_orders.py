"""In a real browser: the owner connects a Shopify shop on the integrations page and copies the webhook address; a
fake shop posts a signed orders/create webhook to the live server; the order appears on the sales page as a sale
whose cost of goods comes from the oldest lots first (FIFO)."""
from __future__ import annotations

import json
import re
import urllib.request
from urllib.parse import urlparse

import pytest

from app.extensions import db
from tests.factories import make_item, make_lot
from tests.shopify_fake import order, sign

from .conftest import screenshot, sideways_scroll, sign_in

pytestmark = pytest.mark.browser

SECRET = "shpss_browser_secret"


def _post_webhook(live_server: str, webhook_url: str, topic: str, payload: dict) -> int:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(live_server + urlparse(webhook_url).path, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": "wh-browser-1",
        "X-Shopify-Shop-Domain": "juniper-soap.myshopify.com", "X-Shopify-Hmac-Sha256": sign(SECRET, body)})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback test server)
        return response.status


def test_a_shop_order_becomes_a_sale_with_fifo_cogs(live_server, page, org, owner):
    item = make_item(org, name="Lavender bar", kind="product", unit="each", sku="LAV-BAR")
    make_lot(org, item, quantity="2", unit_cost="1.50", code="LAV-OLD")
    make_lot(org, item, quantity="10", unit_cost="2.25", code="LAV-NEW")
    email = owner.email
    db.session.remove()  # the server thread shares the in-memory database: leave no transaction open here
    sign_in(page, live_server, email)

    page.goto(f"{live_server}/integrations")
    page.fill("#shop_domain", "juniper-soap.myshopify.com")
    page.fill("#webhook_secret", SECRET)
    page.click("[data-testid=connect-shop]")
    page.wait_for_url("**/integrations")
    assert "connected" in page.inner_text(".flashes")
    webhook_url = page.input_value("[data-testid=webhook-url]")
    assert re.match(r"^https?://[^/]+/integrations/shopify/webhooks/[A-Za-z0-9_-]{32,}$", webhook_url)

    status = _post_webhook(live_server, webhook_url, "orders/create",
                           order(5001, "#5001", [{"sku": "LAV-BAR", "quantity": 3, "price": "9.00"}]))
    assert status == 200

    page.goto(f"{live_server}/sales")
    row = page.locator("tr", has_text="#5001")
    assert row.count() == 1
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/sales/\d+$"))
    main = page.inner_text("main")
    assert "Order #5001" in main
    lots = page.inner_text("[data-testid=sale-lots]")
    assert "LAV-OLD" in lots and "LAV-NEW" in lots
    assert page.inner_text("[data-testid=sale-cogs]").strip() == "$5.25"  # 2 × 1.50 + 1 × 2.25
    screenshot(page, "shop-order-sale")

    page.goto(f"{live_server}/integrations")
    assert "1 line sold" in page.inner_text("[data-testid=webhook-log]")


def test_the_recipe_assistant_on_a_phone_drafts_and_saves_after_confirming(app, live_server, browser, org, owner,
                                                                          monkeypatch):
    from tests.model_server_fake import FakeModelServer

    server = FakeModelServer().start()
    monkeypatch.setitem(app.config, "AI_BASE_URL", server.base_url)
    monkeypatch.setitem(app.config, "AI_TIMEOUT", 2)
    monkeypatch.setitem(app.extensions["batchtrack_flags"], "ai_assistant", True)
    make_item(org, name="Olive Oil", unit="g")
    make_item(org, name="Sodium Hydroxide", unit="g")
    email = owner.email
    db.session.remove()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, email)
        page.goto(f"{live_server}/assistant")
        page.fill("#prompt", "A lavender castile soap, 10 bars")
        page.click("[data-testid=assistant-ask]")
        page.wait_for_selector("[data-testid=assistant-draft]")
        lines = page.inner_text("[data-testid=draft-lines]")
        assert "Dragon tears" in lines and "not in your inventory" in lines
        assert "1 of 100" in page.inner_text("[data-testid=assistant-usage]")
        assert not sideways_scroll(page, "assistant draft")  # tables scroll inside their own box
        page.uncheck("input[name=line-2-include]")  # leave out the ingredient the maker does not stock
        screenshot(page, "assistant-draft-phone")
        page.click("[data-testid=assistant-save]")
        page.wait_for_url(re.compile(r".*/recipes/\d+$"))
        assert "Lavender Castile" in page.inner_text("main")
    finally:
        context.close()
        server.stop()
