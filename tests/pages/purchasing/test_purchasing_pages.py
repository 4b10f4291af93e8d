"""Purchase-order pages: list, new, draft from the Reorder page, edit a draft's lines, send, receive (with the
errors shown beside their rows), print view, CSV; supplier page order details; Reorder page order quantities."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.models import InventoryLot
from app.services import purchasing, tenancy
from app.services.inventory import deduct
from tests.factories import make_item, make_lot, make_supplier
from tests.helpers import count_queries, post_form

pytestmark = pytest.mark.usefixtures("reference_data")
D = Decimal


@pytest.fixture()
def below(org, owner):
    """Soy wax from Wax & Wick at 100 g left of 3100 g, 3000 g used: point 550 g, suggested 3450 g."""
    supplier = make_supplier(org, name="Wax & Wick", lead_time_days=5)
    wax = make_item(org, name="Soy wax", unit="g", supplier_id=supplier.id)
    make_lot(org, wax, "3100", "0.01")
    deduct(org, owner, wax.id, "3000", change_type="use")
    return supplier, wax


def _sent(org, owner, supplier, wax, quantity="2000"):
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id, lines=[
        {"item_id": wax.id, "quantity": quantity, "unit_cost": "0.008"}])
    return purchasing.send_purchase_order(org, owner, order.id)


def test_reorder_page_rounds_to_the_pack_size_and_drafts_a_po(client, login, org, owner, below):
    """Does the Reorder page show the order quantity rounded up to the supplier's pack size, and does its
    Draft PO button create a draft with that quantity at the supplier's price?"""
    supplier, wax = below
    purchasing.set_supplier_item(org, owner, supplier.id, wax.id, pack_size="2000", unit_price="0.0075")
    login(owner)
    html = client.get("/reorder").get_data(as_text=True)
    assert "3,450 g" in html or "3450 g" in html  # the suggestion
    assert "packs of 2,000" in html or "packs of 2000" in html
    assert f'data-testid="draft-po-{supplier.id}"' in html
    response = post_form(client, "/purchase-orders/draft", {"supplier_id": str(supplier.id)}, form_url="/reorder")
    assert response.status_code == 302 and "/purchase-orders/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "created from the reorder suggestions" in page
    (order,) = purchasing.list_purchase_orders(org, owner).items
    assert [(line.quantity, line.unit_cost) for line in order.lines] == [(D("4000"), D("0.0075"))]


def test_viewer_sees_no_draft_button_and_cannot_post(client, login, org, viewer, below):
    supplier, _ = below
    login(viewer)
    html = client.get("/reorder").get_data(as_text=True)
    assert "draft-po-" not in html
    response = post_form(client, "/purchase-orders/draft", {"supplier_id": str(supplier.id)}, form_url="/reorder")
    assert response.status_code == 403
    assert purchasing.list_purchase_orders(org, viewer).total == 0


def test_new_po_form_creates_a_draft_and_shows_row_errors(client, login, org, owner, below):
    """Does the new-order page create a draft from its filled rows (empty rows ignored), and put a bad quantity's
    message beside its row?"""
    supplier, wax = below
    login(owner)
    bad = post_form(client, "/purchase-orders/new", {
        "supplier_id": str(supplier.id), "lines-0-item_id": str(wax.id), "lines-0-quantity": "1000",
        "lines-0-unit_cost": "", "lines-1-item_id": "", "lines-1-quantity": ""})
    assert bad.status_code == 422
    assert "Enter a unit cost." in bad.get_data(as_text=True)
    good = post_form(client, "/purchase-orders/new", {
        "supplier_id": str(supplier.id), "lines-0-item_id": str(wax.id), "lines-0-quantity": "1000",
        "lines-0-unit_cost": "0.009", "lines-1-item_id": "", "lines-1-quantity": "", "notes": "Urgent"})
    assert good.status_code == 302
    (order,) = purchasing.list_purchase_orders(org, owner).items
    assert (order.status, order.notes, [line.quantity for line in order.lines]) == ("draft", "Urgent", [D("1000")])


def test_edit_send_and_receive_through_the_detail_page(client, login, org, owner, below):
    """Edit a draft's line, send it, receive part of it (one lot at the line's cost), then over-receive (422,
    nothing written)."""
    supplier, wax = below
    login(owner)
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id, lines=[
        {"item_id": wax.id, "quantity": "1000", "unit_cost": "0.01"}])
    url = f"/purchase-orders/{order.id}"
    line_id = order.lines[0].id
    saved = post_form(client, f"{url}/edit", {"lines-0-line_id": str(line_id), "lines-0-item_id": str(wax.id),
                                              "lines-0-quantity": "1500", "lines-0-unit_cost": "0.008"}, form_url=url)
    assert saved.status_code == 302
    sent = post_form(client, f"{url}/send", {}, form_url=url)
    assert sent.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "marked as sent" in html and 'data-testid="po-receive-form"' in html
    received = post_form(client, f"{url}/receive", {"lines-0-line_id": str(line_id), "lines-0-quantity": "500",
                                                    "lines-0-expires_at": "2027-03-01",
                                                    "lines-0-supplier_lot_code": "B-12"}, form_url=url)
    assert received.status_code == 302
    lots = list(db.session.scalars(tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == wax.id,
                                                                            InventoryLot.supplier_lot_code == "B-12")))
    assert [(lot.original_quantity, lot.unit_cost) for lot in lots] == [(D("500"), D("0.008"))]
    over = post_form(client, f"{url}/receive", {"lines-0-line_id": str(line_id), "lines-0-quantity": "1001"},
                     form_url=url)
    assert over.status_code == 422 and "At most 1000" in over.get_data(as_text=True)
    assert purchasing.get_purchase_order(org, owner, order.id).status == "partially_received"


def test_receiving_a_draft_from_the_page_is_refused(client, login, org, owner, below):
    supplier, wax = below
    login(owner)
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id, lines=[
        {"item_id": wax.id, "quantity": "10", "unit_cost": "0.01"}])
    url = f"/purchase-orders/{order.id}"
    response = post_form(client, f"{url}/receive", {"lines-0-line_id": str(order.lines[0].id),
                                                    "lines-0-quantity": "5"}, form_url=url)
    assert response.status_code == 409


def test_print_view_and_csv(client, login, org, owner, below):
    supplier, wax = below
    purchasing.set_supplier_item(org, owner, supplier.id, wax.id, supplier_code="SOY-464")
    order = _sent(org, owner, supplier, wax)
    login(owner)
    html = client.get(f"/purchase-orders/{order.id}/print").get_data(as_text=True)
    assert order.number in html and "@media print" in html and "SOY-464" in html and "Wax &amp; Wick" in html
    response = client.get(f"/purchase-orders/{order.id}/csv")
    assert response.mimetype == "text/csv" and f'{order.number}.csv' in response.headers["Content-Disposition"]
    rows = response.get_data(as_text=True).splitlines()
    assert rows[0].startswith("po_number,supplier,status,item,supplier_code,quantity")
    assert rows[1] == f"{order.number},Wax & Wick,sent,Soy wax,SOY-464,2000,g,0.008,16,0"


def test_list_page_filters_and_keeps_a_fixed_query_count(client, login, org, owner, below):
    """Does the list show orders by status with a query count that does not grow with the rows?"""
    supplier, wax = below
    login(owner)
    _sent(org, owner, supplier, wax)
    client.get("/purchase-orders")
    with count_queries() as few:
        assert client.get("/purchase-orders").status_code == 200
    for _ in range(5):
        _sent(org, owner, supplier, wax, quantity="10")
    client.get("/purchase-orders")  # the signed-in user's permissions are cached again after the writes
    with count_queries() as many:
        html = client.get("/purchase-orders").get_data(as_text=True)
    assert html.count('href="/purchase-orders/') >= 6
    assert many.count <= few.count
    assert client.get("/purchase-orders?status=sent").get_data(as_text=True).count('href="/purchase-orders/') >= 6
    assert "No purchase orders with this status" in client.get("/purchase-orders?status=received").get_data(as_text=True)


def test_supplier_page_edits_order_details(client, login, org, owner, viewer, below):
    """Can a maker record a supplier's code, pack size and price for an item on the supplier page (and a bad pack
    size is refused with a message)?"""
    supplier, wax = below
    login(owner)
    url = f"/suppliers/{supplier.id}"
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="supplier-item-form"' in html
    response = post_form(client, f"{url}/items", {"item_id": str(wax.id), "supplier_code": "SOY-464",
                                                  "pack_size": "5000", "unit_price": "0.007"}, form_url=url)
    assert response.status_code == 302
    (row,) = purchasing.list_supplier_items(org, owner, supplier.id)
    assert (row.supplier_code, row.pack_size, row.unit_price) == ("SOY-464", D("5000"), D("0.007"))
    page = client.get(url).get_data(as_text=True)
    assert "SOY-464" in page
    remove_form = page.split(f'action="/supplier-items/{row.id}/remove"')[1].split(">")[0]
    assert 'data-confirm="Remove ' in remove_form and "are forgotten" in remove_form  # asked before forgetting
    refused = post_form(client, f"{url}/items", {"item_id": str(wax.id), "pack_size": "-2"}, form_url=url,
                        follow_redirects=True)
    assert "Pack size" in refused.get_data(as_text=True)
    assert purchasing.list_supplier_items(org, owner, supplier.id)[0].pack_size == D("5000")
    removed = post_form(client, f"/supplier-items/{row.id}/remove", {}, form_url=url)
    assert removed.status_code == 302 and purchasing.list_supplier_items(org, owner, supplier.id) == []


def test_navigation_links_to_orders(client, login, owner):
    login(owner)
    assert 'href="/purchase-orders"' in client.get("/dashboard").get_data(as_text=True)


def test_receive_form_offers_locations_when_there_are_several(client, login, org, owner, below):
    """With a second location, does the receive form offer it, and does the lot go there?"""
    from app.services import inventory

    supplier, wax = below
    order = _sent(org, owner, supplier, wax)
    url = f"/purchase-orders/{order.id}"
    login(owner)
    assert "Receive at" not in client.get(url).get_data(as_text=True)
    stall = inventory.create_location(org, owner, name="Market stall", kind="market")
    assert "Receive at" in client.get(url).get_data(as_text=True)
    response = post_form(client, f"{url}/receive", {"lines-0-line_id": str(order.lines[0].id),
                                                    "lines-0-quantity": "200", "location_id": str(stall.id)},
                         form_url=url)
    assert response.status_code == 302
    lots = list(db.session.scalars(tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == wax.id,
                                                                            InventoryLot.location_id == stall.id)))
    assert [lot.original_quantity for lot in lots] == [D("200")]
