"""The trace costs a small constant number of queries per level: it does not grow with the number of sales
(the lot page with 1,000 downstream sales renders in as many queries as with 10), with the number of batches
at one level (width), and grows by at most a few queries for each extra level of intermediates (depth)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.extensions import db
from app.models import InventoryLot, Organization, User
from app.services import batches, recipes, tenancy, traceability

from ...factories import make_item, make_lot
from ...helpers import count_queries
from .test_traceability import _add_sales, build_chain

PER_LEVEL = 4  # consuming batches, their output lots, the sales of a level's lots (+ one spare)
JAN = datetime(2026, 1, 1, tzinfo=timezone.utc)


pytestmark = [pytest.mark.usefixtures("reference_data"), pytest.mark.slow]


def _count_trace(org, owner, code) -> int:
    org_id, owner_id = org.id, owner.id
    db.session.expire_all()
    org, owner = db.session.get(Organization, org_id), db.session.get(User, owner_id)
    owner.role.permissions, org.tier.permissions  # noqa: B018 - the permission cache, outside the count
    with count_queries() as counter:
        traceability.trace_lot(org, owner, code)
    return counter.count


def test_lot_page_with_1000_downstream_sales_renders_in_the_same_queries_as_with_10(client, org, owner, login):
    """Does /trace/lots/<ingredient lot> issue the same number of queries with 10 and with 1,000 sales two
    intermediates downstream, and show them all?"""
    chain = build_chain(org, owner)
    bar, bar_lot = chain["items"]["bar"], tenancy.get_for_org(InventoryLot, chain["bar_lot"], org)
    event_id = chain["sales"][0].consumption[0].event_id
    url = f"/trace/lots/{chain['lots']['buds'].code}"
    _add_sales(org, bar, bar_lot, 10, event_id)
    login(owner)
    client.get(url)  # warm the per-process caches (units, permissions) outside the count
    db.session.expire_all()
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _add_sales(org, bar, bar_lot, 990, event_id)
    db.session.expire_all()
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200
    assert "BULK-989" in response.get_data(as_text=True)
    assert many.count == few.count, "\n".join(statement[:120] for statement in many.statements)


def _run(org, owner, recipe, yield_quantity="1"):
    batch = batches.start_batch(org, owner, recipe.id, "1")
    batches.finish_batch(org, owner, batch.id, yield_quantity=yield_quantity)
    return batch


def test_trace_queries_do_not_grow_with_the_batches_at_one_level(org, owner):
    """Is a lot consumed by 12 batches traced in as many queries as one consumed by 2 (width)?"""
    oil = make_item(org, name="Jojoba", unit="g")
    serum = make_item(org, name="Serum", unit="g")
    lot = make_lot(org, oil, "10000", "0.1", received_at=JAN)
    recipe = recipes.create_recipe(org, owner, name="Serum", yield_quantity="10", yield_unit="g",
                                   output_item_id=serum.id, lines=[{"item_id": oil.id, "quantity": "10", "unit": "g"}])
    for _ in range(2):
        _run(org, owner, recipe, "10")
    narrow = _count_trace(org, owner, lot.code)
    for _ in range(10):
        _run(org, owner, recipe, "10")
    wide = _count_trace(org, owner, lot.code)
    trace = traceability.trace_lot(org, owner, lot.code)
    assert len(trace.forward.batches) == 12 and len(trace.forward.lots) == 12
    assert wide == narrow, (narrow, wide)


def _chain_of_depth(org, owner, depth: int) -> InventoryLot:
    """ingredient lot → batch → intermediate → batch → … `depth` batches deep; returns the ingredient lot."""
    first = make_item(org, name=f"Base oil {depth}", unit="g")
    lot = make_lot(org, first, "1000", "0.1", received_at=JAN)
    source = first
    for level in range(depth):
        made = make_item(org, name=f"Stage {depth}.{level}", unit="g")
        recipe = recipes.create_recipe(org, owner, name=f"Stage {depth}.{level}", yield_quantity="10",
                                       yield_unit="g", output_item_id=made.id,
                                       lines=[{"item_id": source.id, "quantity": "10", "unit": "g"}])
        _run(org, owner, recipe, "10")
        source = made
    return lot


def test_each_extra_level_costs_at_most_a_small_constant(org, owner):
    """Does going from 1 to 4 levels of intermediates add no more than PER_LEVEL queries per level (depth)?"""
    shallow = _count_trace(org, owner, _chain_of_depth(org, owner, 1).code)
    deep_lot = _chain_of_depth(org, owner, 4)
    deep = _count_trace(org, owner, deep_lot.code)
    assert len(traceability.trace_lot(org, owner, deep_lot.code).forward.batches) == 4
    assert deep - shallow <= 3 * PER_LEVEL, (shallow, deep)
    assert shallow <= 3 * PER_LEVEL, shallow
