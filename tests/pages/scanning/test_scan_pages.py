"""The Scan page (a typed or scanned code opens its lot, SKU or item), the SKU page it opens, barcodes on the item
and SKU forms, and the lookup behind the scan buttons."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.services import inventory, products, sales

from ...factories import finished_batch, make_item, make_lot, make_sku, make_user
from ...helpers import post_form

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def made(org, owner):
    """A finished batch (an oil lot made into a SKU lot), the SKU with a barcode, the oil with another."""
    made = finished_batch(org, owner)
    products.update_sku(org, owner, made["sku"].id, barcode="036000291452")
    inventory.update_item(org, owner, made["oil"].id, barcode="5012345678900")
    return made


def test_scan_page_opens_with_camera_and_typed_field(client, owner, login):
    """Does the Scan page offer the camera, say when it cannot open, and keep a typed field; is it in the menu?"""
    login(owner)
    html = client.get("/scan").get_data(as_text=True)
    assert "data-scan-page" in html and 'name="code"' in html and "data-scan-insecure" in html
    assert "zxing-library-0.23.0.min.js" in html and "secure (https://) page" in html
    assert 'href="/scan"' in client.get("/dashboard").get_data(as_text=True)


def test_typed_codes_open_the_lot_the_sku_and_the_item(client, owner, login, made):
    """Does a typed label link open its lot, a SKU barcode the SKU page, an item barcode the item, a lot code its
    lot and a batch label its one output lot?"""
    login(owner)
    lot = made["output_lot"]
    response = client.get("/scan", query_string={"code": f"https://batchtrack.example/l/{lot.public_token}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/trace/lots/{lot.code}")
    # the printed link typed without its scheme
    response = client.get("/scan", query_string={"code": f"batchtrack.example:8080/l/{lot.public_token}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/trace/lots/{lot.code}")
    response = client.get("/scan?code=0036000291452")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/products/skus/{made['sku'].id}")
    response = client.get("/scan?code=5012345678900")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inventory/{made['oil'].id}")
    response = client.get("/scan", query_string={"code": made["oil_lot"].code})
    assert response.headers["Location"].endswith(f"/trace/lots/{made['oil_lot'].code}")
    response = client.get("/scan", query_string={"code": made["batch"].label})
    assert response.headers["Location"].endswith(f"/trace/lots/{lot.code}")


def test_unknown_code_says_so_and_offers_to_add_the_barcode(client, owner, login, made):
    """Does an unknown code answer 404 with a plain message and a way to put it on an item or SKU?"""
    login(owner)
    response = client.get("/scan?code=4006381333931")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Nothing in your organization has the code 4006381333931" in html
    assert f'value="sku-{made["sku"].id}"' in html and f'value="item-{made["oil"].id}"' in html
    assert "/inventory/new?barcode=4006381333931" in html
    response = client.get("/scan", query_string={"code": "4006381333931", "assign": f"item-{made['lye'].id}"})
    assert response.status_code == 302
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="4006381333931"' in edit
    response = client.get("/scan", query_string={"code": "4006381333931", "assign": f"sku-{made['sku'].id}"})
    assert 'value="4006381333931"' in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/scan?code=").status_code == 422


def test_another_organizations_codes_are_not_found(client, owner, login, other_org, other_owner):
    """Does a code of another organization's label, lot or barcode open nothing here?"""
    theirs = make_item(other_org, other_owner, name="Their oil", barcode="5012345678900")
    their_lot = make_lot(other_org, theirs, "5", "1", code="THEIR-LOT-1")
    login(owner)
    for code in (f"http://localhost/l/{their_lot.public_token}", "THEIR-LOT-1", "5012345678900"):
        response = client.get("/scan", query_string={"code": code})
        assert response.status_code == 404, code
        assert "Their oil" not in response.get_data(as_text=True)
    response = client.get("/scan/lookup?code=5012345678900")
    assert response.status_code == 200 and response.get_json()["kind"] == "unknown"
    assert response.get_json()["item"] is None


def test_an_unknown_label_link_is_not_offered_as_a_barcode(client, owner, login, made):
    """A label link that names none of the organization's lots: 404 saying so, without offering to put the link
    on an item or SKU as its barcode."""
    login(owner)
    response = client.get("/scan", query_string={"code": "https://batchtrack.example/l/abcdefgh12345"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "This label is not one of your lots." in html
    assert 'data-testid="assign-barcode"' not in html and "new-item-with-barcode" not in html
    lookup = client.get("/scan/lookup", query_string={"code": "http://localhost/l/abcdefgh12345"}).get_json()
    assert lookup["kind"] == "unknown" and lookup["via"] == "label"


def test_sku_page_sells_one_and_links_adjust(client, org, owner, login, made):
    """Does the SKU page show the barcode, sell one at the retail price in one tap, and link to adjust its stock?"""
    login(owner)
    sku = made["sku"]
    html = client.get(f"/products/skus/{sku.id}").get_data(as_text=True)
    assert "036000291452" in html and 'data-testid="sell-one"' in html
    assert f"/inventory/{sku.item_id}#adjust" in html
    response = post_form(client, "/sales/new", {"sku": f"sku-{sku.id}", "quantity": "1"},
                         form_url=f"/products/skus/{sku.id}")
    assert response.status_code == 302 and "/sales/" in response.headers["Location"]
    sale = sales.get_sale(org, owner, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (sale.sku_id, sale.quantity, sale.unit_price) == (sku.id, 1, Decimal("9.00"))


def test_sku_page_with_only_curing_stock_says_when_it_can_be_sold(client, org, owner, login):
    """All of a SKU's stock curing: does its page say so and when the first lot is ready, instead of a Sell button
    that is refused; does the lot say "curing until …" (it said "on hold") and link its batch?"""
    made = finished_batch(org, owner)
    sku, item = made["sku"], made["item"]
    inventory.set_lot_hold(org, owner, made["output_lot"].id, date(2031, 3, 1))  # the batch's 10 bars
    make_lot(org, item, "6", "1.2", hold_until=date(2031, 1, 15))
    login(owner)
    html = client.get(f"/products/skus/{sku.id}").get_data(as_text=True)
    assert 'data-testid="sell-one"' not in html
    note = html.split('data-testid="nothing-to-sell">')[1].split("</p>")[0]
    assert "Nothing to sell yet" in note and "(16 each)" in note and "The first lot is ready on 2031-01-15." in note
    assert "curing until 2031-01-15" in html and "curing until 2031-03-01" in html
    assert f'href="/batches/{made["batch"].id}"' in html
    inventory.adjust(org, owner, item.id, change_type="recount", quantity="0", unit="each")
    empty = client.get(f"/products/skus/{sku.id}").get_data(as_text=True)
    assert "Nothing in stock to sell." in empty and 'data-testid="sell-one"' not in empty


def test_item_form_barcode_duplicate_is_a_field_error(client, owner, login, org):
    """Does a barcode already on another item show as an error on the Barcode field, and a good one save?"""
    make_item(org, owner, name="Shea butter", barcode="5012345678900")
    login(owner)
    response = post_form(client, "/inventory/new", {"name": "Cocoa butter", "kind": "ingredient", "unit": "g",
                                                     "barcode": "5 012345 678900"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="barcode-error"' in html and "already on the item Shea butter" in html
    response = post_form(client, "/inventory/new", {"name": "Cocoa butter", "kind": "ingredient", "unit": "g",
                                                     "barcode": "4006381333931"}, form_url="/inventory/new")
    assert response.status_code == 302
    detail = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert 'data-testid="item-barcode">4006381333931' in detail and "Scan supplier barcode" in detail


def test_sku_form_barcode_duplicate_is_a_field_error(client, owner, login, org):
    """Does the SKU edit form refuse a barcode another SKU carries, on its Barcode field?"""
    make_sku(org, owner, barcode="036000291452")
    sku = make_sku(org, owner)
    login(owner)
    url = f"/products/skus/{sku.id}/edit"
    response = post_form(client, url, {"barcode": "036000291452", "size_label": "8 oz"})
    assert response.status_code == 422
    assert 'id="barcode-error"' in response.get_data(as_text=True)


def test_lookup_gives_the_receive_form_the_item_and_supplier_lot(client, owner, login, made):
    """Does the lookup behind "Scan supplier barcode" give a GS1 code's item, restock form, lot and expiry?"""
    login(owner)
    response = client.get("/scan/lookup", query_string={"code": "]C1010501234567890017270531" + "10OO-22"})
    answer = response.get_json()
    assert answer["kind"] == "item" and answer["item"]["id"] == made["oil"].id
    assert answer["supplier_lot_code"] == "OO-22" and answer["expires_on"] == "2027-05-31"
    assert answer["item"]["restock_url"].endswith(f"/inventory/{made['oil'].id}?change_type=restock")
    prefilled = client.get(answer["item"]["restock_url"] + "&supplier_lot_code=OO-22&expires_at=2027-05-31")
    html = prefilled.get_data(as_text=True)
    assert 'value="OO-22"' in html and 'value="2027-05-31"' in html
    assert client.get("/scan/lookup?code=").status_code == 422


def test_a_viewer_scans_but_is_not_offered_to_add_barcodes(client, org, login, made):
    """Can a viewer scan (it only reads), without being offered to put an unknown barcode on an item or SKU?"""
    login(make_user(org, role="viewer"))
    response = client.get("/scan?code=0036000291452")
    assert response.status_code == 302
    response = client.get("/scan?code=4006381333931")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "Nothing in your organization" in html
    assert 'data-testid="assign-barcode"' not in html and "/inventory/new" not in html


def test_scanning_switched_off_by_the_feature_flag(app, client, owner, login, made, monkeypatch):
    """With the `barcode_qr` flag off, do the Scan page and its lookup refuse (403) instead of resolving codes?"""
    monkeypatch.setitem(app.extensions["batchtrack_flags"], "barcode_qr", False)
    login(owner)
    response = client.get("/scan?code=0036000291452")
    assert response.status_code == 403 and "Scanning is switched off" in response.get_data(as_text=True)
    assert client.get("/scan/lookup?code=0036000291452").status_code == 403
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/scan"' not in dashboard and ">Inventory</a>" in dashboard  # no menu link to a refusal


def test_scan_in_the_menu_while_the_plan_has_it(client, owner, login):
    """Does the menu offer Scan when the plan includes scanning?"""
    login(owner)
    assert 'href="/scan"' in client.get("/dashboard").get_data(as_text=True)


def test_putting_an_unknown_code_on_something_searches_a_large_catalogue(client, org, owner, login, made):
    """With more items than the picker lists, the page lists the first 50, says so, and a search by name or code
    narrows it to the matches (SKUs by code or product name); a search that matches nothing says so."""
    from ...factories import bulk_items

    bulk_items(org, 60)
    login(owner)
    html = client.get("/scan?code=4006381333931").get_data(as_text=True)
    assert html.count('value="item-') == 50 and 'data-testid="targets-more"' in html
    html = client.get("/scan", query_string={"code": "4006381333931", "find": made["oil"].name}).get_data(as_text=True)
    assert f'value="item-{made["oil"].id}"' in html and html.count('value="item-') == 1
    assert 'data-testid="targets-more"' not in html
    sku = made["sku"]
    html = client.get("/scan", query_string={"code": "4006381333931", "find": sku.code.lower()}).get_data(as_text=True)
    assert f'value="sku-{sku.id}"' in html and 'value="item-' not in html
    response = client.get("/scan", query_string={"code": "4006381333931", "find": "no such thing%_"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and 'data-testid="targets-none"' in html and 'name="assign"' not in html
