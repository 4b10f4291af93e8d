"""Batch lifecycle: start/finish/fail/cancel, exact FIFO costs, all-or-nothing, labels under concurrency."""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import Batch, InventoryEvent, InventoryLot
from app.services import batches, recipes, tenancy
from app.services.errors import InsufficientStock, InvalidQuantity, InvalidState, NotFound, PermissionDenied
from app.services.inventory import fifo

from ...conftest import IS_POSTGRES
from ...factories import assert_invariants, make_item, make_lot, make_org, make_user


@pytest.fixture()
def kitchen(org, owner):
    """Two oils in two lots each, a lye lot, a product and a recipe using 700 g oil + 100 g lye for 10 bars."""
    oil = make_item(org, name="Olive Oil", unit="g", shelf_life_days=365)
    lye = make_item(org, name="Lye", unit="g")
    bar = make_item(org, name="Castile Bar", kind="product", unit="each", shelf_life_days=540)
    lots = {
        "oil_old": make_lot(org, oil, "500", "0.01", received_at=datetime(2026, 1, 1, tzinfo=timezone.utc)),
        "oil_new": make_lot(org, oil, "1000", "0.012", received_at=datetime(2026, 2, 1, tzinfo=timezone.utc)),
        "lye_lot": make_lot(org, lye, "300", "0.005"),
    }
    recipe = recipes.create_recipe(org, owner, name="Castile", yield_quantity="10", yield_unit="each",
                                   output_item_id=bar.id, lines=[{"item_id": oil.id, "quantity": "700", "unit": "g"},
                                                                 {"item_id": lye.id, "quantity": "100", "unit": "g"}])
    return {"oil": oil, "lye": lye, "bar": bar, "recipe": recipe, **lots}


def _snapshot(org):
    """Every lot's remaining quantity, every event id, every batch id: 'the database exactly as before'."""
    from app.extensions import db

    db.session.expire_all()
    return ({lot.id: lot.remaining_quantity for lot in db.session.scalars(tenancy.scoped(InventoryLot, org))},
            sorted(db.session.scalars(tenancy.scoped(InventoryEvent, org, InventoryEvent.id))),
            sorted(db.session.scalars(tenancy.scoped(Batch, org, Batch.id))))


def test_start_deducts_oldest_lots_first_across_lot_boundaries_with_exact_costs(kitchen, org, owner):
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    record = batches.batch_record(org, owner, batch.id)
    taken = [(lot.code, row.quantity, row.unit_cost, row.cost) for row, _, lot in record.consumption]
    assert taken == [
        (kitchen["oil_old"].code, Decimal("500"), Decimal("0.01"), Decimal("5")),
        (kitchen["oil_new"].code, Decimal("200"), Decimal("0.012"), Decimal("2.4")),
        (kitchen["lye_lot"].code, Decimal("100"), Decimal("0.005"), Decimal("0.5")),
    ]
    assert batch.input_cost == Decimal("7.9")
    assert batch.label == f"CAST-{datetime.now(timezone.utc).year}-001"
    assert batch.status == "in_progress"
    assert_invariants(org)


def test_finish_makes_an_output_lot_costing_input_cost_over_yield(kitchen, org, owner):
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    batches.finish_batch(org, owner, batch.id, yield_quantity="9", waste_quantity="1")
    record = batches.batch_record(org, owner, batch.id)
    (output, item, lot), = record.outputs
    assert item.id == kitchen["bar"].id
    assert lot.original_quantity == Decimal("9")
    assert lot.unit_cost == (Decimal("7.9") / Decimal("9")).quantize(Decimal("1E-10"))
    assert lot.expires_on is not None
    assert batch.yield_variance == Decimal("-1") and batch.status == "completed"
    assert kitchen["bar"].quantity == Decimal("9")
    assert_invariants(org)


def test_finishing_or_cancelling_a_cancelled_batch_is_409(kitchen, org, owner):
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    batches.cancel_batch(org, owner, batch.id)
    with pytest.raises(InvalidState) as error:
        batches.finish_batch(org, owner, batch.id, yield_quantity="10")
    assert error.value.status == 409
    with pytest.raises(InvalidState):
        batches.cancel_batch(org, owner, batch.id)


def test_cancel_credits_the_very_lots_consumed(kitchen, org, owner):
    before, _, _ = _snapshot(org)
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    make_lot(org, kitchen["oil"], "50", "0.5")  # a newer lot must not receive the credit
    batches.cancel_batch(org, owner, batch.id)
    after, _, _ = _snapshot(org)
    for lot_id, remaining in before.items():
        assert after[lot_id] == remaining
    from app.extensions import db

    credits = db.session.scalars(tenancy.scoped(InventoryEvent, org)
                                 .where(InventoryEvent.change_type == "batch_cancelled"))
    lots_credited = {event.lot_id for event in credits}
    assert lots_credited == {kitchen["oil_old"].id, kitchen["oil_new"].id, kitchen["lye_lot"].id}
    assert_invariants(org)


def test_shortfall_names_each_short_line_and_deducts_nothing(kitchen, org, owner):
    before = _snapshot(org)
    with pytest.raises(InsufficientStock) as error:
        batches.start_batch(org, owner, kitchen["recipe"].id, "4")  # needs 2800 g oil, 400 g lye
    assert "Olive Oil" in error.value.fields and "Lye" in error.value.fields
    assert str(kitchen["oil"].id) in error.value.fields
    assert _snapshot(org) == before


@pytest.mark.parametrize("step", ["start", "finish", "cancel"])
def test_a_failure_midway_leaves_the_database_exactly_as_before(kitchen, org, owner, monkeypatch, step):
    batch = None if step == "start" else batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    before = _snapshot(org)
    calls = {"n": 0}
    real_move, real_apply, real_new = fifo.move_lot, fifo.apply_plan, fifo.new_lot

    def explode_second(real):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("power cut")
            return real(*args, **kwargs)
        return wrapper

    from app.services.inventory import movements

    monkeypatch.setattr(movements, "apply_plan", explode_second(real_apply))
    monkeypatch.setattr(movements, "move_lot", explode_second(real_move))
    monkeypatch.setattr(movements, "new_lot", explode_second(real_new))
    with pytest.raises(RuntimeError):
        if step == "start":
            batches.start_batch(org, owner, kitchen["recipe"].id, "1")
        elif step == "finish":
            batches.finish_batch(org, owner, batch.id, outputs=[
                {"item_id": kitchen["bar"].id, "quantity": "5"}, {"item_id": kitchen["bar"].id, "quantity": "5"}],
                yield_quantity="10")
        else:
            batches.cancel_batch(org, owner, batch.id)
    assert _snapshot(org) == before
    if batch is not None:
        from app.extensions import db

        db.session.expire_all()
        assert db.session.get(Batch, batch.id).status == "in_progress"


def test_fail_keeps_consumption_as_a_loss(kitchen, org, owner):
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    batches.fail_batch(org, owner, batch.id, reason="Seized in the pot")
    assert batch.status == "failed" and batch.loss_cost == Decimal("7.9")
    assert kitchen["oil"].quantity == Decimal("800")
    assert_invariants(org)


def test_extras_substitutions_timers_and_notes(kitchen, org, owner):
    lard = make_item(org, name="Lard", unit="g")
    make_lot(org, lard, "1000", "0.004")
    batch = batches.start_batch(org, owner, kitchen["recipe"].id, "1")
    batches.add_extra(org, owner, batch.id, item_id=kitchen["lye"].id, quantity="10")
    assert batch.input_cost == Decimal("7.95")
    batches.substitute(org, owner, batch.id, replace_item_id=kitchen["oil"].id, with_item_id=lard.id,
                       quantity="700")
    assert batch.input_cost == Decimal("0.55") + Decimal("2.8")
    assert kitchen["oil"].quantity == Decimal("1500")
    timer = batches.start_timer(org, owner, batch.id, label="Trace", duration_minutes="20")
    batches.stop_timer(org, owner, timer.id)
    batches.add_note(org, owner, batch.id, "Good trace at 6 minutes")
    record = batches.batch_record(org, owner, batch.id)
    assert [entry.kind for entry, _ in record.log] == ["started", "extra", "substitution", "timer", "timer", "note"]
    assert_invariants(org)


def test_containers_are_deducted_at_finish_and_added_per_unit(org, owner):
    wax = make_item(org, name="Soy Wax", unit="g")
    tin = make_item(org, name="Tin 8 oz", kind="container", unit="each")
    candle = make_item(org, name="Candle 8 oz", kind="product", unit="each")
    make_lot(org, wax, "2000", "0.01")
    make_lot(org, tin, "10", "1.5")
    recipe = recipes.create_recipe(org, owner, name="Candle", yield_quantity="4", yield_unit="each",
                                   output_item_id=candle.id, portion_count=4, portion_name="candle",
                                   lines=[{"item_id": wax.id, "quantity": "800", "unit": "g"},
                                          {"item_id": tin.id, "quantity": "1", "unit": "each", "role": "container",
                                           "basis": "portion"}])
    batch = batches.start_batch(org, owner, recipe.id, "1")
    assert tin.quantity == Decimal("10")  # containers wait for the finish
    batches.finish_batch(org, owner, batch.id, yield_quantity="4")
    assert tin.quantity == Decimal("6")
    (_, _, lot), = batches.batch_record(org, owner, batch.id).outputs
    assert lot.unit_cost == Decimal("2") + Decimal("1.5")  # 8 / 4 wax + one tin each
    assert_invariants(org)


def test_bad_input_and_tenancy(kitchen, org, owner, viewer, other_org):
    with pytest.raises(InvalidQuantity):
        batches.start_batch(org, owner, kitchen["recipe"].id, "0")
    with pytest.raises(InvalidQuantity):
        batches.start_batch(org, owner, kitchen["recipe"].id, "-2")
    with pytest.raises(NotFound):
        batches.start_batch(org, owner, 999999, "1")
    stranger = make_user(other_org, role="owner")
    with pytest.raises(NotFound):
        batches.start_batch(other_org, stranger, kitchen["recipe"].id, "1")
    with pytest.raises(PermissionDenied):
        batches.start_batch(org, viewer, kitchen["recipe"].id, "1")
    from app.extensions import db

    assert db.session.scalar(tenancy.scoped(Batch, org, func.count(Batch.id))) == 0


@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent starts need PostgreSQL (SQLite serialises writers)")
def test_labels_never_collide_with_8_concurrent_starts(app, db):
    org = make_org(tier="team")
    owner = make_user(org, role="owner")
    oil = make_item(org, name="Oil", unit="g")
    make_lot(org, oil, "100000", "0.01")
    recipe = recipes.create_recipe(org, owner, name="Rush Soap", yield_quantity="1", yield_unit="kg",
                                   lines=[{"item_id": oil.id, "quantity": "100", "unit": "g"}])
    org_id, owner_id, recipe_id = org.id, owner.id, recipe.id
    labels, errors = [], []
    barrier = threading.Barrier(8)

    def worker():
        with app.app_context():
            from app.models import Organization, User

            try:
                me = db.session.get(User, owner_id)
                mine = db.session.get(Organization, org_id)
                barrier.wait(timeout=10)
                labels.append(batches.start_batch(mine, me, recipe_id, "1").label)
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(labels) == 8 and len(set(labels)) == 8
    year = datetime.now(timezone.utc).year
    assert sorted(labels) == [f"RS-{year}-{n:03d}" for n in range(1, 9)]
    db.session.expire_all()
    assert db.session.get(type(oil), oil.id).quantity == Decimal("99200")
    assert_invariants(org)


def test_a_custom_role_with_batch_rights_but_not_inventory_adjust_can_run_batches(kitchen, org, db):
    """Is a batch's stock movement allowed by batches.* alone (no separate inventory.adjust needed)?"""
    from app.models import Permission, Role

    names = ["batches.view", "batches.start", "batches.finish", "batches.cancel", "recipes.view", "inventory.view"]
    role = Role(organization_id=org.id, key="production", name="Production only",
                permissions=list(db.session.scalars(select(Permission).where(Permission.name.in_(names)))))
    db.session.add(role)
    db.session.commit()
    worker = make_user(org, role="maker")
    worker.role = role
    db.session.commit()
    batch = batches.start_batch(org, worker, kitchen["recipe"].id, "1")
    batches.cancel_batch(org, worker, batch.id)
    assert batch.status == "cancelled"
    assert_invariants(org)


def test_api_input_cost_includes_containers_so_output_cost_is_input_cost_over_yield(org, owner, api):
    """With a container line, is the API's input_cost Σ consumption cost, and the lot's cost input_cost ÷ yield?"""
    wax = make_item(org, name="Soy Wax", unit="g")
    tin = make_item(org, name="Tin 8 oz", kind="container", unit="each")
    candle = make_item(org, name="Candle 8 oz", kind="product", unit="each")
    make_lot(org, wax, "2000", "0.01")
    make_lot(org, tin, "10", "1.5")
    recipe = recipes.create_recipe(org, owner, name="Candle", yield_quantity="4", yield_unit="each",
                                   output_item_id=candle.id,
                                   lines=[{"item_id": wax.id, "quantity": "800", "unit": "g"},
                                          {"item_id": tin.id, "quantity": "4", "unit": "each"}])
    client = api(owner)
    started = client.post("/api/v1/batches", json={"recipe_id": recipe.id, "scale": "1"}).get_json()
    assert started["input_cost"] == "8"
    body = client.post(f"/api/v1/batches/{started['id']}/finish", json={"yield_quantity": "4"}).get_json()
    assert body["input_cost"] == "14" and body["container_cost"] == "6"
    assert sum(Decimal(row["cost"]) for row in body["consumption"]) == Decimal(body["input_cost"])
    assert Decimal(body["output_lots"][0]["unit_cost"]) == Decimal(body["input_cost"]) / 4
    listed = client.get("/api/v1/batches").get_json()["items"][0]
    assert listed["input_cost"] == "14"


def test_api_batch_costs_are_exact_beyond_ten_places(org, owner, api):
    """Are consumption costs and input_cost exactly quantity × lot unit cost when that needs 16 places?"""
    wax = make_item(org, name="Beeswax", unit="g")
    balm = make_item(org, name="Balm Base", unit="g")
    make_lot(org, wax, "500", "0.0171296296")
    recipe = recipes.create_recipe(org, owner, name="Balm", yield_quantity="100", yield_unit="g",
                                   output_item_id=balm.id,
                                   lines=[{"item_id": wax.id, "quantity": "100.123457", "unit": "g"}])
    client = api(owner)
    body = client.post("/api/v1/batches", json={"recipe_id": recipe.id, "scale": "1.5"}).get_json()
    exact = Decimal("150.185186") * Decimal("0.0171296296")  # 2.5726598909577... (16 places)
    assert [Decimal(row["cost"]) for row in body["consumption"]] == [exact]
    assert Decimal(body["input_cost"]) == exact
    assert client.get(f"/api/v1/batches/{body['id']}").get_json()["input_cost"] == body["input_cost"]


def test_a_timer_is_stopped_only_through_its_own_batch(kitchen, org, owner):
    """Is stopping batch A's timer through batch B's address a NotFound, with the timer still running?"""
    first = batches.start_batch(org, owner, kitchen["recipe"].id, "0.5")
    second = batches.start_batch(org, owner, kitchen["recipe"].id, "0.5")
    timer = batches.start_timer(org, owner, first.id, label="Gel phase")
    with pytest.raises(NotFound):
        batches.stop_timer(org, owner, timer.id, batch_id=second.id)
    assert timer.stopped_at is None
    assert batches.stop_timer(org, owner, timer.id, batch_id=first.id).stopped_at is not None
