"""Shop orders (Shopify) → lot-aware sales: connecting a shop, HMAC-verified webhooks (bad signature 401 and no
effect, replays one effect), unknown SKU / short stock problems retried and dismissed, refunds and cancellations back
to the exact lots, the on/off switch, a failed delivery that succeeds on Shopify's retry, and the audit trail."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import InventoryLot, Sale
from app.models.integrations import ShopOrder, ShopWebhook

from ...factories import make_item, make_lot, make_user
from ...shopify_fake import FakeShop, order, refund, sign

pytestmark = pytest.mark.usefixtures("reference_data")

DOMAIN = "juniper-soap.myshopify.com"
SECRET = "shpss_test_secret_1"


@pytest.fixture()
def shop(api, owner):
    """The org's connected shop: (FakeShop, integration id)."""
    response = api(owner).post("/api/v1/integrations/shopify", json={"shop_domain": DOMAIN, "webhook_secret": SECRET})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return FakeShop(api(owner).client, body["webhook_url"], SECRET), body["id"]


@pytest.fixture()
def soap(org):
    """A product item with SKU LAV-BAR and two lots: 3 at 2.00 (older), 10 at 3.00."""
    item = make_item(org, name="Lavender bar", kind="product", unit="each", sku="LAV-BAR")
    older = make_lot(org, item, quantity="3", unit_cost="2", code="L-OLD")
    newer = make_lot(org, item, quantity="10", unit_cost="3", code="L-NEW")
    return item, older, newer


def _sales(org_id=None):
    stmt = select(Sale).order_by(Sale.id)
    if org_id is not None:
        stmt = stmt.where(Sale.organization_id == org_id)
    db.session.expire_all()
    return list(db.session.scalars(stmt))


def _remaining(lot) -> Decimal:
    db.session.expire_all()
    return db.session.get(InventoryLot, lot.id).remaining_quantity


# ---- connecting -------------------------------------------------------------------------------------

def test_connect_gives_an_absolute_unguessable_webhook_url(app, api, owner):
    response = api(owner).post("/api/v1/integrations/shopify",
                               json={"shop_domain": " https://Juniper-Soap.myshopify.com/ ", "webhook_secret": SECRET})
    assert response.status_code == 201
    body = response.get_json()
    assert body["provider"] == "shopify" and body["shop_domain"] == DOMAIN and isinstance(body["id"], int)
    base = app.config["BASE_URL"].rstrip("/")
    assert body["webhook_url"].startswith(base + "/integrations/shopify/webhooks/")
    token = body["webhook_url"].rsplit("/", 1)[1]
    assert len(token) >= 32 and str(body["id"]) != token


def test_connecting_the_same_shop_again_replaces_the_secret(api, owner, shop, soap):
    fake, integration_id = shop
    again = api(owner).post("/api/v1/integrations/shopify", json={"shop_domain": DOMAIN, "webhook_secret": "new-secret"})
    assert again.status_code == 200
    assert again.get_json()["id"] == integration_id
    assert fake.send("orders/create", order(1, "#1001", [{"sku": "LAV-BAR", "quantity": 1}])).status_code == 401
    fake.secret = "new-secret"
    assert fake.send("orders/create", order(1, "#1001", [{"sku": "LAV-BAR", "quantity": 1}])).status_code == 200
    assert len(_sales()) == 1


def test_another_organizations_shop_is_a_409(api, other_owner, shop):
    response = api(other_owner).post("/api/v1/integrations/shopify",
                                     json={"shop_domain": DOMAIN, "webhook_secret": "theirs"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_state"


def test_connecting_needs_owner_or_admin_and_valid_fields(api, member, owner):
    denied = api(member).post("/api/v1/integrations/shopify", json={"shop_domain": DOMAIN, "webhook_secret": "x"})
    assert denied.status_code == 403
    bad = api(owner).post("/api/v1/integrations/shopify", json={"shop_domain": "not a domain", "webhook_secret": "x"})
    assert bad.status_code == 422 and "shop_domain" in bad.get_json()["error"]["fields"]
    empty = api(owner).post("/api/v1/integrations/shopify", json={"shop_domain": DOMAIN, "webhook_secret": " "})
    assert empty.status_code == 422


# ---- signatures and replays -------------------------------------------------------------------------

def test_a_wrong_or_missing_hmac_is_401_and_changes_nothing(org, shop, soap):
    fake, _ = shop
    payload = order(11, "#1011", [{"sku": "LAV-BAR", "quantity": 2}])
    assert fake.send("orders/create", payload, secret="someone-elses").status_code == 401
    assert fake.send("orders/create", payload, omit_signature=True).status_code == 401
    assert fake.send("orders/create", payload, signature="bm90IGEgc2lnbmF0dXJl").status_code == 401
    assert _sales() == []
    assert db.session.scalar(select(func.count(ShopOrder.id))) == 0
    assert db.session.scalar(select(func.count(ShopWebhook.id))) == 0
    assert _remaining(soap[1]) == Decimal("3")


def test_an_unknown_webhook_address_is_404(client, shop):
    fake, _ = shop
    body = b"{}"
    response = client.post("/integrations/shopify/webhooks/" + "x" * 32, data=body,
                           headers={"X-Shopify-Hmac-Sha256": sign(SECRET, body), "X-Shopify-Topic": "orders/create"})
    assert response.status_code == 404


def test_a_replayed_webhook_id_has_one_effect_and_an_order_sells_once(shop, soap):
    fake, _ = shop
    payload = order(12, "#1012", [{"sku": "LAV-BAR", "quantity": 2}])
    first = fake.send("orders/create", payload, webhook_id="wh-same")
    assert first.status_code == 200 and first.get_json()["status"] == "processed"
    replay = fake.send("orders/create", payload, webhook_id="wh-same")
    assert replay.status_code == 200 and replay.get_json()["status"] == "duplicate"
    other_id = fake.send("orders/create", payload, webhook_id="wh-different")
    assert other_id.status_code == 200
    assert len(_sales()) == 1
    assert _remaining(soap[1]) == Decimal("1")


# ---- orders/create ------------------------------------------------------------------------------------

def test_an_order_becomes_sales_with_fifo_cogs_discounts_and_its_date(api, owner, org, shop, soap):
    fake, _ = shop
    item, older, newer = soap
    candle = make_item(org, name="Cedar candle", kind="product", unit="each", sku="CED-1")
    make_lot(org, candle, quantity="5", unit_cost="4")
    payload = order(13, "#1013", [
        {"sku": " LAV-BAR ", "quantity": 4, "price": "10.00", "discount": "2.00"},  # 0.50 off each
        {"sku": "CED-1", "quantity": 1, "price": "25.00"},
        {"sku": None, "quantity": 1, "price": "5.00"},  # a gift card: no SKU, ignored
        {"sku": "", "quantity": 1, "price": "5.00"},
    ], created_at="2026-11-20T10:15:00-05:00")
    assert fake.send("orders/create", payload).status_code == 200
    rows = api(owner).get("/api/v1/sales?channel=shopify").get_json()["items"]
    by_item = {row["item_id"]: row for row in rows}
    assert set(by_item) == {item.id, candle.id}
    bar = by_item[item.id]
    assert bar["quantity"] == "4" and bar["unit_price"] == "9.5" and bar["order_ref"] == "#1013"
    assert bar["channel"] == "shopify" and bar["revenue"] == "38"
    assert bar["cogs"] == "9"  # 3 × 2.00 from the older lot, then 1 × 3.00
    assert [(c["lot_code"], c["quantity"]) for c in bar["consumption"]] == [("L-OLD", "3"), ("L-NEW", "1")]
    assert bar["created_at"] == "2026-11-20T15:15:00Z"
    assert by_item[candle.id]["unit_price"] == "25" and by_item[candle.id]["cogs"] == "4"
    assert _remaining(older) == 0 and _remaining(newer) == Decimal("9")


def test_unknown_sku_and_short_stock_become_problems_and_the_rest_sells(api, owner, shop, soap):
    fake, integration_id = shop
    payload = order(14, "#1014", [{"sku": "NOPE-1", "quantity": 2}, {"sku": "LAV-BAR", "quantity": 50},
                                  {"sku": "LAV-BAR", "quantity": 1, "price": "12"}])
    response = fake.send("orders/create", payload)
    assert response.status_code == 200
    assert [(s.quantity, s.unit_price) for s in _sales()] == [(Decimal("1"), Decimal("12"))]
    problems = api(owner).get(f"/api/v1/integrations/{integration_id}/problems").get_json()["items"]
    assert [(p["sku"], p["quantity"], p["reason"], p["order_ref"]) for p in problems] == [
        ("NOPE-1", "2", "unknown_sku", "#1014"), ("LAV-BAR", "50", "insufficient_stock", "#1014")]
    assert all(p["id"] and p["created_at"].endswith("Z") for p in problems)


def test_a_problem_is_retried_once_its_sku_exists_and_dismissed(api, owner, shop):
    fake, integration_id = shop
    fake.send("orders/create", order(15, "#1015", [{"sku": "ROSE-9", "quantity": 2, "price": "7.00"},
                                                    {"sku": "ROSE-9", "quantity": 1, "price": "7.00"}]))
    problems = api(owner).get(f"/api/v1/integrations/{integration_id}/problems").get_json()["items"]
    assert len(problems) == 2
    first, second = problems[0]["id"], problems[1]["id"]
    retry_url = f"/api/v1/integrations/{integration_id}/problems/{first}/retry"

    early = api(owner).post(retry_url)
    assert early.status_code == 422 and early.get_json()["error"]["code"] == "unknown_sku"
    created = api(owner).post("/api/v1/inventory", json={"name": "Rose bar", "kind": "product", "unit": "each",
                                                         "sku": "ROSE-9"})
    assert created.status_code == 201 and created.get_json()["sku"] == "ROSE-9"
    item_id = created.get_json()["id"]
    short = api(owner).post(retry_url)
    assert short.status_code == 422 and short.get_json()["error"]["code"] == "insufficient_stock"
    api(owner).post(f"/api/v1/inventory/{item_id}/adjustments",
                    json={"change_type": "restock", "quantity": "5", "unit_cost": "1.25"})
    sold = api(owner).post(retry_url)
    assert sold.status_code == 201
    sale = sold.get_json()
    assert sale["item_id"] == item_id and sale["quantity"] == "2" and sale["order_ref"] == "#1015"
    assert sale["channel"] == "shopify" and sale["cogs"] == "2.5" and sale["unit_price"] == "7"
    assert api(owner).post(retry_url).status_code == 409

    dismissed = api(owner).post(f"/api/v1/integrations/{integration_id}/problems/{second}/dismiss")
    assert dismissed.status_code == 200 and dismissed.get_json()["id"] == second
    assert api(owner).get(f"/api/v1/integrations/{integration_id}/problems").get_json()["items"] == []
    assert len(_sales()) == 1


def test_problems_of_another_organization_are_404(api, owner, other_owner, shop):
    fake, integration_id = shop
    fake.send("orders/create", order(16, "#1016", [{"sku": "NOPE", "quantity": 1}]))
    problem_id = api(owner).get(f"/api/v1/integrations/{integration_id}/problems").get_json()["items"][0]["id"]
    assert api(other_owner).get(f"/api/v1/integrations/{integration_id}/problems").status_code == 404
    assert api(other_owner).post(
        f"/api/v1/integrations/{integration_id}/problems/{problem_id}/dismiss").status_code == 404
    assert api(other_owner).post(f"/api/v1/integrations/{integration_id}/problems/{problem_id}/retry").status_code == 404


def test_sku_is_unique_per_organization_and_returned_on_the_item(api, owner, other_owner):
    first = api(owner).post("/api/v1/inventory", json={"name": "A", "kind": "product", "unit": "each", "sku": " AB-1 "})
    assert first.status_code == 201 and first.get_json()["sku"] == "AB-1"
    clash = api(owner).post("/api/v1/inventory", json={"name": "B", "kind": "product", "unit": "each", "sku": "AB-1"})
    assert clash.status_code == 422 and "sku" in clash.get_json()["error"]["fields"]
    theirs = api(other_owner).post("/api/v1/inventory", json={"name": "A", "kind": "product", "unit": "each",
                                                              "sku": "AB-1"})
    assert theirs.status_code == 201
    assert api(owner).get(f"/api/v1/inventory/{first.get_json()['id']}").get_json()["sku"] == "AB-1"


# ---- refunds and cancellations ------------------------------------------------------------------------

def test_a_refund_goes_back_to_the_exact_lots_capped_and_no_restock_moves_nothing(shop, soap):
    fake, _ = shop
    item, older, newer = soap
    fake.send("orders/create", order(17, "#1017", [{"id": 1701, "sku": "LAV-BAR", "quantity": 5}]))
    assert _remaining(older) == 0 and _remaining(newer) == Decimal("8")

    assert fake.send("refunds/create", refund(17, [{"line_item_id": 1701, "sku": "LAV-BAR", "quantity": 1,
                                                     "restock_type": "no_restock"}])).status_code == 200
    assert _remaining(older) == 0 and _remaining(newer) == Decimal("8")
    assert _sales()[0].returned_quantity == 0

    fake.send("refunds/create", refund(17, [{"line_item_id": 1701, "sku": "LAV-BAR", "quantity": 3}]))
    # the sale drew 3 from L-OLD then 2 from L-NEW; a partial return credits the last lots first
    assert _remaining(newer) == Decimal("10") and _remaining(older) == Decimal("1")
    fake.send("refunds/create", refund(17, [{"sku": "LAV-BAR", "quantity": 9}]))  # only 2 left to return
    assert _remaining(older) == Decimal("3") and _remaining(newer) == Decimal("10")
    assert _sales()[0].returned_quantity == Decimal("5")


def test_a_cancellation_returns_everything_unreturned_and_closes_problems(api, owner, shop, soap):
    fake, integration_id = shop
    item, older, newer = soap
    fake.send("orders/create", order(18, "#1018", [{"id": 1801, "sku": "LAV-BAR", "quantity": 4},
                                                    {"sku": "UNKNOWN", "quantity": 1}]))
    fake.send("refunds/create", refund(18, [{"line_item_id": 1801, "sku": "LAV-BAR", "quantity": 1}]))
    assert fake.send("orders/cancelled", {"id": 18, "name": "#1018"}).status_code == 200
    assert _remaining(older) == Decimal("3") and _remaining(newer) == Decimal("10")
    sale = _sales()[0]
    assert sale.returned_quantity == Decimal("4")
    assert api(owner).get(f"/api/v1/integrations/{integration_id}/problems").get_json()["items"] == []
    again = fake.send("orders/cancelled", {"id": 18, "name": "#1018"})
    assert again.status_code == 200 and _remaining(newer) == Decimal("10")


def test_an_order_cancelled_before_it_arrives_never_sells(shop, soap):
    fake, _ = shop
    fake.send("orders/cancelled", {"id": 19, "name": "#1019"})
    fake.send("orders/create", order(19, "#1019", [{"sku": "LAV-BAR", "quantity": 1}]))
    assert _sales() == []


# ---- switch, failures, audit ----------------------------------------------------------------------------

def test_a_failed_delivery_applies_nothing_and_shopifys_retry_succeeds(org, owner, shop, soap):
    fake, _ = shop
    payload = order(20, "#1020", [{"sku": "LAV-BAR", "quantity": 2}])
    owner.active = False  # nobody active can record the sale
    db.session.commit()
    failed = fake.send("orders/create", payload, webhook_id="wh-20")
    assert failed.status_code == 503
    assert _sales() == [] and db.session.scalar(select(func.count(ShopOrder.id))) == 0
    owner.active = True
    db.session.commit()
    retried = fake.send("orders/create", payload, webhook_id="wh-20")
    assert retried.status_code == 200 and retried.get_json()["status"] == "processed"
    assert len(_sales()) == 1


def test_switched_off_ignores_deliveries_until_switched_on(org, owner, shop, soap):
    from app.services.integrations import shopify

    fake, integration_id = shop
    shopify.set_shop_enabled(org, owner, integration_id, False)
    payload = order(21, "#1021", [{"sku": "LAV-BAR", "quantity": 1}])
    assert fake.send("orders/create", payload, webhook_id="wh-21").get_json()["status"] == "ignored"
    assert _sales() == []
    shopify.set_shop_enabled(org, owner, integration_id, True)
    assert fake.send("orders/create", payload, webhook_id="wh-21").get_json()["status"] == "processed"
    assert len(_sales()) == 1


def test_the_audit_trail_records_what_each_delivery_did(api, owner, shop, soap):
    fake, integration_id = shop
    fake.send("orders/create", order(22, "#1022", [{"sku": "LAV-BAR", "quantity": 1}, {"sku": "X", "quantity": 1}]),
              webhook_id="wh-22")
    fake.send("orders/create", order(22, "#1022", []), webhook_id="wh-22")
    fake.send("orders/create", order(22, "#1022", []), secret="wrong")  # refused: not recorded
    log = api(owner).get(f"/api/v1/integrations/{integration_id}/webhooks").get_json()["items"]
    assert [(w["webhook_id"], w["status"]) for w in log] == [("wh-22", "duplicate"), ("wh-22", "processed")]
    assert "1 line sold" in log[1]["summary"] and "1 kept as problem" in log[1]["summary"]


def test_disconnecting_retires_the_webhook_address(org, owner, shop, soap):
    from app.services.integrations import shopify

    fake, integration_id = shop
    shopify.disconnect_shop(org, owner, integration_id)
    assert fake.send("orders/create", order(23, "#1023", [{"sku": "LAV-BAR", "quantity": 1}])).status_code == 404
    assert _sales() == []


def test_a_maker_may_not_connect_but_the_webhook_acts_as_the_connector(api, org, owner, shop, soap):
    fake, _ = shop
    maker = make_user(org, email="helper@juniper.test", role="maker")
    assert api(maker).post("/api/v1/integrations/shopify",
                           json={"shop_domain": "x.myshopify.com", "webhook_secret": "s"}).status_code == 403
    fake.send("orders/create", order(24, "#1024", [{"sku": "LAV-BAR", "quantity": 1}]))
    assert _sales()[0].user_id == owner.id
