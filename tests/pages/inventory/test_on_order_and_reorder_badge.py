"""What is coming, on the inventory pages: the item page says what open purchase orders still bring (with links
to them) and what is in transit; the list's "low stock" badge marks exactly the items the Reorder page lists
(computed points count; stock on order or in transit lifts an item off)."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import PurchaseOrder, PurchaseOrderLine
from app.services import inventory, purchasing
from app.services.control_tower import reorder

from ...factories import make_item, make_org, make_supplier, make_user, restock

pytestmark = pytest.mark.usefixtures("reference_data")


def _order(org, owner, supplier, item, quantity, *, send=True):
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": item.id, "quantity": str(quantity),
                                                     "unit_cost": "0.01"}])
    if send:
        order = purchasing.send_purchase_order(org, owner, order.id)
    return order


def _foreign_open_order_naming(item, other_org) -> PurchaseOrder:
    """Another organization's sent order whose line (written past the services) names this item's id."""
    other_owner = make_user(other_org, email="owner@other-orders.test", role="owner")
    supplier = make_supplier(other_org, name="Their Supplier")
    own_item = make_item(other_org, other_owner, "Their Oil")
    order = _order(other_org, other_owner, supplier, own_item, 700)
    db.session.add(PurchaseOrderLine(organization_id=other_org.id, purchase_order_id=order.id, item_id=item.id,
                                     quantity=Decimal("900"), unit="g", unit_cost=Decimal("0.01"),
                                     received_quantity=Decimal("0"), position=1))
    db.session.commit()
    return order


def _links(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/purchase-orders/(\d+)"', html)}


def test_item_page_shows_open_orders_with_their_open_quantity_and_links(client, org, owner, login):
    """Sent (2,000 g) and partly received (1,000 g, 400 g in) orders: "On order 2,600 g" linking both;
    a cancelled order, a draft and another organization's order are neither counted nor linked."""
    supplier = make_supplier(org, name="Oil Co.")
    olive = make_item(org, owner, "Olive Oil")
    sent = _order(org, owner, supplier, olive, 2000)
    partly = _order(org, owner, supplier, olive, 1000)
    purchasing.receive_purchase_order(org, owner, partly.id, [{"line_id": partly.lines[0].id, "quantity": "400"}])
    cancelled = _order(org, owner, supplier, olive, 500)
    purchasing.cancel_purchase_order(org, owner, cancelled.id)
    draft = _order(org, owner, supplier, olive, 300, send=False)
    foreign = _foreign_open_order_naming(olive, make_org(name="Other Orders Ltd."))
    ids = {"sent": sent.id, "partly": partly.id, "cancelled": cancelled.id, "draft": draft.id,
           "foreign": foreign.id}
    numbers = {"sent": sent.number, "partly": partly.number}
    assert db.session.get(PurchaseOrder, ids["partly"]).status == "partially_received"
    login(owner)
    html = client.get(f"/inventory/{olive.id}").get_data(as_text=True)
    block = html.split('data-testid="on-order"', 1)[1].split("</div>", 1)[0]
    assert "2,600 g" in block
    assert numbers["sent"] in block and numbers["partly"] in block
    assert _links(block) == {ids["sent"], ids["partly"]}
    assert not _links(html) & {ids["cancelled"], ids["draft"], ids["foreign"]}
    assert 'data-testid="in-transit"' not in html
    # the Reorder page counts the same open quantity for the item
    assert reorder.reorder_inputs(org, [olive.id])[olive.id].on_order == Decimal("2600")


def test_item_page_says_nothing_on_order_when_no_order_is_open(client, org, owner, login):
    """Only a cancelled order and a fully received one: no "On order" and no "In transit" on the page."""
    supplier = make_supplier(org, name="Oil Co.")
    shea = make_item(org, owner, "Shea Butter")
    cancelled = _order(org, owner, supplier, shea, 500)
    purchasing.cancel_purchase_order(org, owner, cancelled.id)
    received = _order(org, owner, supplier, shea, 200)
    purchasing.receive_purchase_order(org, owner, received.id, [{"line_id": received.lines[0].id, "quantity": "200"}])
    login(owner)
    response = client.get(f"/inventory/{shea.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="on-order"' not in html and "On order" not in html
    assert 'data-testid="in-transit"' not in html


def test_item_page_shows_stock_in_transit(client, org, owner, login):
    """4 g of 10 g sent to the market in transit: the summary says "In transit 4 g"."""
    wax = make_item(org, owner, "Beeswax")
    restock(org, owner, wax, 10)
    market = inventory.create_location(org, owner, name="Saturday market", kind="market")
    inventory.transfer_stock(org, owner, item_id=wax.id, quantity="4",
                             from_location_id=inventory.default_location(org).id, to_location_id=market.id,
                             in_transit=True)
    login(owner)
    html = client.get(f"/inventory/{wax.id}").get_data(as_text=True)
    block = html.split('data-testid="in-transit"', 1)[1].split("</div>", 1)[0]
    assert "4 g" in block and "In transit" in block
    assert 'data-testid="on-order"' not in html


def test_item_page_of_another_organization_is_a_404(client, org, owner, login):
    """Another organization's item id is a 404 on the item page (its open orders read in the same query)."""
    other = make_org(name="Elsewhere Soap")
    other_owner = make_user(other, email="owner@elsewhere.test", role="owner")
    theirs = make_item(other, other_owner, "Their Lye")
    _order(other, other_owner, make_supplier(other), theirs, 100)
    login(owner)
    assert client.get(f"/inventory/{theirs.id}").status_code == 404
    assert client.get("/inventory/99999999").status_code == 404


def _badged(html: str) -> set[str]:
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr")[1:]
    names = set()
    for row in rows:
        name = re.search(r"<strong>([^<]+)</strong>", row).group(1)
        if 'data-testid="below-reorder"' in row:
            names.add(name)
    return names


def test_list_badge_marks_exactly_the_reorder_pages_items(client, org, owner, login):
    """Manual point not met → badge; the same covered by a sent order → none; a cancelled order does not
    cover → badge; no manual point but heavy recent use (a computed point) → badge; another organization's
    order naming an item's id covers nothing. The badged items are the Reorder page's lines."""
    supplier = make_supplier(org, name="Oil Co.")
    short = make_item(org, owner, "Almond Oil", reorder_point=Decimal("1000"))
    covered = make_item(org, owner, "Castor Oil", reorder_point=Decimal("1000"))
    cancelled_only = make_item(org, owner, "Coconut Oil", reorder_point=Decimal("1000"))
    foreign_only = make_item(org, owner, "Jojoba Oil", reorder_point=Decimal("1000"))
    used_up = make_item(org, owner, "Lye")
    plenty = make_item(org, owner, "Sugar", reorder_point=Decimal("10"))
    for item in (short, covered, cancelled_only, foreign_only):
        restock(org, owner, item, 250)
    restock(org, owner, used_up, 100)
    inventory.adjust(org, owner, used_up.id, change_type="use", quantity=Decimal("95"))
    restock(org, owner, plenty, 500)
    _order(org, owner, supplier, covered, 2000)
    gone = _order(org, owner, supplier, cancelled_only, 2000)
    purchasing.cancel_purchase_order(org, owner, gone.id)
    _foreign_open_order_naming(foreign_only, make_org(name="Other Orders Ltd."))
    expected = {"Almond Oil", "Coconut Oil", "Jojoba Oil", "Lye"}
    assert {line.item.name for line in reorder.list_reorder(org, owner)} == expected
    assert reorder.count_below(org, owner) == len(expected)
    login(owner)
    html = client.get("/inventory").get_data(as_text=True)
    assert _badged(html) == expected
    lye_row = next(row for row in html.split("<tr") if "<strong>Lye</strong>" in row)
    assert "computed from usage" in lye_row
    # a search keeps the same figures for the rows it shows
    assert _badged(client.get("/inventory?q=oil").get_data(as_text=True)) == expected - {"Lye"}


def test_item_page_badge_agrees_with_the_list(client, org, owner, login):
    """The item page's "low stock" badge counts as the list and the Reorder page: a manual point covered by
    a sent order shows none; heavy recent use without a manual point (a computed point) shows one."""
    supplier = make_supplier(org, name="Oil Co.")
    covered = make_item(org, owner, "Castor Oil", reorder_point=Decimal("1000"))
    restock(org, owner, covered, 250)
    _order(org, owner, supplier, covered, 2000)
    used_up = make_item(org, owner, "Lye")
    restock(org, owner, used_up, 100)
    inventory.adjust(org, owner, used_up.id, change_type="use", quantity=Decimal("95"))
    login(owner)
    assert 'data-testid="below-reorder"' not in client.get(f"/inventory/{covered.id}").get_data(as_text=True)
    html = client.get(f"/inventory/{used_up.id}").get_data(as_text=True)
    assert 'data-testid="below-reorder"' in html and "computed from usage" in html
