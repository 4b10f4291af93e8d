"""Inventory pages: list, create/edit/archive, detail with the adjust form, ledger CSV, dashboard widget."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models.inventory import InventoryEvent, InventoryItem
from app.services import inventory, tenancy

from ...factories import bulk_items, finished_batch, make_item, make_sale, restock
from ...helpers import count_queries, csrf_token, post_form

pytestmark = pytest.mark.usefixtures("reference_data")



def _events(org) -> int:
    return db_count(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id)))


def db_count(stmt) -> int:
    from app.extensions import db

    return db.session.scalar(stmt) or 0


def _item(org, item_id):
    from app.extensions import db

    db.session.expire_all()
    return tenancy.get_for_org(InventoryItem, item_id, org)


# ---- list ------------------------------------------------------------------------------------------

def test_empty_inventory_explains_the_next_step(client, owner, login):
    """Does an empty inventory point the maker at adding an item or picking one from the library?"""
    login(owner)
    html = client.get("/inventory").get_data(as_text=True)
    assert "Add your first ingredient" in html
    assert "Create from the library" in html


def test_list_shows_quantity_value_and_alert_badges(client, org, owner, login):
    """Does the list show stock with its unit, the value and low-stock / expired badges?"""
    low = make_item(org, owner, "Shea Butter", reorder_point=Decimal("1000"))
    restock(org, owner, low, 250, unit_cost="0.04")
    bulk_items(org, 1)  # an expired lot (index 0)
    login(owner)
    html = client.get("/inventory").get_data(as_text=True)
    assert "Shea Butter" in html and "250 g" in html
    assert "$10.00" in html
    assert "low stock" in html
    assert "expired" in html


def test_list_search_kind_filter_sort_and_archived_toggle(client, org, owner, login):
    """Do search, kind filter, sort and the archived toggle narrow the list?"""
    make_item(org, owner, "Olive Oil")
    jar = make_item(org, owner, "Amber Jar 4oz", kind="container", unit="each")
    gone = make_item(org, owner, "Old Wax")
    inventory.archive_item(org, owner, gone.id)
    login(owner)
    html = client.get("/inventory?q=olive").get_data(as_text=True)
    assert "Olive Oil" in html and "Amber Jar" not in html
    html = client.get("/inventory?kind=container").get_data(as_text=True)
    assert "Amber Jar" in html and "Olive Oil" not in html
    assert client.get("/inventory?sort=value").status_code == 200
    assert client.get("/inventory?sort=nonsense&kind=bogus&page=abc").status_code == 200
    assert "Old Wax" not in client.get("/inventory").get_data(as_text=True)
    assert "Old Wax" in client.get("/inventory?archived=1").get_data(as_text=True)
    assert jar.id


def test_list_query_count_does_not_grow_with_items(client, org, owner, login):
    """Does the inventory list cost the same number of queries with 5 and with 500 items?"""
    from app.extensions import db

    bulk_items(org, 5)
    login(owner)
    db.session.expire_all()  # both requests start from an empty identity map
    with count_queries() as small:
        assert client.get("/inventory").status_code == 200
    bulk_items(org, 495, start=5)
    db.session.expire_all()
    with count_queries() as large:
        response = client.get("/inventory")
    assert response.status_code == 200
    assert "Page 1 of 10" in response.get_data(as_text=True)
    assert large.count == small.count, (small.count, large.count, large.statements)


# ---- create / edit / archive -----------------------------------------------------------------------

def test_create_item_through_the_form(client, org, owner, login):
    """Does the new-item form create the item and land on its page?"""
    login(owner)
    response = post_form(client, "/inventory/new", {
        "name": "Coconut Oil 76", "kind": "ingredient", "unit": "g", "density": "0.92",
        "shelf_life_days": "365", "reorder_point": "500", "allergens": "", "supplier_id": "",
        "capacity_unit": "",
    })
    assert response.status_code == 302
    item = db_one(org, "Coconut Oil 76")
    assert item.density == Decimal("0.92") and item.shelf_life_days == 365
    assert response.headers["Location"].startswith(f"/inventory/{item.id}")


def db_one(org, name):
    from app.extensions import db

    return db.session.scalar(tenancy.scoped(InventoryItem, org).where(InventoryItem.name == name))


@pytest.mark.parametrize("data", [
    {"name": "", "unit": "g"},
    {"name": "Lye", "unit": "g", "density": "abc"},
    {"name": "Lye", "unit": "g", "density": "NaN"},
    {"name": "Lye", "unit": "g", "reorder_point": "-4"},
    {"name": "Lye", "unit": "g", "shelf_life_days": "99999999999"},
    {"name": "Lye", "unit": "furlongs"},
    {"name": "Lye", "unit": "g", "kind": "spaceship"},
    {"name": "Lye", "unit": "g", "density": "1e400"},
])
def test_bad_item_input_is_422_and_writes_nothing(client, org, owner, login, data):
    """Is bad item input answered with 422 and no item?"""
    login(owner)
    payload = {"kind": "ingredient", "supplier_id": "", "capacity_unit": "", **data}
    response = post_form(client, "/inventory/new", payload)
    assert response.status_code == 422
    assert db_count(tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id))) == 0


def test_new_item_prefilled_from_the_library(client, owner, login):
    """Does ?library_id= prefill the new-item form from a library entry?"""
    from app.extensions import db
    from app.models import GlobalItem

    entry = db.session.scalar(select(GlobalItem).where(GlobalItem.name == "Olive Oil"))
    login(owner)
    html = client.get(f"/inventory/new?library_id={entry.id}").get_data(as_text=True)
    assert 'value="Olive Oil"' in html
    assert "Olea Europaea" in html
    assert client.get("/inventory/new?library_id=999999").status_code == 200
    oil = db.session.scalar(select(GlobalItem).where(GlobalItem.category == "essential_oil"))
    html = client.get(f"/inventory/new?library_id={oil.id}").get_data(as_text=True)
    assert "(essential oil)" in html and "(essential_oil)" not in html  # the category in words, not its code


def test_edit_archive_and_restore(client, org, owner, login):
    """Do edit, archive and restore work through the pages?"""
    item = make_item(org, owner, "Beeswax")
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/edit", {
        "name": "Beeswax (yellow)", "kind": "ingredient", "unit": "g", "supplier_id": "", "capacity_unit": "",
    })
    assert response.status_code == 302
    assert _item(org, item.id).name == "Beeswax (yellow)"
    response = post_form(client, f"/inventory/{item.id}/archive", {}, form_url=f"/inventory/{item.id}")
    assert response.status_code == 302
    assert _item(org, item.id).archived_at is not None
    assert "archived" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = post_form(client, f"/inventory/{item.id}/restore", {}, form_url=f"/inventory/{item.id}")
    assert response.status_code == 302
    assert _item(org, item.id).archived_at is None


# ---- detail and adjustments ------------------------------------------------------------------------

def test_detail_shows_lots_and_ledger(client, org, owner, login):
    """Does the item page show its lots with status and its ledger with codes and the actor?"""
    item = make_item(org, owner, "Castor Oil")
    restock(org, owner, item, 1000, supplier_lot_code="SUP-77")
    login(owner)
    html = client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert "LOT-" in html and "SUP-77" in html
    assert "badge-ok\">active" in html
    assert "restock" in html and "+1,000 g" in html
    assert owner.email in html
    code = inventory.lots_in_consumption_order(org, owner, item.id)[0].code
    # the lot's code opens its trace page, in the lots list and in the ledger
    assert html.count(f'href="/trace/lots/{code}"') == 2


def test_ledger_names_changes_in_words_and_links_their_batch_and_sale(client, org, owner, login):
    """Does the ledger say "Used in a batch" / "Sale" (it printed the codes "batch batch #3", "sale sale #1") with
    the batch and the sale linked?"""
    made = finished_batch(org, owner)
    sale = make_sale(org, owner, made["item"], quantity="1", unit_price="9")
    login(owner)
    oil = client.get(f"/inventory/{made['oil'].id}").get_data(as_text=True)
    assert f'Used in a batch <span class="small"><a href="/batches/{made["batch"].id}">batch #' in oil
    bar = client.get(f"/inventory/{made['item'].id}").get_data(as_text=True)
    assert f'Sale <span class="small"><a href="/sales/{sale.id}">sale #{sale.id}</a>' in bar
    assert ">batch batch" not in oil and ">sale <span" not in bar


def test_restock_through_the_form_changes_stock(client, org, owner, login):
    """Does a restock posted through the adjust form add stock and a lot, with a flash?"""
    item = make_item(org, owner, "Sunflower Oil")
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/adjust", {
        "change_type": "restock", "quantity": "2", "unit": "kg", "unit_cost": "3.50",
        "supplier_id": "", "lot_code": "", "supplier_lot_code": "B-1", "notes": "first order",
    }, form_url=f"/inventory/{item.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _item(org, item.id).quantity == Decimal("2000")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "In stock now: 2,000 g" in html


def test_restock_in_pounds_flashes_rounded_quantities_as_typed(client, org, owner, login):
    """Does a restock of 2 lb into a gram item say "+2 lb (907.18 g)", not "+907.18474 g"?"""
    item = make_item(org, owner, "Shea Butter")
    login(owner)
    page = client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert "tsp (teaspoon, US)" in page and "(US))" not in page
    assert "How much you received" in page and "The total you counted" in page
    assert ">Restock (received: a new lot)</option>" in page  # short enough to read whole in a phone's select
    response = post_form(client, f"/inventory/{item.id}/adjust", {
        "change_type": "restock", "quantity": "2", "unit": "lb", "unit_cost": "12.50",
        "supplier_id": "", "lot_code": "", "supplier_lot_code": "", "notes": "",
    }, form_url=f"/inventory/{item.id}")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Restock: +2 lb (907.18 g) of Shea Butter" in html
    assert "In stock now: 907.18 g." in html
    assert "907.18474" not in html


def test_use_from_a_named_lot_and_recount(client, org, owner, login):
    """Can the form deduct from a chosen lot and record a recount?"""
    item = make_item(org, owner, "Kaolin Clay")
    first = restock(org, owner, item, 100).events[0].lot.code
    restock(org, owner, item, 100)
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/adjust", {
        "change_type": "use", "quantity": "30", "unit": "g", "lot_code": first, "supplier_id": "",
    }, form_url=f"/inventory/{item.id}")
    assert response.status_code == 302
    assert _item(org, item.id).quantity == Decimal("170")
    response = post_form(client, f"/inventory/{item.id}/adjust", {
        "change_type": "recount", "quantity": "150", "unit": "g", "lot_code": "", "supplier_id": "",
    }, form_url=f"/inventory/{item.id}")
    assert response.status_code == 302
    assert _item(org, item.id).quantity == Decimal("150")


def test_taking_more_than_is_usable_says_so_under_the_quantity(client, org, owner, login):
    """The page reopens at the form, below the flash: does the quantity field itself say how much is usable,
    rounded for reading ("Only 907.18 g usable; this asks for 5,000 g.")?"""
    item = make_item(org, owner, "Shea Butter")
    restock(org, owner, item, 2, unit="lb")
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/adjust", {
        "change_type": "sample", "quantity": "5000", "unit": "g", "lot_code": "", "supplier_id": "",
    }, form_url=f"/inventory/{item.id}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="quantity-error">Only 907.18 g usable; this asks for 5,000 g.</small>' in html
    assert 'value="5000"' in html
    assert _item(org, item.id).quantity == Decimal("907.18474")


@pytest.mark.parametrize("data", [
    {"change_type": "restock", "quantity": "-5", "unit": "g"},
    {"change_type": "restock", "quantity": "abc", "unit": "g"},
    {"change_type": "restock", "quantity": "", "unit": "g"},
    {"change_type": "restock", "quantity": "1e40", "unit": "g"},
    {"change_type": "restock", "quantity": "5", "unit": "parsecs"},
    {"change_type": "teleport", "quantity": "5", "unit": "g"},
    {"change_type": "use", "quantity": "5000", "unit": "g"},
    {"change_type": "returned", "quantity": "5", "unit": "g"},
    {"change_type": "restock", "quantity": "5", "unit": "g", "expires_at": "not-a-date"},
    {"change_type": "restock", "quantity": "5", "unit": "g", "unit_cost": "-1"},
])
def test_bad_adjustments_are_422_and_keep_what_was_typed(client, org, owner, login, data):
    """Is a bad adjustment a 422 with the typed values kept, and nothing written?"""
    item = make_item(org, owner, "Cocoa Butter")
    restock(org, owner, item, 100)
    before = _events(org)
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/adjust",
                         {"supplier_id": "", "lot_code": "", "notes": "typed note", **data},
                         form_url=f"/inventory/{item.id}")
    assert response.status_code == 422, response.get_data(as_text=True)[:3000]
    assert 'value="typed note"' in response.get_data(as_text=True)
    assert _events(org) == before
    assert _item(org, item.id).quantity == Decimal("100")


def test_missing_density_offers_an_inline_fix_and_keeps_the_values(client, org, owner, login):
    """Does a volume entry for an item without density open a set-density form that returns to the
    adjust form with the typed values?"""
    item = make_item(org, owner, "Fragrance Oil")
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/adjust", {
        "change_type": "restock", "quantity": "250", "unit": "mL", "unit_cost": "0.1", "supplier_id": "",
        "lot_code": "", "notes": "keep me",
    }, form_url=f"/inventory/{item.id}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="fix-density"' in html
    assert f'action="/units/items/{item.id}/density"' in html
    token = csrf_token(client, f"/inventory/{item.id}")
    next_url = f"/inventory/{item.id}?change_type=restock&quantity=250&unit=mL&unit_cost=0.1&notes=keep+me"
    response = client.post(f"/units/items/{item.id}/density",
                           data={"density": "0.95", "next": next_url, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == next_url
    assert _item(org, item.id).density == Decimal("0.95")
    html = client.get(next_url).get_data(as_text=True)
    assert 'value="250"' in html and 'value="keep me"' in html
    assert '<option selected value="mL">' in html or 'value="mL" selected' in html


def test_bad_density_in_the_inline_fix_stays_on_the_item_page(client, org, owner, login):
    """Is a bad density typed into the inline fix shown there (422), the adjust values kept?"""
    item = make_item(org, owner, "Jojoba Oil")
    login(owner)
    token = csrf_token(client, f"/inventory/{item.id}")
    next_url = f"/inventory/{item.id}?change_type=use&quantity=12&unit=mL"
    response = client.post(f"/units/items/{item.id}/density",
                           data={"density": "lots", "next": next_url, "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="fix-density"' in html and 'value="12"' in html
    assert _item(org, item.id).density is None


def test_missing_unit_mapping_offers_an_add_mapping_form(client, org, owner, login):
    """Does a count unit for a weighed item open an add-unit-mapping form?"""
    item = make_item(org, owner, "Goat Milk Soap")
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/adjust", {
        "change_type": "restock", "quantity": "3", "unit": "each", "supplier_id": "", "lot_code": "",
    }, form_url=f"/inventory/{item.id}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="fix-mapping"' in html
    token = csrf_token(client, f"/inventory/{item.id}")
    next_url = f"/inventory/{item.id}?change_type=restock&quantity=3&unit=each"
    response = client.post("/units/mappings", data={"item_id": item.id, "unit_name": "each", "quantity": "113",
                                                   "in_unit": "g", "next": next_url, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == next_url
    response = post_form(client, f"/inventory/{item.id}/adjust", {
        "change_type": "restock", "quantity": "3", "unit": "each", "supplier_id": "", "lot_code": "",
    }, form_url=f"/inventory/{item.id}")
    assert response.status_code == 302
    assert _item(org, item.id).quantity == Decimal("339")


def test_ledger_csv(client, org, owner, login):
    """Does the ledger download as CSV with a header and one row per event?"""
    item = make_item(org, owner, "Lye (NaOH)")
    restock(org, owner, item, 500, notes="=HYPERLINK(evil)")
    login(owner)
    response = client.get(f"/inventory/{item.id}/events.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("code,time_utc,change_type,quantity")
    assert len(lines) == 2 and ",restock,500" in lines[1]
    assert "'=HYPERLINK" in lines[1]


# ---- tenancy, permissions, CSRF --------------------------------------------------------------------

def test_another_organizations_item_is_404(client, org, other_org, owner, other_owner, login):
    """Is every item page and action of another organization a 404?"""
    theirs = make_item(other_org, other_owner, "Their Oil")
    login(owner)
    for url in (f"/inventory/{theirs.id}", f"/inventory/{theirs.id}/edit", f"/inventory/{theirs.id}/events.csv"):
        assert client.get(url).status_code == 404, url
    for url in (f"/inventory/{theirs.id}/adjust", f"/inventory/{theirs.id}/archive",
                f"/inventory/{theirs.id}/edit"):
        response = post_form(client, url, {"change_type": "restock", "quantity": "5", "unit": "g", "name": "x",
                                           "kind": "ingredient"}, form_url="/inventory/new")
        assert response.status_code == 404, url
    assert _item(other_org, theirs.id).quantity == 0


def test_viewer_can_look_but_not_write(client, org, owner, viewer, login):
    """Does a viewer see the pages but get 403 on every write POST?"""
    item = make_item(org, owner, "Mica Blue")
    login(viewer)
    assert client.get("/inventory").status_code == 200
    html = client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert 'id="adjust"' not in html
    token = csrf_token(client, "/settings")
    for url, data in ((f"/inventory/{item.id}/adjust", {"change_type": "restock", "quantity": "5", "unit": "g"}),
                      ("/inventory/new", {"name": "Sneaky", "kind": "ingredient", "unit": "g"}),
                      (f"/inventory/{item.id}/archive", {})):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    assert client.get("/inventory/new").status_code == 403
    assert _item(org, item.id).quantity == 0


def test_missing_csrf_is_400(client, org, owner, login):
    """Is a POST without its CSRF token refused with 400 and nothing written?"""
    item = make_item(org, owner, "Titanium Dioxide")
    login(owner)
    response = client.post(f"/inventory/{item.id}/adjust", data={"change_type": "restock", "quantity": "5",
                                                                 "unit": "g"})
    assert response.status_code == 400
    assert _item(org, item.id).quantity == 0


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    """Are inventory pages closed to signed-out visitors?"""
    response = client.get("/inventory")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---- dashboard -------------------------------------------------------------------------------------

def test_dashboard_shows_inventory_numbers_and_alerts(client, org, owner, login):
    """Does the dashboard show item count, value, low stock and expiry alerts?"""
    bulk_items(org, 4)  # items 0 (expired lot, low stock) and 3 (low stock)
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="inventory-widget"' in html
    assert "$20.00" in html
    assert "1 expired lot still in stock" in html
    assert "3 lots expiring within 30 days" in html
    assert "2 items below the reorder point" in html


# ---- the global library link -----------------------------------------------------------------------

def _library_entry(name="Olive Oil"):
    from app.extensions import db
    from app.models import GlobalItem

    return db.session.scalar(select(GlobalItem).where(GlobalItem.name == name))


def test_item_created_from_the_library_stays_linked_unless_its_identity_was_changed(client, org, owner, login):
    """Is an item added from the library linked when its name/INCI/density are kept, and its own item
    (unlinked, with the maker's name) when they were changed?"""
    entry = _library_entry()
    login(owner)
    base = {"kind": "ingredient", "unit": "g", "inci_name": entry.inci, "density": str(entry.density),
            "global_item_id": str(entry.id), "supplier_id": "", "capacity_unit": ""}
    response = post_form(client, f"/inventory/new?library_id={entry.id}", {**base, "name": entry.name})
    assert response.status_code == 302
    assert db_one(org, entry.name).global_item_id == entry.id
    response = post_form(client, f"/inventory/new?library_id={entry.id}", {**base, "name": "Olive Oil (Spanish)"})
    assert response.status_code == 302
    mine = db_one(org, "Olive Oil (Spanish)")
    assert mine is not None and mine.global_item_id is None


def test_editing_a_linked_item_keeps_the_library_identity_and_can_unlink(client, org, owner, login):
    """Can a linked item be edited (its locked fields are not posted) and then unlinked?"""
    entry = _library_entry()
    item = make_item(org, owner, entry.name, global_item_id=entry.id)
    login(owner)
    form = {"kind": "ingredient", "unit": "g", "reorder_point": "750", "supplier_id": "", "capacity_unit": ""}
    response = post_form(client, f"/inventory/{item.id}/edit", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    saved = _item(org, item.id)
    assert saved.reorder_point == Decimal("750") and saved.global_item_id == entry.id and saved.name == entry.name
    response = post_form(client, f"/inventory/{item.id}/edit", {**form, "unlink_library": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inventory/{item.id}/edit")
    assert _item(org, item.id).global_item_id is None
    response = post_form(client, f"/inventory/{item.id}/edit", {**form, "name": "House Olive Oil", "density": "0.91"})
    assert response.status_code == 302
    assert _item(org, item.id).name == "House Olive Oil"


# ---- expiring / expired ----------------------------------------------------------------------------

def _lot(org, code):
    from app.extensions import db
    from app.models.inventory import InventoryLot

    db.session.expire_all()
    return tenancy.find_for_org(InventoryLot, org, code=code)


def test_expiring_page_lists_expired_and_expiring_lots(client, org, owner, login):
    """Does the expiring page list expired lots (with Dispose) and lots expiring within the window?"""
    bulk_items(org, 2)  # LOT-B00000 expired 2 days ago, LOT-B00001 expires in 10 days
    login(owner)
    html = client.get("/inventory/expiring").get_data(as_text=True)
    assert "LOT-B00000" in html and 'data-testid="dispose-LOT-B00000"' in html and "data-confirm=" in html
    assert "LOT-B00001" in html
    html = client.get("/inventory/expiring?days=5").get_data(as_text=True)
    assert "LOT-B00001" not in html and "LOT-B00000" in html
    assert client.get("/inventory/expiring?days=-4").status_code == 200
    assert client.get("/inventory/expiring?days=abc").status_code == 200


def test_dispose_an_expired_lot(client, org, owner, login):
    """Does Dispose write off exactly that expired lot with an `expired` event?"""
    bulk_items(org, 1)
    lot = _lot(org, "LOT-B00000")
    login(owner)
    response = post_form(client, f"/inventory/lots/{lot.id}/dispose", {"next": "/inventory/expiring"},
                         form_url="/inventory/expiring")
    assert response.status_code == 302 and response.headers["Location"] == "/inventory/expiring"
    assert _lot(org, "LOT-B00000").remaining_quantity == 0
    from app.extensions import db

    event = db.session.scalar(tenancy.scoped(InventoryEvent, org).where(InventoryEvent.change_type == "expired"))
    assert event.lot_id == lot.id and event.quantity == Decimal("-10")
    assert "Disposed 10 g" in client.get("/inventory/expiring").get_data(as_text=True)


def test_dispose_refuses_a_lot_that_has_not_expired(client, org, owner, login):
    """Is disposing of a lot that has not expired refused (409) with nothing written?"""
    bulk_items(org, 2)
    lot = _lot(org, "LOT-B00001")
    before = _events(org)
    login(owner)
    response = post_form(client, f"/inventory/lots/{lot.id}/dispose", {}, form_url="/inventory/expiring")
    assert response.status_code == 409
    assert "has not expired" in response.get_data(as_text=True)
    assert _events(org) == before


def test_dispose_guards(client, org, other_org, owner, viewer, other_owner, login):
    """Is disposing another organization's lot a 404, and a viewer's dispose a 403?"""
    bulk_items(other_org, 1)
    theirs = _lot(other_org, "LOT-B00000")
    login(owner)
    response = post_form(client, f"/inventory/lots/{theirs.id}/dispose", {}, form_url="/inventory/expiring")
    assert response.status_code == 404
    assert _lot(other_org, "LOT-B00000").remaining_quantity == Decimal("10")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    login(viewer)
    token = csrf_token(client, "/settings")
    assert client.post(f"/inventory/lots/{theirs.id}/dispose", data={"csrf_token": token}).status_code == 403
    assert 'data-testid="dispose-' not in client.get("/inventory/expiring").get_data(as_text=True)
