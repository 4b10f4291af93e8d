"""Exact decimals: quantities and money read back digit for digit on SQLite and PostgreSQL alike."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import InventoryItem, InventoryLot, Unit
from app.services import inventory, units
from app.services.inventory.queries import inventory_stats

from ..factories import assert_invariants, ensure_inventory_reference_data, make_item


def _fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def test_point_one_plus_point_two_is_point_three(org, owner):
    """Do 0.1 g and 0.2 g restocked add up to exactly 0.3 g, in the item and in a SQL sum?"""
    ensure_inventory_reference_data()
    item = make_item(org, name="Rose absolute", unit="g")
    inventory.restock(org, owner, item.id, quantity="0.1", unit_cost="0.1")
    inventory.restock(org, owner, item.id, quantity="0.2", unit_cost="0.2")
    assert str(_fresh(InventoryItem, item.id).quantity.normalize()) == "0.3"
    total = db.session.scalar(select(func.sum(InventoryLot.remaining_quantity))
                              .where(InventoryLot.item_id == item.id))
    assert total == Decimal("0.3") and str(total.normalize()) == "0.3"
    assert_invariants(org, item.id)


def test_large_quantity_keeps_every_digit(org, owner):
    """Does 123456789.123456 g come back with all fifteen digits?"""
    ensure_inventory_reference_data()
    item = make_item(org, name="Tallow", unit="g")
    inventory.restock(org, owner, item.id, quantity="123456789.123456", unit_cost="0.0000012345")
    lot = db.session.scalars(select(InventoryLot).where(InventoryLot.item_id == item.id)).one()
    db.session.expire_all()
    assert str(_fresh(InventoryItem, item.id).quantity) == "123456789.123456"
    lot = _fresh(InventoryLot, lot.id)
    assert str(lot.remaining_quantity) == "123456789.123456"
    assert lot.unit_cost == Decimal("0.0000012345")


def test_seventeen_significant_digits_survive_storage_and_sums(org, owner):
    """Do values beyond a binary float's precision stay exact through storage and SQL SUM?"""
    ensure_inventory_reference_data()
    item = make_item(org, name="Oud oil", unit="g")
    inventory.restock(org, owner, item.id, quantity="999999999.999999", unit_cost="1234567.1234567891")
    inventory.restock(org, owner, item.id, quantity="0.000001", unit_cost="0.0000000001")
    assert str(_fresh(InventoryItem, item.id).quantity) == "1000000000.000000"
    costs = db.session.scalars(select(InventoryLot.unit_cost).where(InventoryLot.item_id == item.id)
                               .order_by(InventoryLot.id)).all()
    assert [str(cost) for cost in costs] == ["1234567.1234567891", "1E-10"]
    total = db.session.scalar(select(func.sum(InventoryLot.unit_cost)).where(InventoryLot.item_id == item.id))
    assert total == Decimal("1234567.1234567892")
    assert_invariants(org, item.id)


def test_inventory_value_is_an_exact_sum_of_products(org, owner):
    """Is the dashboard's inventory value Σ remaining × unit cost to the last stored digit?"""
    ensure_inventory_reference_data()
    item = make_item(org, name="Shea butter", unit="g")
    inventory.restock(org, owner, item.id, quantity="0.1", unit_cost="0.1000000001")
    inventory.restock(org, owner, item.id, quantity="0.2", unit_cost="0.2000000002")
    stats = inventory_stats(org, owner, datetime.now(timezone.utc), 30)
    assert stats["value"] == Decimal("0.01000000001") + Decimal("0.04000000004")


def test_unit_factors_are_exact(db):
    """Is a pound exactly 453.59237 g as stored (no binary-float tail)?"""
    ensure_inventory_reference_data()
    pound = db.session.scalars(select(Unit).where(Unit.name == "lb", Unit.organization_id.is_(None))).one()
    db.session.expire_all()
    assert units.unit_factor(pound) == Decimal("453.59237")
    assert db.session.get(Unit, pound.id).factor == Decimal("453.59237")


def test_sorting_by_value_survives_values_beyond_64_bits(org, owner):
    """Can the inventory list sort by value when Σ remaining × cost is far beyond a 64-bit integer?"""
    ensure_inventory_reference_data()
    for name, cost in (("Saffron", "900"), ("Vanilla", "800")):
        item = make_item(org, name=name, unit="g")
        inventory.restock(org, owner, item.id, quantity="900000000", unit_cost=cost)
    page = inventory.list_items(org, owner, sort="value")
    assert [item.name for item in page.items] == ["Saffron", "Vanilla"]
