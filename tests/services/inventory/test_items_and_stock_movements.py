"""Inventory services: restock, FIFO deductions, recounts, credits, reversals, disposals, invariants."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import InventoryEvent, InventoryLot
from app.services import inventory, sequences, tenancy
from app.services.errors import (
    InsufficientStock,
    InvalidQuantity,
    InvalidState,
    NotFound,
    PermissionDenied,
    UnknownChangeType,
    UnknownUnit,
    ValidationFailed,
)
from app.services.inventory import stock_check

from ...factories import assert_invariants, make_item, make_lot, make_org, make_user

pytestmark = pytest.mark.usefixtures("reference_data")

D = Decimal
TODAY = datetime.now(timezone.utc).date()



@pytest.fixture()
def oil(org, owner):
    return inventory.create_item(org, owner, name="Olive Oil", kind="ingredient", unit="g", density="0.915",
                                 shelf_life_days=365)


def _lots(org, item):
    db.session.expire_all()
    return inventory.lots_in_consumption_order(org, make_user(org, role="viewer"), item.id, include_depleted=True)


def _event_count(org) -> int:
    return db.session.scalar(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id)))


def _restock(org, owner, item, quantity, cost, **kw):
    return inventory.adjust(org, owner, item.id, change_type="restock", quantity=quantity, unit_cost=cost, **kw)


def _ago(days: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


# ---- restock ---------------------------------------------------------------------------------------

def test_restock_creates_one_lot_with_codes_and_cost_per_item_unit(org, owner, oil):
    """Does a restock in kg create one lot in g, with its cost converted per g and coded LOT-/RST-?"""
    result = _restock(org, owner, oil, "2", "10", unit="kg", supplier_lot_code="S-77")
    [event] = result.events
    assert event.code == "RST-000001" and event.change_type == "restock" and event.quantity == D("2000")
    lot = event.lot
    assert lot.code == "LOT-000001" and lot.original_quantity == lot.remaining_quantity == D("2000")
    assert lot.unit_cost == D("0.01") and lot.supplier_lot_code == "S-77"
    assert lot.expires_on == TODAY + timedelta(days=365)
    assert result.item.quantity == D("2000")
    second = _restock(org, owner, oil, "1", "0.3").events[0]
    assert second.code == "RST-000002" and second.lot.code == "LOT-000002"
    assert_invariants(org)


def test_restock_keeps_the_total_cost_exact_when_units_differ(org, owner, oil):
    """Is quantity × cost preserved exactly when a pound price becomes a per-gram cost?"""
    event = _restock(org, owner, oil, "1", "9.99", unit="lb").events[0]
    assert event.quantity == D("453.59237")
    assert event.lot.unit_cost == (D("9.99") / D("453.59237")).quantize(D("1e-10"))
    assert_invariants(org)


def test_restock_dates_given_past_and_from_shelf_life(org, owner, oil):
    """Does a backdated receipt get received + shelf life, and an explicit expiry win?"""
    backdated = _restock(org, owner, oil, "5", "1", received_at=(TODAY - timedelta(days=10)).isoformat()).events[0]
    assert backdated.lot.received_at.date() == TODAY - timedelta(days=10)
    assert backdated.lot.expires_on == TODAY + timedelta(days=355)
    given = _restock(org, owner, oil, "5", "1", expires_at="2031-01-31T12:00:00Z").events[0]
    assert given.lot.expires_on == date(2031, 1, 31)
    no_shelf = inventory.create_item(org, owner, name="Jar", kind="container", unit="each")
    assert _restock(org, owner, no_shelf, "3", "1").events[0].lot.expires_on is None
    with pytest.raises(ValidationFailed) as err:
        _restock(org, owner, oil, "5", "1", received_at=(TODAY + timedelta(days=5)).isoformat())
    assert "received_at" in err.value.fields
    with pytest.raises(ValidationFailed):
        _restock(org, owner, oil, "5", "1", expires_at="31/01/2031")


def test_restock_custom_lot_code_must_be_unique(org, owner, oil):
    _restock(org, owner, oil, "5", "1", lot_code="OO-2026-A")
    with pytest.raises(ValidationFailed) as err:
        _restock(org, owner, oil, "5", "1", lot_code="OO-2026-A")
    assert "lot_code" in err.value.fields


@pytest.mark.parametrize("cost", ["-1", "1e7", "abc", "NaN"])
def test_restock_rejects_bad_unit_costs(org, owner, oil, cost):
    """Is a negative, absurd or non-numeric unit cost refused with nothing written?"""
    with pytest.raises(ValidationFailed) as err:
        _restock(org, owner, oil, "5", cost)
    assert "unit_cost" in err.value.fields
    assert _event_count(org) == 0


# ---- deductions ------------------------------------------------------------------------------------

def test_fifo_deduction_spans_lots_oldest_first_with_exact_costs(org, owner, oil):
    """Does a deduction take the oldest lots first, one event per lot, each at its own lot cost?"""
    _restock(org, owner, oil, "100", "0.10", received_at=_ago(3).isoformat())
    _restock(org, owner, oil, "50", "0.25", received_at=_ago(2).isoformat())
    _restock(org, owner, oil, "200", "0.05", received_at=_ago(1).isoformat())
    events = inventory.deduct(org, owner, oil.id, "170", change_type="use")
    assert [(e.quantity, e.unit_cost, e.lot.code) for e in events] == [
        (D("-100"), D("0.10"), "LOT-000001"), (D("-50"), D("0.25"), "LOT-000002"), (D("-20"), D("0.05"), "LOT-000003")]
    assert [e.code for e in events] == ["USE-000001", "USE-000002", "USE-000003"]
    assert sum(-e.quantity * e.unit_cost for e in events) == D("23.5")
    assert [lot.remaining_quantity for lot in _lots(org, oil)] == [D(0), D(0), D("180")]
    assert inventory.get_item(org, owner, oil.id).quantity == D("180")
    assert_invariants(org)


def test_backdated_receipt_is_consumed_first(org, owner, oil):
    """Is consumption order received_at, then creation order — not creation order alone?"""
    _restock(org, owner, oil, "10", "1")
    old = _restock(org, owner, oil, "10", "2", received_at=_ago(30).isoformat()).events[0].lot
    [event] = inventory.deduct(org, owner, oil.id, "4", change_type="use")
    assert event.lot_id == old.id and event.unit_cost == D("2")


@pytest.mark.parametrize("change_type,prefix", [
    ("use", "USE"), ("sale", "SAL"), ("sample", "SMP"), ("tester", "TST"), ("gift", "GFT"), ("batch", "BAT"),
    ("spoil", "SPL"), ("trash", "TRS"), ("damaged", "DMG"), ("expired", "EXP"), ("quality_fail", "QCF")])
def test_every_deduction_and_disposal_type_writes_a_negative_event(org, owner, oil, change_type, prefix):
    """Does each deduction/disposal change type post a negative event with its own code prefix?"""
    _restock(org, owner, oil, "10", "0.5")
    result = inventory.adjust(org, owner, oil.id, change_type=change_type, quantity="3", notes="why", batch_id=7)
    [event] = result.events
    assert event.change_type == change_type and event.code == f"{prefix}-000001"
    assert event.quantity == D("-3") and event.unit_cost == D("0.5") and event.notes == "why"
    assert event.batch_id == 7 and event.user_id == owner.id
    assert result.item.quantity == D("7")
    assert_invariants(org)


def test_expired_and_held_lots_are_skipped(org, owner, oil):
    """Are expired lots and lots on hold (cure date or recall) skipped by FIFO?"""
    expired = _restock(org, owner, oil, "10", "1", received_at=_ago(20).isoformat(),
                       expires_at=(TODAY - timedelta(days=1)).isoformat()).events[0].lot
    today_expiry = _restock(org, owner, oil, "10", "2", received_at=_ago(19).isoformat(),
                            expires_at=TODAY.isoformat()).events[0].lot
    cured = make_lot(org, inventory.get_item(org, owner, oil.id), "10", "3", received_at=_ago(18),
                     hold_until=TODAY + timedelta(days=3))
    recalled = make_lot(org, inventory.get_item(org, owner, oil.id), "10", "4", received_at=_ago(17), hold_reason="recall")
    fresh = _restock(org, owner, oil, "10", "5").events[0].lot
    events = inventory.deduct(org, owner, oil.id, "15", change_type="use")
    assert [e.lot_id for e in events] == [today_expiry.id, fresh.id]  # expires today: still usable today
    assert stock_check.available_quantity(org, inventory.get_item(org, owner, oil.id)) == D("5")
    with pytest.raises(InsufficientStock) as err:
        inventory.deduct(org, owner, oil.id, "6", change_type="use")
    assert "Olive Oil" in err.value.fields
    remaining = {lot.id: lot.remaining_quantity for lot in _lots(org, oil)}
    assert remaining[expired.id] == remaining[cured.id] == remaining[recalled.id] == D("10")
    assert_invariants(org)


def test_insufficient_stock_writes_nothing(org, owner, oil):
    _restock(org, owner, oil, "10", "1")
    before = _event_count(org)
    with pytest.raises(InsufficientStock) as err:
        inventory.adjust(org, owner, oil.id, change_type="sale", quantity="10.000001")
    assert err.value.code == "insufficient_stock"
    assert _event_count(org) == before
    assert inventory.get_item(org, owner, oil.id).quantity == D("10")


def test_deduction_from_a_named_lot(org, owner, oil):
    """Does lot_code consume only that lot, even when it is not the oldest?"""
    _restock(org, owner, oil, "10", "1", received_at=_ago(2).isoformat())
    newer = _restock(org, owner, oil, "10", "2").events[0].lot
    [event] = inventory.adjust(org, owner, oil.id, change_type="use", quantity="4", lot_code=newer.code).events
    assert event.lot_id == newer.id and event.unit_cost == D("2")
    with pytest.raises(InsufficientStock):
        inventory.adjust(org, owner, oil.id, change_type="use", quantity="7", lot_code=newer.code)
    assert_invariants(org)


def test_named_lot_must_belong_to_the_item_and_be_usable(org, owner, oil):
    """Is a lot code of another item, an unknown code, or an expired lot refused for use (but disposable)?"""
    other = inventory.create_item(org, owner, name="Shea", kind="ingredient", unit="g")
    other_lot = _restock(org, owner, other, "10", "1").events[0].lot
    expired = _restock(org, owner, oil, "10", "1", expires_at=(TODAY - timedelta(days=3)).isoformat()).events[0].lot
    for code in ("LOT-999999", other_lot.code):
        with pytest.raises(ValidationFailed) as err:
            inventory.adjust(org, owner, oil.id, change_type="use", quantity="1", lot_code=code)
        assert err.value.code == "validation_error" and "lot_code" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        inventory.adjust(org, owner, oil.id, change_type="use", quantity="1", lot_code=expired.code)
    assert "expired" in err.value.fields["lot_code"]
    [event] = inventory.adjust(org, owner, oil.id, change_type="expired", quantity="10", lot_code=expired.code).events
    assert event.lot_id == expired.id and event.code.startswith("EXP-")
    assert_invariants(org)


# ---- recount ---------------------------------------------------------------------------------------

def test_recount_down_draws_fifo_from_usable_then_other_lots(org, owner, oil):
    """Does a lower count take usable lots oldest-first, then expired ones, with RCN events?"""
    expired = _restock(org, owner, oil, "10", "1", received_at=_ago(9).isoformat(),
                       expires_at=(TODAY - timedelta(days=1)).isoformat()).events[0].lot
    usable = _restock(org, owner, oil, "10", "2").events[0].lot
    events = inventory.adjust(org, owner, oil.id, change_type="recount", quantity="4").events
    assert [(e.lot_id, e.quantity, e.code) for e in events] == [
        (usable.id, D("-10"), "RCN-000001"), (expired.id, D("-6"), "RCN-000002")]
    assert inventory.get_item(org, owner, oil.id).quantity == D("4")
    assert_invariants(org)


def test_recount_up_adds_a_lot_at_the_latest_cost_and_zero_empties(org, owner, oil):
    """Does a higher count add a lot costed like the latest lot, and a zero count empty every lot?"""
    _restock(org, owner, oil, "10", "1.5")
    [event] = inventory.adjust(org, owner, oil.id, change_type="recount", quantity="0.0135", unit="kg").events
    assert event.quantity == D("3.5") and event.unit_cost == D("1.5") and event.change_type == "recount"
    assert event.lot.code == "LOT-000002"
    assert inventory.adjust(org, owner, oil.id, change_type="recount", quantity="13.5").events == []
    assert len(inventory.adjust(org, owner, oil.id, change_type="recount", quantity=0).events) == 2
    assert inventory.get_item(org, owner, oil.id).quantity == 0
    fresh = inventory.create_item(org, owner, name="Fresh", kind="ingredient", unit="g")
    [first] = inventory.adjust(org, owner, fresh.id, change_type="recount", quantity="5").events
    assert first.unit_cost == 0
    with pytest.raises(InvalidQuantity):
        inventory.adjust(org, owner, oil.id, change_type="recount", quantity="-1")
    assert_invariants(org)


# ---- credits, reversals, disposals ---------------------------------------------------------------

def test_credit_goes_back_to_the_exact_lot_and_never_beyond_original(org, owner, oil):
    """Is a return credited to the named lot (not the oldest), capped at what the lot received?"""
    first = _restock(org, owner, oil, "10", "1", received_at=_ago(2).isoformat()).events[0].lot
    second = _restock(org, owner, oil, "10", "2").events[0].lot
    inventory.deduct(org, owner, oil.id, "15", change_type="sale")
    [event] = inventory.adjust(org, owner, oil.id, change_type="returned", quantity="3", lot_code=second.code).events
    assert event.lot_id == second.id and event.quantity == D("3") and event.unit_cost == D("2")
    assert event.code == "RET-000001"
    with pytest.raises(ValidationFailed) as err:
        inventory.credit_lot(org, owner, second.id, "3", change_type="batch_cancelled")
    assert "quantity" in err.value.fields
    assert inventory.credit_lot(org, owner, first.id, "10", change_type="batch_cancelled", batch_id=4).code == \
        "BCN-000001"
    with pytest.raises(ValidationFailed) as err:
        inventory.adjust(org, owner, oil.id, change_type="returned", quantity="1")
    assert "lot_code" in err.value.fields
    with pytest.raises(ValidationFailed):
        inventory.credit_lot(org, owner, first.id, "1", change_type="use")
    assert_invariants(org)


def test_reverse_event_credits_or_debits_the_same_lot_once(org, owner, oil):
    """Does a reversal post the opposite quantity on the same lot, only once, never a reversal of a reversal?"""
    lot = _restock(org, owner, oil, "10", "1").events[0].lot
    [use] = inventory.deduct(org, owner, oil.id, "4", change_type="use")
    reversal = inventory.reverse_event(org, owner, use.id)
    assert (reversal.lot_id, reversal.quantity, reversal.change_type) == (lot.id, D("4"), "reversal")
    assert reversal.code == "REV-000001" and reversal.reverses_event_id == use.id
    with pytest.raises(InvalidState):
        inventory.reverse_event(org, owner, use.id)
    with pytest.raises(InvalidState):
        inventory.reverse_event(org, owner, reversal.id)
    inventory.deduct(org, owner, oil.id, "5", change_type="use")
    restock_event = tenancy.find_for_org(InventoryEvent, org, change_type="restock")
    with pytest.raises(InvalidState):  # part of the lot was used since
        inventory.reverse_event(org, owner, restock_event.id)
    assert_invariants(org)
    other = _restock(org, owner, oil, "2", "3").events[0]
    inventory.reverse_event(org, owner, other.id)
    assert _lots(org, oil)[-1].remaining_quantity == 0
    assert_invariants(org)


def test_dispose_lot_and_dispose_expired_lot(org, owner, oil):
    """Does disposing an expired lot post an `expired` event on exactly that lot, and refuse a fresh lot?"""
    old = _restock(org, owner, oil, "7", "1", received_at=_ago(5).isoformat(),
                   expires_at=(TODAY - timedelta(days=1)).isoformat()).events[0].lot
    fresh = _restock(org, owner, oil, "5", "1").events[0].lot
    with pytest.raises(InvalidState):
        inventory.dispose_expired_lot(org, owner, fresh.id)
    event = inventory.dispose_expired_lot(org, owner, old.id, notes="smelled off")
    assert (event.lot_id, event.quantity, event.change_type) == (old.id, D("-7"), "expired")
    with pytest.raises(InvalidState):
        inventory.dispose_lot(org, owner, old.id)
    spoiled = inventory.dispose_lot(org, owner, fresh.id, change_type="spoil")
    assert spoiled.quantity == D("-5") and spoiled.code.startswith("SPL-")
    with pytest.raises(ValidationFailed):
        inventory.dispose_lot(org, owner, fresh.id, change_type="use")
    assert_invariants(org)


def test_deduct_many_checks_every_line_before_writing(org, owner, oil):
    """Does a multi-item deduction name every short line and write nothing, or write all lines?"""
    lye = inventory.create_item(org, owner, name="Lye", kind="ingredient", unit="g")
    water = inventory.create_item(org, owner, name="Water", kind="ingredient", unit="mL")
    _restock(org, owner, oil, "1000", "0.01")
    _restock(org, owner, lye, "100", "0.02")
    before = _event_count(org)
    with pytest.raises(InsufficientStock) as err:
        inventory.deduct_many(org, owner, [(oil.id, "0.5", "kg"), (lye.id, "150", "g"), (water.id, "1", "L")],
                              change_type="batch", batch_id=1)
    assert set(err.value.fields) == {"Lye", "Water"}
    assert {s["item_id"] for s in err.value.shortages} == {lye.id, water.id}
    assert _event_count(org) == before
    result = inventory.deduct_many(org, owner, [(lye.id, "50", None), (oil.id, "0.5", "kg"), (oil.id, "100", "g")],
                                   change_type="batch", batch_id=1)
    assert [e.quantity for e in result[oil.id]] == [D("-600")]
    assert [e.quantity for e in result[lye.id]] == [D("-50")]
    assert all(e.batch_id == 1 for events in result.values() for e in events)
    with pytest.raises(NotFound):
        inventory.deduct_many(org, owner, [(999999, "1", "g")], change_type="batch")
    assert_invariants(org)


# ---- bad input, permissions, tenancy --------------------------------------------------------------

@pytest.mark.parametrize("quantity", ["abc", "-1", "0", 0, "NaN", "inf", "-inf", True, None, "", "1e9", 10**12,
                                      "1_000", [1], {"q": 1}])
def test_bad_quantities_are_invalid_quantity(org, owner, oil, quantity):
    _restock(org, owner, oil, "10", "1")
    with pytest.raises(InvalidQuantity) as err:
        inventory.adjust(org, owner, oil.id, change_type="use", quantity=quantity)
    assert err.value.code == "invalid_quantity" and "quantity" in err.value.fields
    assert _event_count(org) == 1


def test_unknown_change_type_and_unit(org, owner, oil):
    for change_type in ("steal", "reversal", None, 5):
        with pytest.raises(UnknownChangeType):
            inventory.adjust(org, owner, oil.id, change_type=change_type, quantity="1")
    with pytest.raises(UnknownUnit):
        inventory.adjust(org, owner, oil.id, change_type="restock", quantity="1", unit="parsec")
    with pytest.raises(InvalidQuantity):  # 0.1 mg is below a millionth of a g? no — 1e-7 kg is
        inventory.adjust(org, owner, oil.id, change_type="restock", quantity="0.0000000001", unit="kg")
    assert _event_count(org) == 0


def test_permissions_and_other_organizations(org, owner, viewer, oil):
    """Can a viewer not adjust, and is another organization's item invisible (NotFound)?"""
    _restock(org, owner, oil, "10", "1")
    with pytest.raises(PermissionDenied):
        inventory.adjust(org, viewer, oil.id, change_type="use", quantity="1")
    stranger_org = make_org("Elsewhere")
    stranger = make_user(stranger_org, role="owner")
    with pytest.raises(NotFound):
        inventory.adjust(stranger_org, stranger, oil.id, change_type="use", quantity="1")
    with pytest.raises(NotFound):
        inventory.get_item(stranger_org, owner, oil.id)
    with pytest.raises(NotFound):
        inventory.get_lot_by_code(stranger_org, owner, "LOT-000001")
    assert inventory.get_lot_by_code(org, owner, "LOT-000001").item_id == oil.id
    assert_invariants(org)


def test_sequences_count_per_organization_and_key(org, other_org):
    """Do counters start at 1 per organization and key, and reserve ranges atomically?"""
    from app.services.base import transaction

    with transaction():
        assert [sequences.next_value(org, "lot") for _ in range(3)] == [1, 2, 3]
        assert sequences.next_value(other_org, "lot") == 1
        assert sequences.next_value(org, "event:USE") == 1
        assert sequences.next_value(org, "lot", 5) == 8
        assert sequences.next_code(org, "lot", "LOT") == "LOT-000009"


# ---- items -----------------------------------------------------------------------------------------

def test_create_item_validates_every_field(org, owner):
    ok = inventory.create_item(org, owner, name="  Beeswax ", kind="ingredient", unit="KG", reorder_point="2",
                               allergens=["none"], capacity=None)
    assert ok.name == "Beeswax" and ok.unit == "kg" and ok.reorder_point == D("2") and ok.allergens == "none"
    cases = [
        (dict(name=""), "name"), (dict(kind="gadget"), "kind"), (dict(unit="furlong"), "unit"),
        (dict(density="-1"), "density"), (dict(density="abc"), "density"), (dict(shelf_life_days=0), "shelf_life_days"),
        (dict(shelf_life_days="x"), "shelf_life_days"), (dict(reorder_point="-5"), "reorder_point"),
        (dict(name="beeswax"), "name"), (dict(supplier_id=123456), "supplier_id"), (dict(name="x" * 121), "name"),
        (dict(capacity="4"), "capacity_unit"), (dict(global_item_id=999999), "global_item_id"),
    ]
    for override, field in cases:
        fields = dict(name="Candelilla", kind="ingredient", unit="g") | override
        with pytest.raises(ValidationFailed) as err:
            inventory.create_item(org, owner, **fields)
        assert field in err.value.fields, (override, err.value.fields)


def test_library_link_copies_identity_and_locks_it(org, owner):
    """Does a linked item take the library's name, INCI and density, locked until unlinked?"""
    from app.services import library

    entry = library.list_library(q="Olive Oil").items[0]
    item = inventory.create_item(org, owner, name="my oil", kind="ingredient", unit="g", global_item_id=entry.id)
    assert (item.name, item.inci_name, item.density) == (entry.name, entry.inci, entry.density)
    assert item.shelf_life_days == entry.shelf_life_days
    with pytest.raises(ValidationFailed) as err:
        inventory.update_item(org, owner, item.id, name="Renamed")
    assert "unlink" in err.value.fields["name"].lower()
    inventory.update_item(org, owner, item.id, name=entry.name, reorder_point="5")  # unchanged identity is fine
    inventory.update_item(org, owner, item.id, global_item_id=None, name="Renamed", density="0.9")
    item = inventory.get_item(org, owner, item.id)
    assert item.global_item_id is None and item.name == "Renamed" and item.density == D("0.9")
    inventory.link_library_item(org, owner, item.id, entry.id)
    assert inventory.get_item(org, owner, item.id).density == entry.density
    inventory.unlink_library_item(org, owner, item.id)
    assert inventory.get_item(org, owner, item.id).global_item_id is None


def test_unit_changes_only_before_stock_and_archive_restore(org, owner, oil):
    inventory.update_item(org, owner, oil.id, unit="kg")
    _restock(org, owner, oil, "1", "1")
    with pytest.raises(ValidationFailed) as err:
        inventory.update_item(org, owner, oil.id, unit="g")
    assert "unit" in err.value.fields
    inventory.archive_item(org, owner, oil.id)
    assert inventory.list_items(org, owner).total == 0
    assert inventory.list_items(org, owner, include_archived=True).total == 1
    with pytest.raises(InvalidState):
        _restock(org, owner, oil, "1", "1")
    inventory.create_item(org, owner, name="Olive Oil", kind="ingredient", unit="g")
    with pytest.raises(ValidationFailed):
        inventory.restore_item(org, owner, oil.id)


# ---- reads -----------------------------------------------------------------------------------------

def test_item_summaries_value_availability_and_alerts(org, owner, oil):
    """Are available, value, average cost, expired / expiring quantities and low stock computed per item?"""
    inventory.update_item(org, owner, oil.id, reorder_point="30")
    _restock(org, owner, oil, "10", "0.3", expires_at=(TODAY - timedelta(days=1)).isoformat())
    _restock(org, owner, oil, "20", "0.15", expires_at=(TODAY + timedelta(days=5)).isoformat())
    _restock(org, owner, oil, "5", "1")
    empty = inventory.create_item(org, owner, name="Empty", kind="ingredient", unit="g")
    summaries = inventory.item_summaries(org, [inventory.get_item(org, owner, oil.id), empty])
    s = summaries[oil.id]
    assert s.available == D("25") and s.value == D("11") and s.avg_unit_cost == (D("11") / 35).quantize(D("1e-10"))
    assert s.expired_qty == D("10") and s.expiring_qty == D("20") and s.lots_count == 3
    assert s.low_stock is True and s["available"] == D("25")
    e = summaries[empty.id]
    assert (e.available, e.value, e.avg_unit_cost, e.low_stock) == (0, 0, None, False)


def test_list_items_search_filter_sort_and_pages(org, owner):
    for name, kind, qty, cost in [("Shea Butter", "ingredient", "10", "1"), ("Amber Jar", "container", "50", "0.1"),
                                  ("Cocoa Butter", "ingredient", "5", "10"), ("Label", "packaging", "1", "0.01")]:
        item = inventory.create_item(org, owner, name=name, kind=kind, unit="each")
        _restock(org, owner, item, qty, cost)
    names = lambda page: [i.name for i in page.items]  # noqa: E731
    assert names(inventory.list_items(org, owner)) == ["Amber Jar", "Cocoa Butter", "Label", "Shea Butter"]
    assert names(inventory.list_items(org, owner, q="butter")) == ["Cocoa Butter", "Shea Butter"]
    assert names(inventory.list_items(org, owner, q="50%")) == []
    assert names(inventory.list_items(org, owner, kind="container")) == ["Amber Jar"]
    assert names(inventory.list_items(org, owner, sort="quantity")) == ["Amber Jar", "Shea Butter", "Cocoa Butter", "Label"]
    assert names(inventory.list_items(org, owner, sort="value")) == ["Cocoa Butter", "Shea Butter", "Amber Jar", "Label"]
    assert names(inventory.list_items(org, owner, sort="kind"))[0] == "Amber Jar"
    page = inventory.list_items(org, owner, page=2, per_page=3)
    assert (names(page), page.total, page.pages, page.has_prev, page.has_next) == (["Shea Butter"], 4, 2, True, False)
    with pytest.raises(ValidationFailed):
        inventory.list_items(org, owner, kind="gadget")


def test_list_events_newest_first_with_users_loaded(org, owner, member, oil):
    """Is the ledger newest first, with users and lots loaded in a fixed number of queries?"""
    from ...helpers import count_queries

    _restock(org, owner, oil, "10", "1")
    inventory.deduct(org, member, oil.id, "1", change_type="use")
    inventory.deduct(org, owner, oil.id, "2", change_type="sale")

    def read():
        db.session.expire_all()
        with count_queries() as q:
            page = inventory.list_events(org, owner, oil.id, page=1, per_page=50)
            emails = [e.user.email for e in page.items]
            codes = [e.lot.code for e in page.items]
        return page, emails, codes, q.count

    page, emails, codes, few = read()
    assert [e.change_type for e in page.items] == ["sale", "use", "restock"]
    assert emails == [owner.email, member.email, owner.email] and set(codes) == {"LOT-000001"}
    for _ in range(5):
        _restock(org, member, oil, "1", "1")
        inventory.deduct(org, owner, oil.id, "1", change_type="gift")
    assert read()[3] == few
    assert [lot.code for lot in inventory.lots_in_consumption_order(org, owner, oil.id)] == [
        f"LOT-00000{n}" for n in range(1, 7)]  # the gifts came out of LOT-000001, the oldest


def _bulk(org, count, start=0):
    from app.models import InventoryItem

    now = datetime.now(timezone.utc)
    for index in range(start, start + count):
        item = InventoryItem(organization_id=org.id, name=f"Bulk {index:04d}", kind="ingredient", unit="g",
                             quantity=D("10"), reorder_point=D("20") if index % 2 else None, allergens="", notes="")
        db.session.add(item)
        db.session.flush()
        lot = InventoryLot(organization_id=org.id, item_id=item.id, code=f"B-{index}", received_at=now,
                           original_quantity=D("10"), remaining_quantity=D("10"), unit_cost=D("0.5"), notes="",
                           expires_on=TODAY + timedelta(days=index % 40 - 5))
        db.session.add(lot)
        db.session.flush()
        db.session.add(InventoryEvent(organization_id=org.id, code=f"RST-B{index}", item_id=item.id, lot_id=lot.id,
                                      change_type="restock", quantity=D("10"), unit_cost=D("0.5"), notes=""))
    db.session.commit()


@pytest.mark.parametrize("sort", ["name", "value"])
def test_list_page_query_count_does_not_grow_with_items(org, sort, owner):
    """Does a list page plus its summaries cost the same number of queries for 5 and 500 items?"""
    from ...helpers import count_queries

    counts = []
    for total in (5, 500):
        _bulk(org, total - 5 if counts else total, start=5 if counts else 0)
        db.session.expire_all()
        with count_queries() as q:
            page = inventory.list_items(org, owner, sort=sort, per_page=200)
            summaries = inventory.item_summaries(org, page.items)
            assert all(summaries[i.id].value == D("5") for i in page.items)
        counts.append(q.count)
    assert counts[0] == counts[1] <= 7, counts  # count + page + lots (+ the expired org and actor rows reloading)


def test_fefo_organizations_consume_the_first_expiring_lot_first(org, owner, db):
    """With consumption order FEFO, does a deduction take the soonest-expiring usable lot (no-expiry last)?"""
    from datetime import date, datetime, timezone

    from app.services import inventory

    org.consumption_order = "fefo"
    db.session.commit()
    oil = make_item(org, name="Hemp Oil", unit="g")
    never = make_lot(org, oil, "100", "1", received_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    late = make_lot(org, oil, "100", "2", received_at=datetime(2026, 2, 1, tzinfo=timezone.utc),
                    expires_on=date(2030, 1, 1))
    soon = make_lot(org, oil, "100", "3", received_at=datetime(2026, 3, 1, tzinfo=timezone.utc),
                    expires_on=date(2029, 1, 1))
    assert [lot.id for lot in inventory.lots_in_consumption_order(org, owner, oil.id)] == [soon.id, late.id, never.id]
    events = inventory.deduct(org, owner, oil.id, "150", change_type="use")
    assert [(event.lot_id, event.quantity) for event in events] == [(soon.id, Decimal("-100")),
                                                                     (late.id, Decimal("-50"))]
    org.consumption_order = "fifo"
    db.session.commit()
    assert inventory.lots_in_consumption_order(org, owner, oil.id)[0].id == never.id
    assert_invariants(org)
