"""Every commerce read (sales, products, reservations, traceability, recalls) takes an actor and authorizes:
no actor is refused, another organization's user finds nothing, and a member reads what the pages show."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.services import products, recalls, reservations, sales, traceability
from app.services.errors import NotFound, PermissionDenied

from ...factories import sku_item, stocked_sku

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def shop(org, owner):
    made = stocked_sku(org, owner, name="Lavender Soap", quantity="10", unit_cost="1.5")
    sale = sales.record_sale(org, owner, sku_id=made["sku"].id, quantity="2", order_ref="ORD-1")
    recall = recalls.recall_lot(org, owner, made["lots"][0].id, reason="Supplier recall")
    return {**made, "sale": sale, "recall": recall}


def _reads(shop):
    """Each public commerce read as a function of the actor."""
    item_id, lot = shop["item"].id, shop["lots"][0]
    now = datetime.now(timezone.utc)
    return {
        "sales.get_sale": lambda org, actor: sales.get_sale(org, actor, shop["sale"].id),
        "sales.sale_record": lambda org, actor: sales.sale_record(org, actor, shop["sale"].id),
        "sales.list_sales": lambda org, actor: sales.list_sales(org, actor, with_lots=True),
        "sales.list_channels": lambda org, actor: sales.list_channels(org, actor),
        "sales.sales_between": lambda org, actor: sales.sales_between(org, actor, now - timedelta(days=1), now),
        "sales.list_sell_options": lambda org, actor: sales.list_sell_options(org, actor),
        "products.list_products": lambda org, actor: products.list_products(org, actor),
        "products.get_product_detail": lambda org, actor: products.get_product_detail(org, actor,
                                                                                      shop["product"].id),
        "products.get_sku": lambda org, actor: products.get_sku(org, actor, shop["sku"].id),
        "products.sku_choices": lambda org, actor: products.sku_choices(org, actor),
        "products.sku_item_ids": lambda org, actor: products.sku_item_ids(org, actor),
        "products.skus_for_items": lambda org, actor: products.skus_for_items(org, actor, [item_id]),
        "products.sellable_product_items": lambda org, actor: products.sellable_product_items(org, actor),
        "reservations.list_reservations": lambda org, actor: reservations.list_reservations(org, actor),
        "traceability.trace_lot": lambda org, actor: traceability.trace_lot(org, actor, lot.code),
        "traceability.get_lot": lambda org, actor: traceability.get_lot(org, actor, lot.id),
        "traceability.search_lots": lambda org, actor: traceability.search_lots(org, actor, lot.code),
        "traceability.lookup_code": lambda org, actor: traceability.lookup_code(org, actor, shop["sku"].code),
        "recalls.list_recalls": lambda org, actor: recalls.list_recalls(org, actor),
        "recalls.recall_report": lambda org, actor: recalls.recall_report(org, actor, shop["recall"].id),
        "recalls.list_recalls_for_lot": lambda org, actor: recalls.list_recalls_for_lot(org, actor, lot.id),
    }


def test_a_commerce_read_without_an_actor_is_refused(org, shop):
    """Does every commerce read refuse a call without an actor (no silent skip of the permission check)?"""
    for name, read in _reads(shop).items():
        with pytest.raises(PermissionDenied):
            read(org, None)
            pytest.fail(f"{name} answered without an actor")


def test_another_organizations_user_reads_nothing_of_this_one(org, other_owner, shop):
    """Is every commerce read of this organization a NotFound for another organization's owner?"""
    for name, read in _reads(shop).items():
        with pytest.raises(NotFound):
            read(org, other_owner)
            pytest.fail(f"{name} answered another organization's user")


def test_a_member_reads_what_the_pages_show(org, member, shop):
    """Do the reads that replaced commerce_views answer a member with this organization's rows?"""
    lot = shop["lots"][0]
    assert products.sku_item_ids(org, member) == {shop["sku"].item_id}
    assert products.skus_for_items(org, member, [shop["item"].id])[shop["item"].id].id == shop["sku"].id
    item = shop["item"]
    assert products.sellable_product_items(org, member) == [item]
    assert products.sellable_product_items(org, member, exclude_ids={item.id}) == []
    options = sales.list_sell_options(org, member)
    assert [(o.sku.id, o.product.id) for o in options] == [(shop["sku"].id, shop["product"].id)]
    assert [(found.id, item.id) for found, item in traceability.search_lots(org, member, lot.code[-3:])] == [
        (lot.id, sku_item(org, shop["sku"]).id)]
    assert [(recall.id, level) for recall, level in recalls.list_recalls_for_lot(org, member, lot.id)] == [
        (shop["recall"].id, 0)]
    assert traceability.get_lot(org, member, lot.code).id == lot.id
    row = recalls.list_recalls(org, member).items[0]
    assert (row.recall.id, row.lot_code, row.lots_held) == (shop["recall"].id, lot.code, 1)
    page = sales.list_sales(org, member, with_lots=True)
    (sale_row,) = page.items
    assert [(line.lot_code, line.cost) for line in sale_row.lines] == [(lot.code, 2 * lot.unit_cost)]
    assert sale_row.sku_code == shop["sku"].code
