"""Locations and transfers (issue 12 items 2–3): default location, FIFO within a location, transfers that keep
cost, expiry and received date, in-transit stock usable nowhere, the item's total never changing."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import InventoryEvent, InventoryLot, Location, Organization, User
from app.services import accounts, control_tower, inventory, tenancy
from app.services.errors import InsufficientStock, InvalidState, NotFound, ValidationFailed

from ...conftest import IS_POSTGRES
from ...factories import assert_invariants, make_lot

pytestmark = pytest.mark.usefixtures("reference_data")


def _item(org, owner, name="Lavender Oil"):
    return inventory.create_item(org, owner, name=name, kind="ingredient", unit="g")


def _lots(org, item_id):
    return list(db.session.scalars(tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == item_id)
                                   .order_by(InventoryLot.id)))


def test_every_new_organization_has_one_default_location(db):
    org = accounts.create_organization(name="Fern & Wick", owner_email="fern@wick.test",
                                       password="correct horse battery staple")
    locations = list(db.session.scalars(tenancy.scoped(Location, org)))
    assert [(loc.name, loc.kind, loc.is_default) for loc in locations] == [("Workshop", "workshop", True)]


def test_default_location_is_created_lazily_for_existing_orgs_and_restocks_land_there(org, owner):
    from app.services.inventory.locations import find_default_location

    assert find_default_location(org) is None
    item = _item(org, owner)
    event = inventory.restock(org, owner, item.id, quantity="10", unit_cost="1")
    default = inventory.default_location(org)
    assert default.is_default and default.name == "Workshop"
    assert event.lot.location_id == default.id
    names = [loc.name for loc in inventory.list_locations(org, owner)]
    assert names == ["Workshop"]


def test_create_location_validates_name_and_kind(org, owner):
    store = inventory.create_location(org, owner, name="Market Stall", kind="market")
    assert (store.kind, store.is_default) == ("market", False)
    with pytest.raises(ValidationFailed):
        inventory.create_location(org, owner, name="market stall")
    with pytest.raises(ValidationFailed):
        inventory.create_location(org, owner, name="Shed", kind="garage")
    with pytest.raises(ValidationFailed):
        inventory.create_location(org, owner, name="  ")
    assert [loc.name for loc in inventory.list_locations(org, owner)] == ["Workshop", "Market Stall"]


def test_restock_at_a_location_and_fifo_within_a_named_location(org, owner):
    item = _item(org, owner)
    store = inventory.create_location(org, owner, name="Shop", kind="store")
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    inventory.restock(org, owner, item.id, quantity="5", unit_cost="1", received_at=t0)  # workshop, oldest
    shop_old = inventory.restock(org, owner, item.id, quantity="4", unit_cost="2", received_at=t0 + timedelta(days=1),
                                 location_id=store.id).lot
    shop_new = inventory.restock(org, owner, item.id, quantity="4", unit_cost="3", received_at=t0 + timedelta(days=2),
                                 location_id=store.id).lot
    events = inventory.deduct(org, owner, item.id, "6", change_type="sale", location_id=store.id)
    assert [(e.lot_id, e.quantity) for e in events] == [(shop_old.id, Decimal("-4")), (shop_new.id, Decimal("-2"))]
    # Too little at the store (2 left) although the item has 7 → insufficient, nothing written.
    with pytest.raises(InsufficientStock):
        inventory.deduct(org, owner, item.id, "3", change_type="use", location_id=store.id)
    # Without a location: FIFO across all locations → the workshop's older lot first.
    events = inventory.deduct(org, owner, item.id, "1", change_type="use")
    assert events[0].lot.location_id == inventory.default_location(org).id
    assert_invariants(org, item.id)


def test_transfer_keeps_cost_expiry_received_date_and_total(org, owner):
    item = _item(org, owner)
    store = inventory.create_location(org, owner, name="Shop", kind="store")
    workshop = inventory.default_location(org)
    t0 = datetime(2026, 2, 1, 9, 30, tzinfo=timezone.utc)
    expiry = date.today() + timedelta(days=200)
    a = make_lot(org, item, "3", "1.25", received_at=t0, expires_on=expiry)
    b = make_lot(org, item, "10", "2.5", received_at=t0 + timedelta(days=3))
    transfer, lots = inventory.transfer_stock(org, owner, item_id=item.id, quantity="5", from_location_id=workshop.id,
                                              to_location_id=store.id)
    assert transfer.status == "received"
    assert [(lot.source_lot_id, lot.remaining_quantity, lot.unit_cost, lot.expires_on, lot.received_at,
             lot.location_id, lot.in_transit) for lot in lots] == [
        (a.id, Decimal("3"), Decimal("1.25"), expiry, t0, store.id, False),
        (b.id, Decimal("2"), Decimal("2.5"), None, t0 + timedelta(days=3), store.id, False)]
    db.session.refresh(item)
    assert item.quantity == Decimal("13")
    events = list(db.session.scalars(tenancy.scoped(InventoryEvent, org)
                                     .where(InventoryEvent.change_type.in_(["transfer_out", "transfer_in"]))))
    assert sorted(e.change_type for e in events) == ["transfer_in", "transfer_in", "transfer_out", "transfer_out"]
    assert sum(e.quantity for e in events) == 0
    summary = inventory.item_summary(org, item)
    assert {row["location_id"]: (row["quantity"], row["available"]) for row in summary.by_location} == {
        workshop.id: (Decimal("8"), Decimal("8")), store.id: (Decimal("5"), Decimal("5"))}
    assert_invariants(org, item.id)


def test_in_transit_stock_is_in_no_locations_available_until_received(org, owner):
    item = _item(org, owner)
    market = inventory.create_location(org, owner, name="Saturday market", kind="market")
    workshop = inventory.default_location(org)
    make_lot(org, item, "10", "1")
    transfer, lots = inventory.transfer_stock(org, owner, item_id=item.id, quantity="4",
                                              from_location_id=workshop.id, to_location_id=market.id,
                                              in_transit=True)
    assert transfer.status == "in_transit" and all(lot.in_transit for lot in lots)
    summary = inventory.item_summary(org, item)
    assert summary.available == Decimal("6")
    assert summary.in_transit == Decimal("4")
    assert [(r["location_id"], r["available"]) for r in summary.by_location] == [(workshop.id, Decimal("6"))]
    db.session.refresh(item)
    assert item.quantity == Decimal("10")
    # The market cannot sell what has not arrived; the reorder engine counts it as in transit.
    with pytest.raises(InsufficientStock):
        inventory.deduct(org, owner, item.id, "1", change_type="sale", location_id=market.id)
    assert inventory.in_transit_quantities(org, [item.id]) == {item.id: Decimal("4")}
    assert control_tower.reorder_for_items(org, [item])[item.id].in_transit == Decimal("4")
    inventory.receive_transfer(org, owner, transfer.id)
    summary = inventory.item_summary(org, item)
    assert (summary.available, summary.in_transit) == (Decimal("10"), Decimal("0"))
    inventory.deduct(org, owner, item.id, "4", change_type="sale", location_id=market.id)
    with pytest.raises(InvalidState):
        inventory.receive_transfer(org, owner, transfer.id)
    assert_invariants(org, item.id)


def test_transfer_rejects_same_location_too_little_and_writes_nothing(org, owner):
    item = _item(org, owner)
    store = inventory.create_location(org, owner, name="Shop", kind="store")
    workshop = inventory.default_location(org)
    make_lot(org, item, "3", "1")
    with pytest.raises(ValidationFailed):
        inventory.transfer_stock(org, owner, item_id=item.id, quantity="1", from_location_id=workshop.id,
                                 to_location_id=workshop.id)
    with pytest.raises(InsufficientStock):
        inventory.transfer_stock(org, owner, item_id=item.id, quantity="4", from_location_id=workshop.id,
                                 to_location_id=store.id)
    assert len(_lots(org, item.id)) == 1
    # Transfer events cannot be reversed one by one (the pair would break).
    _, lots = inventory.transfer_stock(org, owner, item_id=item.id, quantity="1", from_location_id=workshop.id,
                                       to_location_id=store.id)
    event = db.session.scalar(tenancy.scoped(InventoryEvent, org).where(InventoryEvent.lot_id == lots[0].id))
    with pytest.raises(InvalidState):
        inventory.reverse_event(org, owner, event.id)


def test_other_organizations_locations_and_transfers_are_not_found(org, owner, other_org, other_owner):
    item = _item(org, owner)
    make_lot(org, item, "5", "1")
    workshop = inventory.default_location(org)
    theirs = inventory.create_location(other_org, other_owner, name="Their shop", kind="store")
    with pytest.raises(NotFound):
        inventory.transfer_stock(org, owner, item_id=item.id, quantity="1", from_location_id=workshop.id,
                                 to_location_id=theirs.id)
    with pytest.raises(NotFound):
        inventory.restock(org, owner, item.id, quantity="1", location_id=theirs.id)
    store = inventory.create_location(org, owner, name="Shop", kind="store")
    transfer, _ = inventory.transfer_stock(org, owner, item_id=item.id, quantity="1", from_location_id=workshop.id,
                                           to_location_id=store.id, in_transit=True)
    with pytest.raises(NotFound):
        inventory.receive_transfer(other_org, other_owner, transfer.id)
    with pytest.raises(NotFound):
        inventory.get_location(other_org, other_owner, store.id)


@pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL row locks: set TEST_DATABASE_URL")
def test_concurrent_transfers_and_sales_from_one_location_never_oversell(app, org, owner):
    item = _item(org, owner)
    store = inventory.create_location(org, owner, name="Shop", kind="store")
    workshop = inventory.default_location(org)
    for _ in range(3):
        make_lot(org, item, "10", "1")
    make_lot(org, item, "10", "1")  # more stock at the workshop than the shop ever had
    inventory.transfer_stock(org, owner, item_id=item.id, quantity="12", from_location_id=workshop.id,
                             to_location_id=store.id)
    second = inventory.create_location(org, owner, name="Market", kind="market")
    org_id, user_id, item_id, store_id, market_id = org.id, owner.id, item.id, store.id, second.id
    db.session.commit()
    barrier = threading.Barrier(6)
    outcomes, errors = [], []

    def runner(number):
        with app.app_context():
            try:
                org_ = db.session.get(Organization, org_id)
                user_ = db.session.get(User, user_id)
                db.session.commit()
                barrier.wait(timeout=30)
                for _ in range(4):
                    try:
                        if number % 2:
                            inventory.deduct(org_, user_, item_id, "1", change_type="sale", location_id=store_id)
                        else:
                            inventory.transfer_stock(org_, user_, item_id=item_id, quantity="1",
                                                     from_location_id=store_id, to_location_id=market_id)
                        outcomes.append("ok")
                    except InsufficientStock:
                        outcomes.append("short")
            except Exception as exc:
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert outcomes.count("ok") == 12 and outcomes.count("short") == 12
    db.session.expire_all()
    summary = inventory.item_summary(org, item)
    places = {row["location_id"]: row["quantity"] for row in summary.by_location}
    assert places.get(store_id, Decimal(0)) == Decimal(0)
    assert places[workshop.id] == Decimal("28")
    assert_invariants(org, item_id)


def test_traceability_follows_a_transfer_both_ways(org, owner):
    from app.services import traceability

    item = _item(org, owner)
    store = inventory.create_location(org, owner, name="Shop", kind="store")
    source = make_lot(org, item, "10", "1")
    _, [moved] = inventory.transfer_stock(org, owner, item_id=item.id, quantity="4",
                                          from_location_id=inventory.default_location(org).id,
                                          to_location_id=store.id)
    forward = traceability.trace_lot(org, owner, source.code)
    assert [lot.id for lot in forward.forward.lots] == [moved.id]
    assert [child.obj.id for child in forward.forward_tree.children] == [moved.id]
    assert [lot.id for lot, _ in traceability.downstream_lots(org, source)] == [source.id, moved.id]
    backward = traceability.trace_lot(org, owner, moved.code)
    assert [lot.id for lot in backward.backward.lots] == [source.id]
    assert [child.obj.id for child in backward.backward_tree.children] == [source.id]


def test_lots_from_before_locations_count_at_the_default_location(org, owner):
    from app.models import InventoryItem
    from app.services.base import transaction

    from ...factories import bulk_items

    bulk_items(org, 1, start=1)  # a lot written without a location (rows from before the migration)
    item = db.session.scalar(tenancy.scoped(InventoryItem, org))
    [legacy] = _lots(org, item.id)
    assert legacy.location_id is None
    with transaction():
        default = inventory.default_location(org)
    store = inventory.create_location(org, owner, name="Shop", kind="store")
    summary = inventory.item_summary(org, item)
    assert [(row["location_id"], row["quantity"]) for row in summary.by_location] == [(default.id, Decimal("10"))]
    with pytest.raises(InsufficientStock):
        inventory.deduct(org, owner, item.id, "1", change_type="use", location_id=store.id)
    inventory.deduct(org, owner, item.id, "1", change_type="use", location_id=default.id)
    _, [moved] = inventory.transfer_stock(org, owner, item_id=item.id, quantity="2", from_location_id=default.id,
                                          to_location_id=store.id)
    assert moved.source_lot_id == legacy.id and moved.location_id == store.id
    assert_invariants(org, item.id)
