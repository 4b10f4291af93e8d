"""Every tenant endpoint, called by another organization's owner with a real id of the first organization,
answers 404 — on the pages and on the API — and changes nothing (STYLE.md: "a tenancy test calls every
tenant endpoint as another organization and expects 404").

The routes come from app.url_map, so a new endpoint with an id in its URL is covered without editing this file;
an id parameter this file does not know how to fill fails the test instead of being skipped.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Batch,
    InventoryEvent,
    InventoryItem,
    InventoryLot,
    Recall,
    Recipe,
    Reservation,
    Role,
    Sale,
    Supplier,
    User,
)
from app.services import accounts, batches, organizations, recalls, reservations, sales, suppliers, tenancy, units

from ..factories import finished_batch, make_lot
from ..helpers import csrf_token

# Routes whose variables are not tenant ids (one-time tokens, static files) or that act on the caller's own
# account only; each entry says why it is left out.
NOT_TENANT = {
    "static",  # files
    "auth.reset_password",  # a one-time token, not an id
    "organization.accept_invite",  # a one-time token, not an id
    "public.lot_page",  # an unguessable public token, not an id (tests/pages/test_tracing_a_label.py)
    "integrations.shopify_webhook",  # an unguessable token checked by the shop's HMAC (test_shopify_integration.py)
}

# A plausible body per endpoint, so validation passes and only the ownership check can refuse the call.
PAGE_FORMS = {
    "inventory.item_adjust": {"change_type": "use", "quantity": "1", "unit": "g", "lot_code": "", "supplier_id": ""},
    "inventory.item_edit": {"name": "Renamed", "kind": "ingredient", "unit": "g", "supplier_id": "",
                            "capacity_unit": ""},
    "batches.batch_finish": {"finish-yield_quantity": "10"},
    "batches.batch_note": {"note-note": "Hello"},
    "batches.batch_timer_start": {"timer-label": "Cure"},
    "batches.batch_extra": {"extra-item_id": "1", "extra-quantity": "1"},
    "recipes.recipe_variation": {"variation_name": "Rose"},
    "suppliers.supplier_edit": {"name": "Renamed supplier"},
    "products.product_edit": {"name": "Renamed product"},
    "products.variant_create": {"name": "Rose"},
    "products.sku_create": {"size_label": "8 oz"},
    "products.sku_edit": {"size_label": "9 oz"},
    "sales.sale_return": {"quantity": "1"},
    "sales.reservation_convert": {"unit_price": "5"},
    "trace.lot_recall": {"reason": "Stolen recall"},
    "units.set_density": {"density": "1.1"},
    "organization.user_role": {"role_id": "1"},
    "organization.role_edit": {"name": "Renamed role", "permissions": ["inventory.view"]},
    "developer.organization_tier": {"tier": "free"},
    "developer.organization_suspend": {"reason": "x"},
}
API_BODIES = {
    "inventory_api.adjustment_create": {"change_type": "use", "quantity": "1"},
    "batches_api.batch_finish": {"yield_quantity": "10"},
    "recipes_api.recipe_update": {"name": "Renamed"},
    "sales_api.sale_return": {"quantity": "1"},
    "sales_api.reservation_convert": {},
    "trace_api.lot_recall": {"reason": "Stolen recall"},
    "trace_api.lot_hold": {"hold_until": None},
    "purchasing_api.purchase_order_receive": {"lines": [{"line_id": 1, "quantity": "1"}]},
    "suppliers_api.supplier_item_set": {"item_id": 1},
}


@pytest.fixture()
def world(org, owner, member):
    """One object of every tenant kind in `org`, made through the services."""
    made = finished_batch(org, owner)
    make_lot(org, made["oil"], "1000", "0.01")  # enough for a second batch, left in progress
    running = batches.start_batch(org, owner, made["recipe"].id, "1")
    timer = batches.start_timer(org, owner, running.id, label="Gel phase")
    sale = sales.record_sale(org, owner, sku_id=made["sku"].id, quantity="1", unit_price="9", order_ref="A-1")
    reservation = reservations.create_reservation(org, owner, item_id=made["item"].id, quantity="1",
                                                  order_ref="HOLD-1")
    spare = make_lot(org, made["lye"], "50", "0.01", received_at=datetime.now(timezone.utc) - timedelta(days=400),
                     expires_on=(datetime.now(timezone.utc) - timedelta(days=2)).date())
    recall = recalls.recall_lot(org, owner, made["lye_lot"].id, reason="Supplier notice")
    supplier = suppliers.create_supplier(org, owner, name="Bramble Berry")
    unit = units.create_custom_unit(org, owner, name="scoop", dimension="volume", factor="15")
    mapping = units.add_item_unit_mapping(org, owner, made["oil"].id, unit_name="jug", quantity="3", in_unit="kg")
    role = organizations.create_role(org, owner, name="Packer", permissions=["inventory.view"])
    token, _ = accounts.create_api_token(owner, "mine")
    ids = {
        "item_id": made["oil"].id, "lot_id": spare.id, "batch_id": running.id, "timer_id": timer.id,
        "recipe_id": made["recipe"].id, "supplier_id": supplier.id, "product_id": made["product"].id,
        "sku_id": made["sku"].id, "sale_id": sale.id, "reservation_id": reservation.id, "recall_id": recall.id,
        "unit_id": unit.id, "mapping_id": mapping.id, "role_id": role.id, "user_id": member.id,
        "token_id": token.id, "org_id": org.id, "code": made["oil_lot"].code,
        "token": made["oil_lot"].public_token,  # the public lot page (NOT_TENANT: anyone with the token sees it)
    }
    from app.services import control_tower

    ids["alert_id"] = control_tower.list_alerts(org, owner)[0].alert.id  # e.g. the expired spare lot's alert
    from app.services import purchasing

    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id, lines=[
        {"item_id": made["oil"].id, "quantity": "100", "unit_cost": "0.01"}])
    ids["po_id"] = purchasing.send_purchase_order(org, owner, order.id).id
    ids["supplier_item_id"] = purchasing.set_supplier_item(org, owner, supplier.id, made["oil"].id, pack_size="500").id
    ids.update(_shop_world(org, owner))
    from app.services import inventory

    shed = inventory.create_location(org, owner, name="Shed")
    transfer, _ = inventory.transfer_stock(org, owner, item_id=made["oil"].id, quantity="1", in_transit=True,
                                           from_location_id=inventory.default_location(org).id,
                                           to_location_id=shed.id)
    ids["location_id"], ids["transfer_id"] = shed.id, transfer.id  # in transit, so Receive is a real write
    from app.services import jobs

    ids["job_id"] = jobs.start(org, owner, "export", {"name": "suppliers"}, title="Export of suppliers.csv").id
    from app.services.imports import uploads

    ids["upload_id"] = uploads.check_upload(org, owner, "items", "name,kind,unit\nWalker wax,ingredient,g\n",
                                            "walk.csv").upload.id  # a checked CSV file waiting for its confirmation
    return ids


def _shop_world(org, owner) -> dict:
    """A connected shop with one open problem (an order line with an unknown SKU), made through a signed webhook."""
    import json

    from app.services.integrations import shopify

    connection = shopify.connect_shop(org, owner, shop_domain="world.myshopify.com", webhook_secret="s").connection
    body = json.dumps({"id": 1, "name": "#1", "line_items": [{"id": 11, "sku": "NOPE", "quantity": 1,
                                                               "price": "1"}]}).encode()
    headers = {"X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "w-1",
               "X-Shopify-Hmac-Sha256": shopify.signature_for("s", body)}
    shopify.receive_webhook(connection.public_token, body, headers)
    problems, _ = shopify.list_problems(org, owner, connection.id)
    return {"integration_id": connection.id, "problem_id": problems[0].id}


def _snapshot(org) -> tuple:
    """What a cross-organization call could change: counts and the state columns of every tenant row."""
    db.session.expire_all()

    def rows(model, *columns):
        return sorted(db.session.execute(tenancy.scoped(model, org, model.id, *columns)).all())

    return (
        rows(InventoryItem, InventoryItem.name, InventoryItem.quantity, InventoryItem.archived_at,
             InventoryItem.density),
        rows(InventoryLot, InventoryLot.remaining_quantity, InventoryLot.hold_reason),
        db.session.scalar(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id))),
        rows(Batch, Batch.status), rows(Recipe, Recipe.name, Recipe.archived_at, Recipe.current_version),
        rows(Supplier, Supplier.name, Supplier.archived_at), rows(Sale, Sale.returned_quantity),
        rows(Reservation, Reservation.status), rows(Recall, Recall.status),
        sorted(db.session.execute(select(User.id, User.active, User.role_id).where(User.organization_id == org.id))),
        sorted(db.session.execute(select(Role.id, Role.name).where(Role.organization_id == org.id))),
        db.session.execute(select(type(org).name, type(org).suspended_at, type(org).tier_id)
                           .where(type(org).id == org.id)).one(),
    )


def _tenant_rules(app, api: bool):
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_TENANT or not rule.arguments:
            continue
        if rule.rule.startswith("/api/") != api:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            rules.append((rule, method))
    return sorted(rules, key=lambda pair: (pair[0].rule, pair[1]))


def _url(rule, ids) -> str:
    missing = set(rule.arguments) - set(ids)
    assert not missing, f"{rule.endpoint}: teach tests/app/test_tenancy_endpoints.py how to fill {missing}"
    adapter = rule.map.bind("localhost")
    return adapter.build(rule.endpoint, {name: ids[name] for name in rule.arguments}, method=None)


def test_every_tenant_page_is_404_for_another_organization(app, client, org, other_owner, world, login):
    """Does every page route with an id answer 404 (GET and POST) to another organization's owner, writing nothing?"""
    before = _snapshot(org)
    login(other_owner)
    token = csrf_token(client, "/settings")
    answered = []
    for rule, method in _tenant_rules(app, api=False):
        url = _url(rule, world)
        if method == "GET":
            response = client.get(url)
        else:
            data = {**PAGE_FORMS.get(rule.endpoint, {}), "csrf_token": token}
            response = client.open(url, method=method, data=data)
        answered.append((rule.endpoint, method, url, response.status_code))
    wrong = [row for row in answered if row[3] != 404]
    assert not wrong, "expected 404 for another organization's id:\n" + "\n".join(map(str, wrong))
    assert len(answered) > 60, len(answered)  # the walk really covered the application
    assert _snapshot(org) == before


def test_every_tenant_api_endpoint_is_404_for_another_organization(app, client, org, other_owner, world,
                                                                   api_token):
    """Does every /api/v1 endpoint with an id or lot code answer 404 with the error shape to another organization's
    token, writing nothing?"""
    before = _snapshot(org)
    headers = {"Authorization": f"Bearer {api_token(other_owner)}"}
    answered = []
    for rule, method in _tenant_rules(app, api=True):
        url = _url(rule, world)
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.open(url, method=method, json=API_BODIES.get(rule.endpoint, {}), headers=headers)
        body = response.get_json(silent=True) or {}
        answered.append((rule.endpoint, method, url, response.status_code, body.get("error", {}).get("code")))
    wrong = [row for row in answered if row[3:] != (404, "not_found")]
    assert not wrong, "expected 404 not_found for another organization's id:\n" + "\n".join(map(str, wrong))
    assert len(answered) >= 20, len(answered)
    assert _snapshot(org) == before


def test_the_first_organization_reaches_the_same_ids(client, org, owner, world, api_token):
    """Control: are the ids the walk uses real — does their own organization's token read them (200)?"""
    headers = {"Authorization": f"Bearer {api_token(owner)}"}
    for url in (f"/api/v1/inventory/{world['item_id']}", f"/api/v1/batches/{world['batch_id']}",
                f"/api/v1/recipes/{world['recipe_id']}", f"/api/v1/sales/{world['sale_id']}",
                f"/api/v1/reservations/{world['reservation_id']}", f"/api/v1/recalls/{world['recall_id']}",
                f"/api/v1/products/{world['product_id']}", f"/api/v1/lots/{world['code']}/trace"):
        assert client.get(url, headers=headers).status_code == 200, url
