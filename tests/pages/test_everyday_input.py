"""The smaller trust fixes of issue 9, item 17: thousands separators, messages said once, a favicon, `make run
PORT=…`, a warning for an expiry date already past, and whole numbers for counted items."""
from __future__ import annotations

import subprocess
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import InventoryLot
from app.services import inventory, sales
from app.services.errors import InvalidQuantity

from ..factories import ensure_inventory_reference_data, make_item, make_lot
from ..helpers import post_form

ROOT = Path(__file__).resolve().parents[2]


# ---- thousands separators ------------------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [("1,000", "1000"), ("1,000.5", "1000.5"), ("1 000", "1000"),
                                             ("12,345,678.25", "12345678.25"), ("1\u00a0000", "1000"),
                                             ("1000", "1000"), ("0.5", "0.5")])
def test_decimal_inputs_accept_thousands_separators(app, typed, expected):
    """Does a decimal form field read "1,000" (as the app prints it) and "1 000" as one thousand?"""
    from app.blueprints.inventory.forms import AdjustForm

    with app.test_request_context("/", method="POST"):
        form = AdjustForm(formdata=MultiDict({"quantity": typed}), meta={"csrf": False})
        form.quantity.validate(form)
        assert form.quantity.errors == []
        assert form.quantity.data == Decimal(expected)


@pytest.mark.parametrize("typed", ["1,0,0.5", "1,00", "1,000 000", "1,5", "1,000,"])
def test_ambiguous_separators_are_still_refused(app, typed):
    """Are badly grouped numbers ("1,0,0.5", a decimal comma "1,5") refused with one clear message?"""
    from app.blueprints.inventory.forms import AdjustForm

    with app.test_request_context("/", method="POST"):
        form = AdjustForm(formdata=MultiDict({"quantity": typed}), meta={"csrf": False})
        form.quantity.validate(form)
        assert form.quantity.errors == ["Enter a number, like 12, 0.5 or 1,000."]
        assert form.quantity.data is None


def test_a_restock_of_1_000_through_the_page_records_one_thousand(client, org, owner, login):
    """Does the item page's restock accept "1,000" and record 1000 g?"""
    ensure_inventory_reference_data()
    item = make_item(org, name="Olive oil", unit="g")
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/adjust",
                         {"change_type": "restock", "quantity": "1,000", "unit": "g", "unit_cost": "0.01"},
                         form_url=f"/inventory/{item.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(item)
    assert item.quantity == Decimal("1000")


@pytest.mark.parametrize("typed, expected", [("$4.80", "4.80"), ("$ 1,200", "1200"), ("4.80 €", "4.80"),
                                             ("£12", "12"), ("4.80", "4.80")])
def test_money_inputs_accept_a_currency_sign(app, typed, expected):
    """Does a cost or price field read "$4.80" as 4.80 (a maker types the sign), while a quantity still refuses it?"""
    from app.blueprints.inventory.forms import AdjustForm

    with app.test_request_context("/", method="POST"):
        form = AdjustForm(formdata=MultiDict({"unit_cost": typed, "quantity": typed}), meta={"csrf": False})
        form.unit_cost.validate(form)
        assert form.unit_cost.errors == [] and form.unit_cost.data == Decimal(expected)
        if not typed[0].isdigit() or not typed[-1].isdigit():
            form.quantity.validate(form)
            assert form.quantity.errors == ["Enter a number, like 12, 0.5 or 1,000."]


def test_a_restock_costed_as_dollars_through_the_page(client, org, owner, login):
    """Does the restock form take "$4.80" per lb as the lot's cost instead of 'Enter a number'?"""
    ensure_inventory_reference_data()
    item = make_item(org, name="Shea butter", unit="lb")
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/adjust",
                         {"change_type": "restock", "quantity": "5", "unit": "lb", "unit_cost": "$4.80"},
                         form_url=f"/inventory/{item.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    lot = db.session.scalars(select(InventoryLot).where(InventoryLot.item_id == item.id)).one()
    assert lot.unit_cost == Decimal("4.80")


# ---- messages said once ----------------------------------------------------------------------------

def test_a_recipe_without_lines_says_so_once(client, org, owner, login):
    """Does saving a recipe with no lines show "Add at least one ingredient line." once, not twice in two
    wordings?"""
    ensure_inventory_reference_data()
    login(owner)
    response = post_form(client, "/recipes/new", {"name": "Lavender bar", "yield_quantity": "10",
                                                  "yield_unit": "each"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("Add at least one ingredient line.") == 1, page
    assert "Add at least one line." not in page


def test_a_scale_that_is_not_a_number_is_said_once(client, org, owner, login):
    """Does the stock check say "Enter a number, for example 12.5." without "(Enter a number.)" after it?"""
    from ..factories import finished_batch

    made = finished_batch(org, owner)
    login(owner)
    response = client.get(f"/recipes/{made['recipe'].id}/stock-check?scale=lots")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a number, for example 12.5." in page
    assert "(Enter a number.)" not in page


def test_a_field_detail_that_adds_something_is_kept():
    """Is a field's detail still shown when it says more than the summary?"""
    from app.blueprints.forms_support import problem_text

    assert problem_text("Enter a number, for example 12.5.", "Enter a number.") == "Enter a number, for example 12.5."
    assert problem_text("Check the scale.", "Must be greater than zero.") == \
        "Check the scale. (Must be greater than zero.)"


# ---- favicon, make run PORT ----------------------------------------------------------------------

def test_every_page_names_an_icon_and_favicon_ico_is_not_a_404(client):
    """Does every page link the SVG icon, and does /favicon.ico lead to it instead of a 404?"""
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).lstrip().startswith("<svg")


def test_make_run_honours_port_and_the_readme_says_so():
    """Does `make run PORT=8123` serve on 8123 (default 5000), and does README document it?"""
    def planned(*args):
        result = subprocess.run(["make", "-n", "-s", "run", *args], cwd=ROOT, capture_output=True, text=True,
                                env={"PATH": "/usr/bin:/bin"}, check=True)
        return [line for line in result.stdout.splitlines() if "gunicorn" in line][-1]

    if subprocess.run(["which", "make"], capture_output=True).returncode != 0:
        pytest.skip("make is not installed")
    assert "--bind 127.0.0.1:8123" in planned("PORT=8123")
    assert "BASE_URL=http://127.0.0.1:8123" in planned("PORT=8123")
    assert "--bind 127.0.0.1:5000" in planned()
    readme = (ROOT / "README.md").read_text()
    assert "make run PORT=8080" in readme
    port_row = next(line for line in readme.splitlines() if line.startswith("| `PORT`"))
    assert "`make run`: 5000" in port_row and "8000" in port_row


# ---- an expiry date already past -----------------------------------------------------------------

def _restock(client, item, **extra):
    data = {"change_type": "restock", "quantity": "5", "unit": item.unit, "unit_cost": "1", **extra}
    return post_form(client, f"/inventory/{item.id}/adjust", data, form_url=f"/inventory/{item.id}")


def test_a_past_expiry_on_a_restock_asks_for_confirmation(client, org, owner, login):
    """Is a restock whose expiry date is already past sent back with a warning and a "yes, it's already
    expired" box (nothing recorded), and recorded once the box is ticked?"""
    ensure_inventory_reference_data()
    item = make_item(org, name="Beeswax", unit="g")
    login(owner)
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    first = _restock(client, item, expires_at=yesterday)
    page = first.get_data(as_text=True)
    assert first.status_code == 422
    assert f"{yesterday} is already past" in page
    assert 'name="confirm_expired"' in page and "Yes, it&#39;s already expired" in page
    assert db.session.scalars(select(InventoryLot).where(InventoryLot.item_id == item.id)).all() == []
    confirmed = _restock(client, item, expires_at=yesterday, confirm_expired="y")
    assert confirmed.status_code == 302
    lot = db.session.scalars(select(InventoryLot).where(InventoryLot.item_id == item.id)).one()
    assert lot.expires_on.isoformat() == yesterday


def test_a_future_expiry_needs_no_confirmation_and_the_api_keeps_allowing_past_dates(client, org, owner, login,
                                                                                    api):
    """Is a future expiry saved at once on the page, and a past one still accepted by the API (API.md)?"""
    ensure_inventory_reference_data()
    item = make_item(org, name="Shea", unit="g")
    login(owner)
    assert 'name="confirm_expired"' not in client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert _restock(client, item, expires_at=(date.today() + timedelta(days=30)).isoformat()).status_code == 302
    past = (date.today() - timedelta(days=5)).isoformat()
    response = api(owner).post(f"/api/v1/inventory/{item.id}/adjustments",
                               json={"change_type": "restock", "quantity": "2", "unit": "g", "expires_at": past})
    assert response.status_code == 201


# ---- whole numbers for counted items -------------------------------------------------------------

def test_a_sale_of_one_and_a_half_each_is_refused(org, owner):
    """Is selling 1.5 of an `each` item refused with invalid_quantity naming the quantity, nothing sold?"""
    ensure_inventory_reference_data()
    jar = make_item(org, name="Candle jar", kind="product", unit="each")
    make_lot(org, jar, "10", "2")
    with pytest.raises(InvalidQuantity) as raised:
        sales.record_sale(org, owner, item_id=jar.id, quantity="1.5", unit_price="12")
    assert raised.value.fields == {"quantity": "This item is counted in whole each; enter a whole number."}
    assert raised.value.code == "invalid_quantity"
    db.session.refresh(jar)
    assert jar.quantity == Decimal("10")
    sale = sales.record_sale(org, owner, item_id=jar.id, quantity="2", unit_price="12")
    assert sale.quantity == Decimal("2")


def test_counted_items_move_in_whole_units_through_every_stock_service(org, owner):
    """Are restock, deduction and recount of an `each` item refused for 1.5 each, while 1.5 dozen (18 each)
    and any fraction of a weighed item are fine?"""
    ensure_inventory_reference_data()
    jar = make_item(org, name="Tin", kind="container", unit="each")
    oil = make_item(org, name="Jojoba", unit="g")
    for change in ({"change_type": "restock", "unit_cost": "1"}, {"change_type": "use"}, {"change_type": "recount"}):
        with pytest.raises(InvalidQuantity):
            inventory.adjust(org, owner, jar.id, quantity="1.5", unit="each", **change)
    inventory.adjust(org, owner, jar.id, change_type="restock", quantity="1.5", unit="dozen", unit_cost="12")
    db.session.refresh(jar)
    assert jar.quantity == Decimal("18")
    inventory.adjust(org, owner, oil.id, change_type="restock", quantity="2.5", unit="g", unit_cost="1")


def test_an_item_that_allows_fractions_takes_them(client, org, owner, login, api):
    """Can the maker tick "Allow fractions" on the item form (and set it in the API), after which 1.5 each is
    accepted?"""
    ensure_inventory_reference_data()
    ribbon = make_item(org, name="Ribbon spool", kind="packaging", unit="each")
    login(owner)
    page = client.get(f"/inventory/{ribbon.id}/edit").get_data(as_text=True)
    assert 'name="allow_fractions"' in page
    saved = post_form(client, f"/inventory/{ribbon.id}/edit",
                      {"name": "Ribbon spool", "kind": "packaging", "unit": "each", "allow_fractions": "y"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:1500]
    db.session.refresh(ribbon)
    assert ribbon.allow_fractions is True
    inventory.adjust(org, owner, ribbon.id, change_type="restock", quantity="1.5", unit="each", unit_cost="1")

    json_client = api(owner)
    created = json_client.post("/api/v1/inventory", json={"name": "Wick", "kind": "container", "unit": "each",
                                                           "allow_fractions": True})
    assert created.status_code == 201 and created.get_json()["allow_fractions"] is True
    strict = json_client.post("/api/v1/inventory", json={"name": "Lid", "kind": "container", "unit": "each"})
    assert strict.get_json()["allow_fractions"] is False
    refused = json_client.post(f"/api/v1/inventory/{strict.get_json()['id']}/adjustments",
                               json={"change_type": "restock", "quantity": "1.5", "unit": "each"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "invalid_quantity"
    assert refused.get_json()["error"]["fields"]["quantity"] == \
        "This item is counted in whole each; enter a whole number."
