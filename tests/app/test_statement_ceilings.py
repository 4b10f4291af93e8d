"""SQL statements per request (issue 11, goal 3): at most 10 on every main page, the same count at 5 and at 500
rows, and at most 30 for starting a batch of a 3-line recipe (web form and API), whatever the lots.

Each page is requested as production serves it: a warm-up view first (the sign-in flash, the permission
cache, alerts brought up to date), then a view with a new database session (empty identity map), counted."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import (
    Batch,
    InventoryEvent,
    InventoryItem,
    InventoryLot,
    Product,
    PurchaseOrder,
    Recipe,
    Sale,
    Supplier,
)
from app.services import demo, purchasing, recipes, sales
from app.services.base import transaction
from app.services.inventory import fifo

from ..factories import make_org, make_user
from ..helpers import count_queries, csrf_token

PAGE_CEILING = 10
BATCH_START_CEILING = 30
SMALL, LARGE = 5, 500


def _first(model, org_id: int) -> int:
    return db.session.scalar(select(model.id).where(model.organization_id == org_id).order_by(model.id))


def _workshop():
    """An organization on the top plan with the demo workshop (supplier, lots, recipe, product, a finished
    batch), a sale and a purchase order; its owner."""
    org = make_org(name="Statement Soap Co.", tier="enterprise")
    owner = make_user(org, email="owner@statements.test", role="owner")
    demo.seed_demo_workshop(org, owner)
    sales.record_sale(org, owner, sku_id=_sku_id(org.id), quantity="1")
    olive = _olive_id(org.id)
    purchasing.create_purchase_order(org, owner, supplier_id=_first(Supplier, org.id),
                                     lines=[{"item_id": olive, "quantity": "1000", "unit_cost": "0.01"}])
    return org, owner


def _sku_id(org_id: int) -> int:
    from app.models import Sku

    return _first(Sku, org_id)


def _olive_id(org_id: int) -> int:
    return db.session.scalar(select(InventoryItem.id).where(InventoryItem.organization_id == org_id,
                                                            InventoryItem.name.like("Olive%")))


def _grow(org, rows: int) -> None:
    """Bring the organization to `rows` extra items (each with a lot and its restock event) and give the olive
    oil `rows` lots with their restock events in all (the item detail, trace and expiry pages' rows), in a few
    bulk statements; quantities stay equal to Σ lots = Σ ledger."""
    now = datetime.now(timezone.utc)
    with transaction():
        existing = db.session.scalar(select(db.func.count(InventoryItem.id))
                                     .where(InventoryItem.organization_id == org.id,
                                            InventoryItem.name.like("Grown item%")))
        items = [InventoryItem(organization_id=org.id, name=f"Grown item {n:04d}", kind="ingredient", unit="g",
                               quantity=Decimal("10"), reorder_point=Decimal("50") if n % 3 == 0 else None,
                               allergens="", notes="") for n in range(existing, rows)]
        db.session.add_all(items)
        db.session.flush()
        olive = db.session.get(InventoryItem, _olive_id(org.id))
        olive_lots = db.session.scalar(select(db.func.count(InventoryLot.id)).where(InventoryLot.item_id == olive.id))
        targets = [(item, n) for n, item in enumerate(items)] + [(olive, n) for n in range(olive_lots, rows)]
        lots = [InventoryLot(organization_id=org.id, item_id=item.id, code=f"GROWN-{item.id}-{n:05d}",
                             received_at=now - timedelta(days=400), original_quantity=Decimal("10"),
                             remaining_quantity=Decimal("10"), unit_cost=Decimal("0.5"), notes="",
                             expires_on=(now + timedelta(days=10 + n % 60)).date())
                for item, n in targets]
        db.session.add_all(lots)
        db.session.flush()
        db.session.add_all([InventoryEvent(organization_id=org.id, code=f"RST-G{lot.id:07d}", item_id=lot.item_id,
                                           lot_id=lot.id, change_type="restock", quantity=Decimal("10"),
                                           unit_cost=Decimal("0.5"), notes="", created_at=lot.received_at)
                            for lot in lots])
        olive.quantity = olive.quantity + Decimal("10") * (max(rows, olive_lots) - olive_lots)


def _main_pages(org_id: int) -> dict[str, str]:
    lot_code = db.session.scalar(select(InventoryLot.code).where(InventoryLot.organization_id == org_id,
                                                                 InventoryLot.item_id == _olive_id(org_id))
                                 .order_by(InventoryLot.id))
    return {
        "dashboard": "/dashboard", "inventory list": "/inventory", "item detail": f"/inventory/{_olive_id(org_id)}",
        "expiring": "/inventory/expiring", "recipe list": "/recipes",
        "recipe detail": f"/recipes/{_first(Recipe, org_id)}", "batch list": "/batches",
        "batch detail": f"/batches/{_first(Batch, org_id)}", "product list": "/products",
        "product detail": f"/products/{_first(Product, org_id)}", "sales list": "/sales",
        "sale detail": f"/sales/{_first(Sale, org_id)}", "reservations": "/sales/reservations",
        "suppliers": "/suppliers", "supplier detail": f"/suppliers/{_first(Supplier, org_id)}",
        "purchase orders": "/purchase-orders", "purchase order": f"/purchase-orders/{_first(PurchaseOrder, org_id)}",
        "trace search": "/trace", "lot trace": f"/trace/lots/{lot_code}", "recalls": "/trace/recalls",
        "reports": "/reports", "reorder": "/reorder", "alerts": "/alerts", "settings": "/settings",
        "locations": "/locations", "transfers": "/transfers", "units": "/units", "library": "/library",
        "members": "/organization/users",
    }


def _statements(client, url: str) -> int:
    """Statements of a GET of `url` after a warm-up view, with a new database session."""
    assert client.get(url).status_code == 200, url
    db.session.remove()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


def _measure_all(client, pages: dict[str, str]) -> dict[str, int]:
    return {label: _statements(client, url) for label, url in pages.items()}


def test_every_main_page_stays_within_ten_statements_and_does_not_grow_from_5_to_500_rows(client, login, db):
    """At 5 and at 500 items (and lots and ledger rows of one item), is every main page at most 10 SQL
    statements, and the same number at both sizes?"""
    org, owner = _workshop()
    org_id = org.id
    _grow(org, SMALL)
    pages = _main_pages(org_id)
    login(owner)
    client.get("/dashboard")  # shows the sign-in flash
    few = _measure_all(client, pages)
    _grow(db.session.get(type(org), org_id), LARGE)
    many = _measure_all(client, pages)
    table = "\n".join(f"{label:>16}: {few[label]:>3} at {SMALL}, {many[label]:>3} at {LARGE}" for label in pages)
    over = [label for label in pages if max(few[label], many[label]) > PAGE_CEILING]
    assert not over, f"over {PAGE_CEILING} statements on {over}:\n{table}"
    growing = [label for label in pages if few[label] != many[label]]
    assert not growing, f"statements change with the rows on {growing}:\n{table}"


def _three_line_recipe(org, owner, lots_per_item: int, tag: str) -> int:
    """A 3-line recipe whose ingredients each have `lots_per_item` lots of 10 g (a line takes 2 g)."""
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with transaction():
        items = [InventoryItem(organization_id=org.id, name=f"{tag} ingredient {n}", kind="ingredient", unit="g",
                               quantity=Decimal(0), allergens="", notes="") for n in range(3)]
        db.session.add_all(items)
        db.session.flush()
        for item in items:
            for n in range(lots_per_item):
                fifo.new_lot(org, owner, item, Decimal("10"), Decimal("0.01"), change_type="restock",
                             received_at=start + timedelta(minutes=n))
    recipe = recipes.create_recipe(org, owner, name=f"{tag} recipe", yield_quantity="1", yield_unit="kg",
                                   lines=[{"item_id": item.id, "quantity": "2", "unit": "g"} for item in items])
    return recipe.id


def _count_request(send) -> tuple[object, int]:
    db.session.remove()
    with count_queries() as counter:
        response = send()
    return response, counter.count


def test_starting_a_three_line_batch_costs_at_most_30_statements_with_5_or_200_lots(client, login, api_token, db):
    """Web form and API: a 3-line recipe's batch start is within 30 statements, the same with 5 or 200 lots
    per ingredient."""
    org = make_org(name="Batch Start Co.", tier="enterprise")
    owner = make_user(org, email="owner@batchstart.test", role="owner")
    few_id = _three_line_recipe(org, owner, 5, "Few")
    many_id = _three_line_recipe(org, owner, 200, "Many")
    token = api_token(owner)
    login(owner)
    form_token = csrf_token(client, "/batches/new")
    counts = {}
    for label, recipe_id in (("5 lots", few_id), ("200 lots", many_id)):
        for _ in range(2):  # the second start of each is counted (caches, sequences warm)
            response, web = _count_request(lambda: client.post("/batches/new", data={
                "recipe_id": str(recipe_id), "scale": "1", "notes": "", "action": "start", "csrf_token": form_token}))
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            response, api = _count_request(lambda: client.post(
                "/api/v1/batches", json={"recipe_id": recipe_id, "scale": "1"},
                headers={"Authorization": f"Bearer {token}"}))
            assert response.status_code == 201, response.get_data(as_text=True)[:300]
            assert len(response.get_json()["consumption"]) == 3
        counts[label] = (web, api)
    assert all(web <= BATCH_START_CEILING and api <= BATCH_START_CEILING for web, api in counts.values()), counts
    assert counts["5 lots"] == counts["200 lots"], counts
