"""The integrations settings page: connect a shop with the form, copy the webhook address, pause and resume,
map an unknown SKU to an item (which sells the line), dismiss a problem, read the audit trail, disconnect."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import InventoryItem, Sale
from app.models.integrations import ShopConnection
from app.services.integrations import shopify

from ..factories import make_item, make_lot
from ..helpers import csrf_token
from ..shopify_fake import FakeShop, order

pytestmark = pytest.mark.usefixtures("reference_data")

DOMAIN = "juniper-soap.myshopify.com"


def test_connect_pause_map_dismiss_and_disconnect_from_the_page(app, client, login, owner, org):
    login(owner)
    token = csrf_token(client, "/integrations")
    page = client.get("/integrations").get_data(as_text=True)
    assert "Connect your Shopify shop" in page

    response = client.post("/integrations/shopify/connect",
                           data={"shop_domain": DOMAIN, "webhook_secret": "s3cret", "csrf_token": token})
    assert response.status_code == 302
    connection = db.session.scalars(select(ShopConnection)).one()
    page = client.get("/integrations").get_data(as_text=True)
    url = app.config["BASE_URL"].rstrip("/") + f"/integrations/shopify/webhooks/{connection.public_token}"
    assert url in page and "receiving orders" in page

    bar = make_item(org, name="Lavender bar", kind="product", unit="each")
    make_lot(org, bar, quantity="5", unit_cost="2")
    fake = FakeShop(client, url, "s3cret")
    fake.send("orders/create", order(31, "#1031", [{"sku": "LAV-1", "quantity": 2, "price": "9"},
                                                    {"sku": "GONE", "quantity": 1}]))
    page = client.get("/integrations").get_data(as_text=True)
    assert "LAV-1" in page and "unknown SKU" in page and "#1031" in page and "kept as problem" in page

    problems, _ = shopify.list_problems(org, owner, connection.id)
    lav, gone = problems
    mapped = client.post(f"/integrations/{connection.id}/problems/{lav.id}/map",
                         data={"item_id": str(bar.id), "csrf_token": token})
    assert mapped.status_code == 302
    db.session.expire_all()
    assert db.session.get(InventoryItem, bar.id).sku == "LAV-1"
    sale = db.session.scalars(select(Sale)).one()
    assert sale.quantity == Decimal("2") and sale.order_ref == "#1031" and sale.cogs == Decimal("4")

    dismissed = client.post(f"/integrations/{connection.id}/problems/{gone.id}/dismiss", data={"csrf_token": token})
    assert dismissed.status_code == 302
    assert shopify.list_problems(org, owner, connection.id) == ([], 0)
    page = client.get("/integrations").get_data(as_text=True)
    assert "dismissed by owner@juniper.test" in page

    client.post(f"/integrations/{connection.id}/switch", data={"enabled": "0", "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(ShopConnection, connection.id).enabled is False
    assert "paused" in client.get("/integrations").get_data(as_text=True)

    client.post(f"/integrations/{connection.id}/disconnect", data={"csrf_token": token})
    assert fake.send("orders/create", order(32, "#1032", [{"sku": "LAV-1", "quantity": 1}])).status_code == 404
    assert "Connect your Shopify shop" in client.get("/integrations").get_data(as_text=True)


def test_a_bad_connect_form_shows_the_error(client, login, owner):
    login(owner)
    token = csrf_token(client, "/integrations")
    response = client.post("/integrations/shopify/connect",
                           data={"shop_domain": "not a domain!", "webhook_secret": "x", "csrf_token": token})
    assert response.status_code == 422
    assert "your-shop.myshopify.com" in response.get_data(as_text=True)


def test_a_viewer_sees_the_page_without_the_controls(client, login, viewer, owner, org):
    shopify.connect_shop(org, owner, shop_domain=DOMAIN, webhook_secret="s")
    login(viewer)
    page = client.get("/integrations")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert DOMAIN in html and "Disconnect" not in html and "Connect another shop" not in html
