"""Factory functions make_<noun>(org, **overrides) for tests."""
from __future__ import annotations

import datetime as _dt
import itertools

from app.extensions import bcrypt, db
from app.models import Organization, User
from app.services.reference import get_system_role, get_tier

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_HASH_CACHE: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = bcrypt.generate_password_hash(password).decode()
    return _HASH_CACHE[password]


def make_org(name: str | None = None, tier: str = "team", **overrides) -> Organization:
    tier_row = get_tier(tier)
    org = Organization(name=name or f"Org {next(_counter)}", tier=tier_row,
                       billing_status="active" if tier_row.is_paid else "free", **overrides)
    db.session.add(org)
    db.session.commit()
    return org


def make_user(org: Organization | None, email: str | None = None, role: str = "maker",
              password: str = PASSWORD, **overrides) -> User:
    user = User(organization=org, email=email or f"user{next(_counter)}@example.test",
                role=get_system_role(role) if org is not None else None,
                password_hash=password_hash(password), **overrides)
    db.session.add(user)
    db.session.commit()
    return user


def make_developer(email: str = "dev@batchtrack.test", role: str = "admin") -> User:
    user = User(email=email, is_developer=True, developer_role=role, password_hash=password_hash())
    db.session.add(user)
    db.session.commit()
    return user


# ---- inventory ---------------------------------------------------------------------------------------

def ensure_inventory_reference_data() -> None:
    """Units, the global library and the system roles (reference data; cheap when already seeded).

    On PostgreSQL the per-test TRUNCATE … CASCADE also empties tables that reference `organizations`
    (units, roles), so this re-seeds whatever is missing.
    """
    from sqlalchemy import func, select

    from app.models import GlobalItem, Role, Unit
    from app.services import library, reference, units

    if not db.session.scalar(select(func.count(Role.id)).where(Role.organization_id.is_(None))):
        reference.seed_permissions()
    if not db.session.scalar(select(func.count(Unit.id)).where(Unit.organization_id.is_(None))):
        units.seed_units()
    if not db.session.scalar(select(func.count(GlobalItem.id))):
        library.seed_library()


def make_supplier(org: Organization, **overrides):
    from app.models import Supplier

    supplier = Supplier(organization_id=org.id, name=overrides.pop("name", f"Supplier {next(_counter)}"),
                        **overrides)
    db.session.add(supplier)
    db.session.commit()
    return supplier


def make_item(org: Organization, actor=None, name: str | None = None, **overrides):
    """An item with no stock (units must be seeded: the reference_data fixture). With an actor it is made
    through inventory.create_item, validated as a person's would be; without, as a bare row."""
    from decimal import Decimal

    from app.models import InventoryItem

    if actor is not None:
        from app.services import inventory

        fields = {"kind": "ingredient", "unit": "g", **overrides}
        return inventory.create_item(org, actor, name=name or f"Item {next(_counter)}", **fields)
    values = {"name": name or f"Item {next(_counter)}", "kind": "ingredient", "unit": "g", "quantity": Decimal(0),
              "allergens": "", "notes": ""}
    values.update(overrides)
    item = InventoryItem(organization_id=org.id, **values)
    db.session.add(item)
    db.session.commit()
    return item


def make_lot(org: Organization, item, quantity="10", unit_cost="1", *, received_at=None, expires_on=None,
             hold_until=None, hold_reason=None, code=None, actor=None, supplier_lot_code=None):
    """A lot with its restock event, keeping item quantity = Σ lots = Σ ledger."""
    from decimal import Decimal

    from app.services.base import transaction
    from app.services.inventory import fifo

    with transaction():
        event = fifo.new_lot(org, actor, item, Decimal(str(quantity)), Decimal(str(unit_cost)),
                             change_type="restock", received_at=received_at, expires_on=expires_on,
                             hold_until=hold_until, code=code, supplier_lot_code=supplier_lot_code)
        lot = event.lot
        if hold_reason:
            lot.hold_reason = hold_reason
    return lot


def restock(org: Organization, actor, item, quantity, *, unit_cost="0.02", **fields):
    """Receive `quantity` of the item as a new lot through the inventory service."""
    from decimal import Decimal

    from app.services import inventory

    return inventory.adjust(org, actor, item.id, change_type="restock", quantity=Decimal(str(quantity)),
                            unit_cost=Decimal(str(unit_cost)), **fields)


def bulk_items(org: Organization, count: int, *, start: int = 0) -> None:
    """`count` items, each with one lot and its restock event, inserted in one commit (invariants hold):
    rows for query-count tests, written directly for speed."""
    from datetime import date, datetime, timedelta, timezone
    from decimal import Decimal

    from app.models import InventoryEvent, InventoryItem, InventoryLot

    now = datetime.now(timezone.utc)
    today = date.today()
    for index in range(start, start + count):
        item = InventoryItem(organization_id=org.id, name=f"Bulk item {index:04d}", kind="ingredient", unit="g",
                             quantity=Decimal("10"), reorder_point=Decimal("50") if index % 3 == 0 else None,
                             allergens="", notes="")
        db.session.add(item)
        db.session.flush()
        lot = InventoryLot(organization_id=org.id, item_id=item.id, code=f"LOT-B{index:05d}", received_at=now,
                           original_quantity=Decimal("10"), remaining_quantity=Decimal("10"),
                           unit_cost=Decimal("0.5"), notes="",
                           expires_on=today - timedelta(days=2) if index % 4 == 0 else today + timedelta(days=10))
        db.session.add(lot)
        db.session.flush()
        db.session.add(InventoryEvent(organization_id=org.id, code=f"RST-B{index:05d}", item_id=item.id,
                                      lot_id=lot.id, change_type="restock", quantity=Decimal("10"),
                                      unit_cost=Decimal("0.5"), notes="", created_at=now))
    db.session.commit()


def assert_invariants(org: Organization, item_id: int | None = None) -> None:
    """Item quantity = Σ lot remaining = Σ ledger; 0 ≤ remaining ≤ original; received = consumed + remaining value.

    Read fresh from the database and summed in Python (exact Decimals on every backend).
    """
    from collections import defaultdict
    from decimal import Decimal

    from app.models import InventoryEvent, InventoryItem, InventoryLot
    from app.services import tenancy

    db.session.expire_all()
    item_stmt = tenancy.scoped(InventoryItem, org)
    lot_stmt = tenancy.scoped(InventoryLot, org)
    event_stmt = tenancy.scoped(InventoryEvent, org)
    if item_id is not None:  # just this item
        item_stmt = item_stmt.where(InventoryItem.id == item_id)
        lot_stmt = lot_stmt.where(InventoryLot.item_id == item_id)
        event_stmt = event_stmt.where(InventoryEvent.item_id == item_id)
    items = {i.id: i for i in db.session.scalars(item_stmt)}
    lots = list(db.session.scalars(lot_stmt))
    events = list(db.session.scalars(event_stmt))
    lot_by_id = {lot.id: lot for lot in lots}
    by_lots, by_ledger = defaultdict(Decimal), defaultdict(Decimal)
    lot_ledger = defaultdict(Decimal)
    received, consumed = defaultdict(Decimal), defaultdict(Decimal)
    for lot in lots:
        assert Decimal(0) <= lot.remaining_quantity <= lot.original_quantity, lot.code
        by_lots[lot.item_id] += lot.remaining_quantity
    for event in events:
        by_ledger[event.item_id] += event.quantity
        assert event.lot_id is not None, event.code
        lot = lot_by_id[event.lot_id]
        assert lot.item_id == event.item_id, event.code
        assert event.unit_cost == lot.unit_cost, event.code
        lot_ledger[event.lot_id] += event.quantity
        if event.quantity > 0:
            received[event.item_id] += event.quantity * event.unit_cost
        else:
            consumed[event.item_id] += -event.quantity * event.unit_cost
    for lot in lots:
        assert lot_ledger[lot.id] == lot.remaining_quantity, f"{lot.code}: ledger {lot_ledger[lot.id]}"
    for item_id, item in items.items():
        assert item.quantity == by_lots[item_id] == by_ledger[item_id], (
            f"{item.name}: quantity {item.quantity}, lots {by_lots[item_id]}, ledger {by_ledger[item_id]}")
        remaining_value = sum((lot.remaining_quantity * lot.unit_cost for lot in lots if lot.item_id == item_id),
                              Decimal(0))
        assert received[item_id] == consumed[item_id] + remaining_value, item.name


# ---- products and sales ------------------------------------------------------------------------------

def make_product(org: Organization, actor=None, **overrides):
    """A product (through the service when an actor is given, else directly)."""
    from app.models import Product

    values = {"name": f"Product {next(_counter)}", "description": "", "category": ""}
    values.update(overrides)
    if actor is not None:
        from app.services import products

        return products.create_product(org, actor, **values)
    product = Product(organization_id=org.id, **values)
    db.session.add(product)
    db.session.commit()
    return product


def make_sku(org: Organization, actor, product=None, **overrides):
    """A SKU through products.create_sku (a new product item unless item_id is given)."""
    from app.services import products

    product = product or make_product(org, actor)
    overrides.setdefault("size_label", f"{next(_counter)} oz")
    return products.create_sku(org, actor, product.id, **overrides)


def make_sale(org: Organization, actor, item, quantity="1", unit_price="10", **overrides):
    """A sale through sales.record_sale (the item needs usable stock: make_lot first)."""
    from app.services import sales

    return sales.record_sale(org, actor, item_id=getattr(item, "id", item), quantity=quantity,
                             unit_price=unit_price, **overrides)


# ---- commerce pages: a product with a stocked SKU, a finished batch made through the real services ----

def stocked_sku(org, actor, *, name: str | None = None, price="8.00", quantity="10", unit_cost="1.5",
                lots: int = 1):
    """A product with one SKU whose stock item holds `lots` lots of `quantity` each, oldest first, at
    `unit_cost` (or one cost per lot when it is a list)."""
    from app.services import products

    ensure_inventory_reference_data()
    product = products.create_product(org, actor, name=name or f"Soap {next(_counter)}", category="Bar soap")
    sku = products.create_sku(org, actor, product.id, size_label="4 oz", retail_price=price)
    start = _dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(days=lots + 1)
    costs = unit_cost if isinstance(unit_cost, (list, tuple)) else [unit_cost] * lots
    made = [make_lot(org, sku_item(org, sku), quantity, cost, received_at=start + _dt.timedelta(days=index))
            for index, cost in enumerate(costs)]
    return {"product": product, "sku": sku, "item": sku_item(org, sku), "lots": made}


def sku_item(org, sku):
    from app.models import InventoryItem
    from app.services import tenancy

    return tenancy.get_for_org(InventoryItem, sku.item_id, org)


def finished_batch(org, actor, *, yield_quantity="10"):
    """Olive oil and lye lots → a recipe → a finished batch whose output is a lot of a product SKU."""
    from app.services import batches, products, recipes

    ensure_inventory_reference_data()
    oil = make_item(org, name=f"Olive Oil {next(_counter)}", unit="g")
    lye = make_item(org, name=f"Lye {next(_counter)}", unit="g")
    oil_lot = make_lot(org, oil, "1000", "0.01", received_at=_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(days=30))
    lye_lot = make_lot(org, lye, "500", "0.005", received_at=_dt.datetime.now(_dt.timezone.utc) - _dt.timedelta(days=30))
    product = products.create_product(org, actor, name=f"Castile Soap {next(_counter)}")
    variant = products.add_variant(org, actor, product.id, name="Unscented")
    sku = products.create_sku(org, actor, product.id, variant_id=variant.id, size_label="4 oz bar",
                              retail_price="9.00")
    recipe = recipes.create_recipe(org, actor, name=f"Castile {next(_counter)}", yield_quantity=yield_quantity,
                                   yield_unit="each", output_item_id=sku.item_id,
                                   lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"},
                                          {"item_id": lye.id, "quantity": "100", "unit": "g"}])
    batch = batches.start_batch(org, actor, recipe.id, "1")
    batches.finish_batch(org, actor, batch.id, yield_quantity=yield_quantity)
    record = batches.batch_record(org, actor, batch.id)
    (_, _, output_lot), = record.outputs
    return {"oil": oil, "lye": lye, "oil_lot": oil_lot, "lye_lot": lye_lot, "product": product, "sku": sku,
            "recipe": recipe, "batch": batch, "output_lot": output_lot, "item": sku_item(org, sku)}
