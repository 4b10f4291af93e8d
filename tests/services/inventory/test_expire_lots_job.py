"""`flask jobs expire-lots`: every expired lot with something left is written off through the inventory
service (one `expired` ledger row each), in every organization, and a second run changes nothing."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import InventoryEvent, InventoryItem, InventoryLot
from app.services import tenancy
from app.services.inventory.expire_job import expire_lots
from tests.factories import assert_invariants, make_item, make_lot

pytestmark = pytest.mark.usefixtures("reference_data")


def _expired_events(org):
    return list(db.session.scalars(tenancy.scoped(InventoryEvent, org)
                                   .where(InventoryEvent.change_type == "expired")))


def test_expire_lots_disposes_only_expired_lots_in_every_org_and_is_idempotent(org, other_org, owner, other_owner):
    """Are expired lots emptied (with an `expired` event), fresh/undated lots untouched, both orgs handled?"""
    past = date.today() - timedelta(days=5)
    wax = make_item(org, owner, name="Wax", unit="g")
    old = make_lot(org, wax, "300", expires_on=past)
    fresh = make_lot(org, wax, "200", expires_on=date.today() + timedelta(days=30))
    undated = make_lot(org, wax, "50")
    oil = make_item(other_org, other_owner, name="Oil", unit="g")
    theirs = make_lot(other_org, oil, "40", expires_on=past)

    first = expire_lots()
    assert first.disposed == 2 and first.organizations == 2 and not first.failed
    db.session.expire_all()
    assert db.session.get(InventoryLot, old.id).remaining_quantity == 0
    assert db.session.get(InventoryLot, theirs.id).remaining_quantity == 0
    assert db.session.get(InventoryLot, fresh.id).remaining_quantity == Decimal("200")
    assert db.session.get(InventoryLot, undated.id).remaining_quantity == Decimal("50")
    assert db.session.get(InventoryItem, wax.id).quantity == Decimal("250")
    (event,) = _expired_events(org)
    assert event.lot_id == old.id and event.quantity == Decimal("-300")
    assert len(_expired_events(other_org)) == 1
    assert_invariants(org)
    assert_invariants(other_org)

    second = expire_lots()
    assert second.disposed == 0
    assert len(_expired_events(org)) == 1


def test_the_expire_lots_command_prints_a_count_and_exits_0(app, org, owner):
    """Does `flask jobs expire-lots` run from the CLI, print how many lots it disposed, and stay idempotent?"""
    wax = make_item(org, owner, name="Wax", unit="g")
    make_lot(org, wax, "10", expires_on=date.today() - timedelta(days=2))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "expire-lots"])
    second = runner.invoke(args=["jobs", "expire-lots"])
    assert first.exit_code == 0, first.output
    assert "Disposed 1 expired lot(s)" in first.output
    assert second.exit_code == 0 and "Disposed 0 expired lot(s)" in second.output
