"""active_item_rows_with_inputs (the alerts' and KPIs' read of every item) gives the same items, columns and
reorder inputs as active_items_with_inputs, which builds ORM objects."""
from __future__ import annotations

from decimal import Decimal

from app.services.control_tower import reorder
from app.services.control_tower.reorder import ItemRow

from ...control_tower_support import build_ledger
from ...factories import make_item, make_lot


def test_item_rows_match_the_orm_items_and_their_inputs(org, owner):
    ledger = build_ledger(org, owner)
    low = make_item(org, name="Candelilla", reorder_point=Decimal("50"), supplier_id=ledger.supplier.id)
    make_lot(org, low, "10", "1")
    items, inputs = reorder.active_items_with_inputs(org)
    rows, row_inputs = reorder.active_item_rows_with_inputs(org)
    assert len(items) >= 2 and row_inputs == inputs
    assert rows == [ItemRow(*(getattr(item, name) for name in ItemRow._fields)) for item in items]
    assert any(row.supplier_id == ledger.supplier.id and row.reorder_point == Decimal("50") for row in rows)
    assert any(got.usage > 0 for got in inputs.values())  # the ledger's usage came through
    some, some_inputs = reorder.active_item_rows_with_inputs(org, [low.id])
    assert [row.id for row in some] == [low.id] and list(some_inputs) == [low.id]
    figures = reorder.reorder_for_items(org, rows, inputs=row_inputs)
    assert figures == reorder.reorder_for_items(org, items, inputs=inputs)
