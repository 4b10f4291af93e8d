"""Recall: a lot and everything downstream go on hold in one action; held lots cannot be used in a batch or
sold; the CSV lists everything downstream; release restores usability."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import InventoryLot, Recall, RecallLot
from app.services import batches, inventory, recalls, recipes, sales, tenancy
from app.services.errors import InsufficientStock, InvalidState, NotFound, PermissionDenied, ValidationFailed

from ...factories import assert_invariants, make_item, make_lot
from .test_traceability import build_chain

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def chain(org, owner):
    return build_chain(org, owner)


def _lot(org, lot_id) -> InventoryLot:
    db.session.expire_all()
    return tenancy.get_for_org(InventoryLot, lot_id, org)


def test_recall_holds_the_lot_and_every_downstream_lot(org, owner, chain):
    recall = recalls.recall_lot(org, owner, chain["lots"]["buds"].code, reason="Supplier: mould in buds")
    held = {row.lot_id: row.level for row in db.session.scalars(
        tenancy.scoped(RecallLot, org).where(RecallLot.recall_id == recall.id))}
    assert held == {chain["lots"]["buds"].id: 0, chain["infused_lot"]: 1, chain["base_lot"]: 2, chain["bar_lot"]: 3}
    for lot_id in held:
        assert _lot(org, lot_id).hold_reason == "Supplier: mould in buds"
    assert _lot(org, chain["lots"]["oil"].id).hold_reason is None  # upstream/sibling lots are not recalled
    bar = chain["items"]["bar"]
    assert inventory.item_summary(org, bar).available == Decimal("0")


def test_a_recalled_lot_cannot_be_used_in_a_batch_or_sold(org, owner, chain):
    product = make_item(org, name="Massage Oil", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Massage", yield_quantity="1", yield_unit="each",
                                   output_item_id=product.id,
                                   lines=[{"item_id": chain["items"]["buds"].id, "quantity": "10", "unit": "g"}])
    recalls.recall_lot(org, owner, chain["lots"]["buds"].id, reason="Mould")
    with pytest.raises(InsufficientStock):
        batches.start_batch(org, owner, recipe.id, "1")
    with pytest.raises(InsufficientStock):
        sales.record_sale(org, owner, item_id=chain["items"]["bar"].id, quantity="1", unit_price="8")
    _, _, check = recipes.check_recipe_stock(org, owner, recipe.id, "1")
    assert not check.ok
    assert_invariants(org)


def test_release_restores_usability(org, owner, chain):
    recall = recalls.recall_lot(org, owner, chain["lots"]["buds"].code, reason="Mould")
    released = recalls.release_recall(org, owner, recall.id)
    assert released.status == "released" and released.released_at is not None
    assert _lot(org, chain["bar_lot"]).hold_reason is None
    sale = sales.record_sale(org, owner, item_id=chain["items"]["bar"].id, quantity="1", unit_price="8")
    assert sale.consumption[0].lot_id == chain["bar_lot"]
    with pytest.raises(InvalidState):
        recalls.release_recall(org, owner, recall.id)
    assert_invariants(org)


def test_overlapping_recalls_keep_the_hold_until_the_last_is_released(org, owner, chain):
    wide = recalls.recall_lot(org, owner, chain["lots"]["buds"].code, reason="Buds")
    narrow = recalls.recall_lot(org, owner, chain["base_lot"], reason="Base pH")
    recalls.release_recall(org, owner, wide.id)
    assert _lot(org, chain["bar_lot"]).hold_reason == "Base pH"
    assert _lot(org, chain["infused_lot"]).hold_reason is None
    recalls.release_recall(org, owner, narrow.id)
    assert _lot(org, chain["bar_lot"]).hold_reason is None


def test_the_recall_csv_lists_everything_downstream(org, owner, chain):
    recall = recalls.recall_lot(org, owner, chain["lots"]["buds"].code, reason="Mould")
    text = recalls.recall_csv(org, owner, recall.id)
    rows = list(csv.reader(io.StringIO(text)))
    header = rows.index(recalls.CSV_HEADER)
    body = [dict(zip(recalls.CSV_HEADER, row)) for row in rows[header + 1:]]
    lot_codes = {r["reference"] for r in body if r["record"] == "lot"}
    assert lot_codes == {_lot(org, lot_id).code for lot_id in (chain["lots"]["buds"].id, chain["infused_lot"],
                                                              chain["base_lot"], chain["bar_lot"])}
    assert {r["reference"] for r in body if r["record"] == "batch"} == {b.label for b in chain["batches"]}
    assert sorted(r["order_ref"] for r in body if r["record"] == "sale") == ["ORD-1", "ORD-2", "ORD-3"]
    report = recalls.recall_report(org, owner, recall.id)
    assert report.order_refs == ["ORD-1", "ORD-2", "ORD-3"]
    assert all(line.status == "on_hold" for line in report.lots if line.lot.remaining_quantity > 0)


def test_bad_recalls_are_refused_and_write_nothing(org, owner, viewer, other_org, chain):
    theirs = make_lot(other_org, make_item(other_org, name="Their buds"), "1", "1", code="THEIR-7")
    with pytest.raises(NotFound):
        recalls.recall_lot(org, owner, theirs.code, reason="x")
    with pytest.raises(NotFound):
        recalls.recall_lot(org, owner, theirs.id, reason="x")
    with pytest.raises(ValidationFailed):
        recalls.recall_lot(org, owner, chain["lots"]["buds"].code, reason="  ")
    with pytest.raises(PermissionDenied):
        recalls.recall_lot(org, viewer, chain["lots"]["buds"].code, reason="x")
    assert db.session.scalars(tenancy.scoped(Recall, org)).first() is None
    assert _lot(org, chain["lots"]["buds"].id).hold_reason is None
