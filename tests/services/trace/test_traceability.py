"""Traceability: forward through two levels of intermediates to every sale, backward to every input lot, and a
query count that does not grow with the number of downstream sales."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import BatchOutput, InventoryLot, Organization, Sale, SaleConsumption, User
from app.services import batches, recipes, sales, tenancy, traceability
from app.services.errors import NotFound

from ...factories import make_item, make_lot
from ...helpers import count_queries

JAN = datetime(2026, 1, 1, tzinfo=timezone.utc)


pytestmark = pytest.mark.usefixtures("reference_data")


def _run(org, actor, recipe, yield_quantity):
    batch = batches.start_batch(org, actor, recipe.id, "1")
    batches.finish_batch(org, actor, batch.id, yield_quantity=yield_quantity)
    output = db.session.scalar(tenancy.scoped(BatchOutput, org).where(BatchOutput.batch_id == batch.id))
    return batch, output.lot_id


def build_chain(org, actor) -> dict:
    """buds lot → batch A (+ olive oil) → infused oil lot → batch B (+ lye) → soap base lot → batch C → bar lot
    → three sales. Two levels of intermediates between the ingredient and the product."""
    buds = make_item(org, name="Lavender Buds", unit="g")
    oil = make_item(org, name="Olive Oil", unit="g")
    lye = make_item(org, name="Lye", unit="g")
    infused = make_item(org, name="Lavender Infused Oil", unit="g")
    base = make_item(org, name="Lavender Soap Base", unit="g")
    bar = make_item(org, name="Lavender Bar", kind="product", unit="each")
    lots = {"buds": make_lot(org, buds, "1000", "0.05", received_at=JAN),
            "oil": make_lot(org, oil, "2000", "0.01", received_at=JAN),
            "lye": make_lot(org, lye, "500", "0.004", received_at=JAN)}
    a = recipes.create_recipe(org, actor, name="Infusion", yield_quantity="300", yield_unit="g",
                              output_item_id=infused.id, lines=[{"item_id": buds.id, "quantity": "100", "unit": "g"},
                                                                {"item_id": oil.id, "quantity": "200", "unit": "g"}])
    b = recipes.create_recipe(org, actor, name="Base", yield_quantity="400", yield_unit="g", output_item_id=base.id,
                              lines=[{"item_id": infused.id, "quantity": "300", "unit": "g"},
                                     {"item_id": lye.id, "quantity": "100", "unit": "g"}])
    c = recipes.create_recipe(org, actor, name="Bars", yield_quantity="4", yield_unit="each", output_item_id=bar.id,
                              lines=[{"item_id": base.id, "quantity": "400", "unit": "g"}])
    batch_a, infused_lot = _run(org, actor, a, "300")
    batch_b, base_lot = _run(org, actor, b, "400")
    batch_c, bar_lot = _run(org, actor, c, "4")
    sold = [sales.record_sale(org, actor, item_id=bar.id, quantity="1", unit_price="8", order_ref=f"ORD-{n}")
            for n in range(1, 4)]
    return {"items": {"buds": buds, "oil": oil, "lye": lye, "infused": infused, "base": base, "bar": bar},
            "lots": lots, "batches": [batch_a, batch_b, batch_c], "infused_lot": infused_lot,
            "base_lot": base_lot, "bar_lot": bar_lot, "sales": sold}


@pytest.fixture()
def chain(org, owner):
    return build_chain(org, owner)


def test_forward_from_an_ingredient_lot_reaches_every_sale_through_two_intermediates(org, owner, chain):
    trace = traceability.trace_lot(org, owner, chain["lots"]["buds"].code)
    assert [b.id for b, _ in trace.forward.batches] == [b.id for b in chain["batches"]]
    assert trace.forward.batches[0].quantity == Decimal("100")  # grams of buds batch A took
    assert [lot.id for lot in trace.forward.lots] == [chain["infused_lot"], chain["base_lot"], chain["bar_lot"]]
    assert {s.id for s, _, _ in trace.forward.sales} == {s.id for s in chain["sales"]}
    assert all(qty == Decimal("1") for _, qty, _ in trace.forward.sales)
    assert trace.backward.lots == [] and trace.backward.batches == []
    # The tree: buds lot → batch A → infused lot → batch B → base lot → batch C → bar lot → 3 sales
    node = trace.forward_tree
    for kind in ("batch", "lot", "batch", "lot", "batch", "lot"):
        (node,) = [child for child in node.children if child.kind == kind]
    assert node.obj.id == chain["bar_lot"]
    assert sorted(child.obj.order_ref for child in node.children if child.kind == "sale") == ["ORD-1", "ORD-2",
                                                                                              "ORD-3"]


def test_backward_from_the_product_lot_finds_every_upstream_lot_and_batch(org, owner, chain):
    trace = traceability.trace_lot(org, owner, chain["bar_lot"])
    upstream = {lot.id for lot in trace.backward.lots}
    assert upstream == {chain["base_lot"], chain["infused_lot"], chain["lots"]["buds"].id, chain["lots"]["oil"].id,
                        chain["lots"]["lye"].id}
    assert {b.id for b in trace.backward.batches} == {b.id for b in chain["batches"]}
    tree = trace.backward_tree
    (batch_c,) = tree.children
    assert batch_c.obj.id == chain["batches"][2].id
    (base_node,) = batch_c.children
    (batch_b,) = base_node.children
    assert {child.item.name for child in batch_b.children} == {"Lavender Infused Oil", "Lye"}
    assert {s.id for s, _, _ in trace.forward.sales} == {s.id for s in chain["sales"]}


def test_a_cancelled_batch_is_not_downstream(org, owner):
    buds = make_item(org, name="Buds", unit="g")
    lot = make_lot(org, buds, "100", "1")
    out = make_item(org, name="Out", unit="g")
    recipe = recipes.create_recipe(org, owner, name="Try", yield_quantity="10", yield_unit="g", output_item_id=out.id,
                                   lines=[{"item_id": buds.id, "quantity": "10", "unit": "g"}])
    batch = batches.start_batch(org, owner, recipe.id, "1")
    batches.cancel_batch(org, owner, batch.id)
    assert traceability.trace_lot(org, owner, lot.id).forward.batches == []


def test_another_organizations_lot_is_not_found(org, owner, other_org):
    theirs = make_lot(other_org, make_item(other_org, name="Theirs"), "1", "1", code="THEIRS-1")
    with pytest.raises(NotFound):
        traceability.trace_lot(org, owner, theirs.code)
    with pytest.raises(NotFound):
        traceability.trace_lot(org, owner, theirs.id)


def _add_sales(org, item, lot, count: int, event_id: int) -> None:
    """Many sales from one lot, written directly (the trace only reads them)."""
    now = datetime.now(timezone.utc)
    for n in range(count):
        sale = Sale(organization_id=org.id, item_id=item.id, quantity=Decimal("0.001"), unit_price=Decimal("1"),
                    revenue=Decimal("0.001"), cogs=Decimal("0"), margin=Decimal("0.001"), order_ref=f"BULK-{n}",
                    created_at=now + timedelta(seconds=n))
        db.session.add(sale)
        db.session.flush()
        db.session.add(SaleConsumption(organization_id=org.id, sale_id=sale.id, lot_id=lot.id, event_id=event_id,
                                       quantity=Decimal("0.001"), unit_cost=Decimal("0"), cost=Decimal("0")))
    db.session.commit()


def _trace_queries(org, owner, code) -> tuple[int, int]:
    org_id, owner_id = org.id, owner.id
    db.session.expire_all()
    org = db.session.get(Organization, org_id)
    owner = db.session.get(User, owner_id)
    owner.role.permissions, org.tier.permissions  # noqa: B018 - warm the permission cache outside the count
    with count_queries() as counter:
        trace = traceability.trace_lot(org, owner, code)
    return counter.count, len(trace.forward.sales), counter.statements


def test_trace_query_count_does_not_grow_with_downstream_sales(org, owner, chain):
    """10 or 1,000 sales from the product lot: the trace of the ingredient lot issues the same number of queries."""
    bar, bar_lot = chain["items"]["bar"], tenancy.get_for_org(InventoryLot, chain["bar_lot"], org)
    event_id = chain["sales"][0].consumption[0].event_id
    code = chain["lots"]["buds"].code
    _add_sales(org, bar, bar_lot, 10, event_id)
    few, found_few, _ = _trace_queries(org, owner, code)
    _add_sales(org, bar, bar_lot, 990, event_id)
    many, found_many, statements = _trace_queries(org, owner, code)
    assert (found_few, found_many) == (13, 1003)
    assert many == few, "\n".join(statement[:120] for statement in statements)
    levels = 4  # buds → infused → base → bar lot; then backward (no batch made the buds lot)
    assert few <= 3 * levels + 6, few
