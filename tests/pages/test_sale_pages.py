"""Sale pages: list with totals and CSV, recording a sale (FIFO, COGS), sale page and returns, CSV import
with a validation report, reservations, and the dashboard widget."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import InventoryEvent, Reservation, Sale
from app.services import reservations, sales, tenancy

from ..factories import assert_invariants, stocked_sku
from ..helpers import count_queries, post_form

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def soap(org, owner):
    """A SKU at $8.00 retail with two lots of 10: the older at $1.00, the newer at $2.00 each."""
    return stocked_sku(org, owner, name="Lavender Soap", price="8.00", quantity="10", unit_cost=["1", "2"])


def _sales(org) -> int:
    return db.session.scalar(tenancy.scoped(Sale, org, func.count(Sale.id))) or 0


def _events(org) -> int:
    return db.session.scalar(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id))) or 0


def test_pages_render(client, org, owner, login, soap):
    login(owner)
    for url in ("/sales", "/sales/new", "/sales/import", "/sales/reservations", "/dashboard"):
        assert client.get(url).status_code == 200, url
    assert 'data-testid="empty-sales"' in client.get("/sales").get_data(as_text=True)


def test_record_a_sale_through_the_form_takes_stock_fifo_and_shows_cogs(client, org, owner, login, soap):
    """Does the sale form take stock oldest lot first and show revenue, COGS and margin on the sale page?"""
    login(owner)
    response = post_form(client, "/sales/new", {"sku": f"sku-{soap['sku'].id}", "quantity": "12",
                                                "unit_price": "", "order_ref": "#1042", "channel": "Market",
                                                "customer": "Ana"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    sale = tenancy.find_for_org(Sale, org, order_ref="#1042")
    assert sale.unit_price == Decimal("8.00")  # defaulted to the SKU retail price
    assert sale.cogs == Decimal("14")  # 10 × $1 + 2 × $2
    db.session.expire_all()
    assert soap["item"].quantity == Decimal("8")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "$96.00" in html and "$14.00" in html and "$82.00" in html
    assert soap["lots"][0].code in html and soap["lots"][1].code in html
    assert_invariants(org)
    html = client.get("/sales").get_data(as_text=True)
    assert "#1042" in html and "85.4%" in html


def test_sale_form_prefills_the_sku_and_its_retail_price(client, owner, login, soap):
    login(owner)
    html = client.get(f"/sales/new?sku_id={soap['sku'].id}").get_data(as_text=True)
    assert f'value="sku-{soap["sku"].id}" selected' in html or f'selected value="sku-{soap["sku"].id}"' in html
    assert 'value="8"' in html or 'value="8.00"' in html


def test_sale_form_starts_at_a_quantity_of_one(client, owner, login, soap):
    """From the "Sell" shortcut (no SKU chosen yet) and from a SKU: does the quantity start at 1 (a grey "1"
    placeholder looked filled in, and the sale was refused with "Enter a quantity.")?"""
    login(owner)
    for url in ("/sales/new", f"/sales/new?sku_id={soap['sku'].id}"):
        html = client.get(url).get_data(as_text=True)
        field = html.split('name="quantity"')[0].rsplit("<input", 1)[1] + html.split('name="quantity"')[1].split(">")[0]
        assert 'value="1"' in field, (url, field)


def test_selling_more_than_available_is_422_with_the_message_and_writes_nothing(client, org, owner, login, soap):
    login(owner)
    before = (_sales(org), _events(org))
    response = post_form(client, "/sales/new", {"sku": f"sku-{soap['sku'].id}", "quantity": "25", "unit_price": "8"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not enough available stock" in html and "20 each available" in html
    assert (_sales(org), _events(org)) == before


@pytest.mark.parametrize("data", [
    {"quantity": "abc", "unit_price": "8"},
    {"quantity": "-1", "unit_price": "8"},
    {"quantity": "0", "unit_price": "8"},
    {"quantity": "1e30", "unit_price": "8"},
    {"quantity": "1", "unit_price": "-5"},
    {"quantity": "1", "unit_price": "NaN"},
    {"quantity": "1", "unit_price": "8", "sku": "sku-999999"},
    {"quantity": "1", "unit_price": "8", "sku": "junk"},
    {"quantity": "1", "unit_price": "8", "order_ref": "x" * 200},
])
def test_bad_sale_input_is_a_4xx_and_writes_nothing(client, org, owner, login, soap, data):
    login(owner)
    before = (_sales(org), _events(org))
    payload = {"sku": f"sku-{soap['sku'].id}", **data}
    response = post_form(client, "/sales/new", payload, form_url="/sales/new")
    assert response.status_code == 422
    assert (_sales(org), _events(org)) == before


def test_another_organizations_sale_is_404(client, org, other_org, owner, other_owner, login):
    theirs = stocked_sku(other_org, other_owner)
    sale = sales.record_sale(other_org, other_owner, sku_id=theirs["sku"].id, quantity="1", unit_price="5")
    login(owner)
    assert client.get(f"/sales/{sale.id}").status_code == 404
    response = post_form(client, f"/sales/{sale.id}/return", {"quantity": "1"}, form_url="/sales")
    assert response.status_code == 404
    # …and their SKU cannot be sold from here
    response = post_form(client, "/sales/new", {"sku": f"sku-{theirs['sku'].id}", "quantity": "1", "unit_price": "5"})
    assert response.status_code == 422
    assert sale.returned_quantity == Decimal(0)


def test_viewer_may_look_but_not_sell_return_or_import(client, org, owner, viewer, login, soap):
    sale = sales.record_sale(org, owner, sku_id=soap["sku"].id, quantity="1", unit_price="8")
    login(viewer)
    assert client.get("/sales").status_code == 200
    assert client.get(f"/sales/{sale.id}").status_code == 200
    assert client.get("/sales/new").status_code == 403
    for url, data in (("/sales/new", {"sku": f"sku-{soap['sku'].id}", "quantity": "1", "unit_price": "8"}),
                      (f"/sales/{sale.id}/return", {"quantity": "1"}),
                      ("/sales/import", {"csv_text": "sku,quantity,unit_price\n"}),
                      ("/sales/reservations/new", {"sku": f"sku-{soap['sku'].id}", "quantity": "1",
                                                   "order_ref": "A"})):
        assert post_form(client, url, data, form_url="/sales").status_code == 403, url
    assert _sales(org) == 1


def test_return_credits_the_lots_and_shows_on_the_sale(client, org, owner, login, soap):
    sale = sales.record_sale(org, owner, sku_id=soap["sku"].id, quantity="3", unit_price="8", order_ref="R-1")
    login(owner)
    url = f"/sales/{sale.id}"
    response = post_form(client, f"{url}/return", {"quantity": "2", "notes": "Damaged"}, form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert sale.returned_quantity == Decimal("2") and soap["item"].quantity == Decimal("19")
    html = client.get(url).get_data(as_text=True)
    assert "part returned" in html and "Damaged" in html
    response = post_form(client, f"{url}/return", {"quantity": "5"}, form_url=url)
    assert response.status_code == 422 and "At most 1" in response.get_data(as_text=True)
    assert_invariants(org)


def test_nul_characters_in_typed_text_are_refused(client, org, owner, login, soap):
    """Is text with a NUL character (which PostgreSQL refuses) answered 400 with nothing written?"""
    login(owner)
    response = post_form(client, "/sales/new", {"sku": f"sku-{soap['sku'].id}", "quantity": "1", "unit_price": "8",
                                                "order_ref": "N\x00UL", "customer": "\x00"})
    assert response.status_code == 400
    assert tenancy.find_for_org(Sale, org, order_ref="NUL") is None


def test_list_filters_totals_and_csv_export(client, org, owner, login, soap):
    sales.record_sale(org, owner, sku_id=soap["sku"].id, quantity="2", unit_price="8", order_ref="M-1",
                      channel="Market")
    sales.record_sale(org, owner, sku_id=soap["sku"].id, quantity="1", unit_price="10", order_ref="W-1",
                      channel="Web", customer="=HYPERLINK(1)")
    login(owner)
    html = client.get("/sales?channel=Market").get_data(as_text=True)
    assert "M-1" in html and "W-1" not in html and "$16.00" in html
    html = client.get("/sales?q=W-1").get_data(as_text=True)
    assert "W-1" in html and "M-1" not in html
    assert client.get("/sales?date_from=not-a-date&date_to=2000-01-01").status_code == 200
    assert "No sales match" in client.get("/sales?date_to=2000-01-01").get_data(as_text=True)
    response = client.get("/sales.csv?channel=Web")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "W-1" in text and "M-1" not in text and "'=HYPERLINK(1)" in text


def test_todays_sales_are_one_tap_away(client, org, owner, login, soap):
    """At a market stall: does the sales list link to today's sales (today in the organization's time zone) and
    show their totals, with the link left out once it is the filter?"""
    from app.services.timezones import org_today

    sales.record_sale(org, owner, sku_id=soap["sku"].id, quantity="2", unit_price="8", channel="Market")
    today = org_today(org).isoformat()
    login(owner)
    html = client.get("/sales").get_data(as_text=True)
    link = f'href="/sales?date_from={today}&amp;date_to={today}" class="small" data-testid="sales-today"'
    assert link in html
    todays = client.get(f"/sales?date_from={today}&date_to={today}").get_data(as_text=True)
    assert 'data-testid="sales-totals"' in todays and "$16.00" in todays
    assert 'data-testid="sales-today"' not in todays


def test_sale_list_queries_do_not_grow_with_rows(client, org, owner, login, soap):
    sales.record_sale(org, owner, sku_id=soap["sku"].id, quantity="1", unit_price="8")
    login(owner)
    client.get("/sales")
    with count_queries() as few:
        client.get("/sales")
    for index in range(8):
        sales.record_sale(org, owner, sku_id=soap["sku"].id, quantity="1", unit_price="8", order_ref=f"N{index}")
    client.get("/sales")
    with count_queries() as many:
        client.get("/sales")
    assert many.count <= few.count


# ---- CSV import --------------------------------------------------------------------------------------

def test_import_report_shows_row_and_column_and_writes_nothing(client, org, owner, login, soap):
    login(owner)
    code = soap["sku"].code
    text = (f"sku,quantity,unit_price,order_ref\n{code},2,8,A-1\nNOPE,1,8,A-2\n{code},lots,8,A-3\n"
            f"{code},1,-3,A-4\n")
    before = (_sales(org), _events(org))
    response = post_form(client, "/sales/import", {"file": (io.BytesIO(text.encode()), "sales.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="import-problems"' in html and "nothing was imported" in html
    assert "<td class=\"num\">3</td><td><code>sku</code></td>" in html
    assert "<td class=\"num\">4</td><td><code>quantity</code></td>" in html
    assert "<td class=\"num\">5</td><td><code>unit_price</code></td>" in html
    assert "Import 1" not in html
    assert (_sales(org), _events(org)) == before
    response = post_form(client, "/sales/import", {"csv_text": "quantity\n1\n"}, form_url="/sales/import")
    assert response.status_code == 422 and "Missing column" in response.get_data(as_text=True)
    response = post_form(client, "/sales/import", {"file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.csv")},
                         form_url="/sales/import", content_type="multipart/form-data")
    assert response.status_code == 422 and "UTF-8" in response.get_data(as_text=True)
    assert post_form(client, "/sales/import", {}, form_url="/sales/import").status_code == 422
    assert (_sales(org), _events(org)) == before


def test_import_a_good_file_after_confirming(client, org, owner, login, soap):
    login(owner)
    code = soap["sku"].code
    text = f"sku,quantity,unit_price,order_ref,channel\n{code},2,8,B-1,Etsy\n{code},3,9.5,B-2,Etsy\n"
    response = post_form(client, "/sales/import", {"file": (io.BytesIO(text.encode()), "sales.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Import 2 sales" in html and _sales(org) == 0
    response = post_form(client, "/sales/import/confirm", {"csv_text": text}, form_url="/sales/import")
    assert response.status_code == 302
    assert _sales(org) == 2
    db.session.expire_all()
    assert soap["item"].quantity == Decimal("15")
    assert "Imported 2 sales" in client.get(response.headers["Location"]).get_data(as_text=True)
    # Confirming a file that no longer fits the stock writes nothing and shows the report again.
    response = post_form(client, "/sales/import/confirm", {"csv_text": f"sku,quantity,unit_price\n{code},99,8\n"},
                         form_url="/sales/import")
    assert response.status_code == 422 and "Not enough available stock" in response.get_data(as_text=True)
    assert _sales(org) == 2
    assert_invariants(org)


# ---- reservations ------------------------------------------------------------------------------------

def test_reserve_release_and_convert_through_the_pages(client, org, owner, login, soap):
    login(owner)
    response = post_form(client, "/sales/reservations/new", {"sku": f"sku-{soap['sku'].id}", "quantity": "15",
                                                              "order_ref": "HOLD-1", "customer": "Bo"},
                         form_url="/sales/reservations")
    assert response.status_code == 302
    held = tenancy.find_for_org(Reservation, org, order_ref="HOLD-1")
    assert held.status == "open"
    # 20 on hand, 15 held: selling 6 is refused, the reservation itself can still be converted.
    response = post_form(client, "/sales/new", {"sku": f"sku-{soap['sku'].id}", "quantity": "6", "unit_price": "8"})
    assert response.status_code == 422
    response = post_form(client, "/sales/reservations/new", {"sku": f"sku-{soap['sku'].id}", "quantity": "6",
                                                              "order_ref": "HOLD-2"}, form_url="/sales/reservations")
    assert response.status_code == 422 and "Not enough available stock" in response.get_data(as_text=True)
    html = client.get("/sales/reservations").get_data(as_text=True)
    assert "HOLD-1" in html and "open" in html
    response = post_form(client, f"/sales/reservations/{held.id}/convert", {"unit_price": ""},
                         form_url="/sales/reservations")
    assert response.status_code == 302
    sale = tenancy.find_for_org(Sale, org, order_ref="HOLD-1")
    assert sale.quantity == Decimal("15") and sale.unit_price == Decimal("8")
    other = reservations.create_reservation(org, owner, item_id=soap["item"].id, quantity="2", order_ref="HOLD-3")
    response = post_form(client, f"/sales/reservations/{other.id}/release", {}, form_url="/sales/reservations")
    assert response.status_code == 302
    db.session.expire_all()
    assert other.status == "released"
    response = post_form(client, f"/sales/reservations/{other.id}/release", {}, form_url="/sales/reservations")
    assert response.status_code == 302  # already released: a flash, nothing changes
    assert "is released" in client.get("/sales/reservations").get_data(as_text=True)
    assert_invariants(org)


def test_another_organizations_reservation_is_404(client, org, other_org, owner, other_owner, login):
    theirs = stocked_sku(other_org, other_owner)
    held = reservations.create_reservation(other_org, other_owner, item_id=theirs["item"].id, quantity="1",
                                           order_ref="THEIRS")
    login(owner)
    for action in ("release", "convert"):
        response = post_form(client, f"/sales/reservations/{held.id}/{action}", {"unit_price": "1"},
                             form_url="/sales/reservations")
        assert response.status_code == 404
    db.session.expire_all()
    assert held.status == "open"


def test_dashboard_shows_sales_this_month(client, org, owner, login, soap):
    """Does the dashboard show this month's revenue, COGS and margin beside the other widgets?"""
    sales.record_sale(org, owner, sku_id=soap["sku"].id, quantity="2", unit_price="8")
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="sales-widget"' in html and "$16.00" in html and "$14.00" in html
    assert html.count('data-testid="inventory-widget"') == 1  # the other widgets are still there, once


@pytest.mark.parametrize("url", [
    "/sales?page=abc&date_from=2026-13-45&channel=" + "x" * 300, "/sales.csv?date_to=junk",
    "/sales/99999999999999999999",
    "/sales/new?item_id=999999999999999999999", "/products?q=%25%5C_&page=0", "/products/99999999999999999999",
    "/trace?q=%00", "/trace/lots/99999999999999999999", "/trace/lots/a%2Fb", "/trace/recalls?status=x&page=y",
    "/trace/recalls/99999999999999999999.csv", "/sales/reservations?status=bogus&page=-1", "/sales?q=%00&channel=%00",
    "/products?q=a%00b", "/trace/lots/%00", "/trace/lots/LOT%00",
])
def test_junk_in_urls_is_never_a_500(client, owner, login, url):
    """Do out-of-range ids, bad dates, NULs and wildcard searches give a page, a 400 or a 404, never a 500?"""
    login(owner)
    assert client.get(url).status_code in ((400,) if "?" in url and "%00" in url else (200, 404))
