"""Craft calculator pages: public forms that work without JavaScript, form errors instead of 500s,
saving into a recipe draft (also after signing in or up), the recipe lye check and the batch warning."""
from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.formatting import format_quantity
from app.models import InventoryItem, Recipe
from app.services import inventory, library, recipes
from app.services.craft import lye_check, saving
from app.services.errors import InvalidState, ValidationFailed

from ..factories import PASSWORD, ensure_inventory_reference_data
from ..helpers import csrf_token


@pytest.fixture(autouse=True)
def reference_data(db):
    ensure_inventory_reference_data()


SOAP_FORM = {"lye": "NaOH", "superfat": "5", "water_mode": "percent_of_oils", "water_value": "38", "unit": "g",
             "amount_mode": "weight", "oil_rows": "6", "add_rows": "3", "action": "calculate",
             "oil_name-0": "Olive Oil", "oil_amount-0": "700", "oil_name-2": "Coconut Oil (76°F)",
             "oil_amount-2": "300", "add_name-0": "Lavender Essential Oil", "add_percent-0": "3"}
SOAP_DATA = {"lye": "NaOH", "superfat": "5", "water": {"mode": "percent_of_oils", "value": "38"}, "unit": "g",
             "oils": [{"name": "Olive Oil", "weight": "700"}, {"name": "Coconut Oil (76°F)", "weight": "300"}],
             "additives": [{"name": "Lavender Essential Oil", "percent": "3"}]}


def counts():
    return (_db.session.scalar(select(func.count(InventoryItem.id))), _db.session.scalar(select(func.count(Recipe.id))))


def test_soap_page_calculates_without_javascript_or_login(client):
    """Does a plain POSTed form come back with lye, water, qualities and the fatty-acid profile — writing nothing?"""
    page = client.get("/tools/soap")
    assert page.status_code == 200 and 'list="soap-fats"' in page.get_data(as_text=True)
    assert "Olive Oil" in page.get_data(as_text=True)
    before = counts()
    response = client.post("/tools/soap", data=SOAP_FORM)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert 'data-testid="naoh-weight">142.29 g' in html  # (700 × 0.135449 + 300 × 0.183213) × 0.95
    assert 'data-testid="water-weight">380 g' in html and "Lavender Essential Oil" in html
    assert re.search(r'data-quality="hardness"><td>Hardness</td><td class="num">36</td><td class="num">29–54', html)
    assert 'data-testid="fatty-acids"' in html and "Oleic" in html
    assert 'data-testid="save-login"' in html and "csrf_token" not in html  # visitors get no session
    assert counts() == before
    assert "Set-Cookie" not in response.headers or "session" not in response.headers.get("Set-Cookie", "")


def test_fresh_calculators_fill_in_the_usual_values_instead_of_look_alike_placeholders(client):
    """A new soap form holds superfat 5 and water 38 as values (a placeholder looked filled in but Calculate said
    'Required'); the candle form starts at an 8 % fragrance load; example counts read as examples."""
    html = client.get("/tools/soap").get_data(as_text=True)
    assert re.search(r'name="superfat"[^>]*value="5"', html) and re.search(r'name="water_value"[^>]*value="38"', html)
    oils_only = {key: value for key, value in SOAP_FORM.items() if key not in ("superfat", "water_value")}
    page = client.post("/tools/soap", data={**oils_only, "superfat": "5", "water_value": "38"})
    assert page.status_code == 200 and 'data-testid="naoh-weight">142.29 g' in page.get_data(as_text=True)
    candle_html = client.get("/tools/candle").get_data(as_text=True)
    assert re.search(r'name="fragrance_load"[^>]*value="8"', candle_html)
    assert 'placeholder="e.g. 12"' in candle_html and 'placeholder="12"' not in candle_html
    assert 'placeholder="e.g. 500"' in client.get("/tools/lotion").get_data(as_text=True)


def test_soap_page_percent_mode_dual_lye_and_more_rows(client):
    form = {**SOAP_FORM, "amount_mode": "percent", "total_oils": "500", "oil_amount-0": "70", "oil_amount-2": "30",
            "lye": "dual", "naoh_percent": "80", "koh_purity": "90"}
    html = client.post("/tools/soap", data=form).get_data(as_text=True)
    assert 'data-testid="oils-weight">500 g' in html
    base = (350 * Decimal("0.135449") + 150 * Decimal("0.183213")) * Decimal("0.95")
    assert f'data-testid="naoh-weight">{format_quantity(base * Decimal("0.8"), 2)} g' in html
    assert 'data-testid="koh-weight">' in html
    more = client.post("/tools/soap", data={**SOAP_FORM, "action": "more"}).get_data(as_text=True)
    assert 'name="oil_name-9"' in more and 'value="Olive Oil"' in more and 'data-testid="soap-result"' not in more


@pytest.mark.parametrize("change, message", [
    ({"oil_name-0": "", "oil_amount-0": "", "oil_name-2": "", "oil_amount-2": ""}, "Add at least one oil"),
    ({"oil_amount-2": "-3"}, "cannot be negative"),
    ({"superfat": "150"}, "at most 100"),
    ({"superfat": "abc"}, "Enter a number"),
    ({"lye": "LiOH"}, "NaOH or KOH"),
    ({"oil_name-2": "Mystery butter"}, "not in the library"),
    ({"water_mode": "buckets"}, "water mode"),
    ({"amount_mode": "percent", "total_oils": "500", "oil_amount-0": "60", "oil_amount-2": "30"}, "total 90"),
])
def test_soap_page_bad_input_is_a_form_error(client, change, message):
    response = client.post("/tools/soap", data={**SOAP_FORM, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'data-testid="soap-result"' not in html
    assert "session" not in response.headers.get("Set-Cookie", "")  # a visitor's mistake stores nothing


def test_soap_page_marks_the_row_in_error(client):
    html = client.post("/tools/soap", data={**SOAP_FORM, "oil_amount-2": "-3"}).get_data(as_text=True)
    assert re.search(r'name="oil_amount-2"[^>]*aria-invalid="true"', html)
    assert not re.search(r'name="oil_amount-0"[^>]*aria-invalid="true"', html)


def test_candle_and_lotion_pages(client):
    html = client.post("/tools/candle", data={"vessels": "10", "fill_weight": "226.8", "fragrance_load": "10",
                                              "unit": "g", "wick_notes": "3 in jar: CD 12 clean burn",
                                              "vessel_diameter": "3 in"}).get_data(as_text=True)
    assert 'data-testid="total-weight">2,268 g' in html and 'data-testid="wax-weight">2,061.82 g' in html
    assert "CD 12 clean burn" in html
    bad = client.post("/tools/candle", data={"vessels": "0", "fill_weight": "100", "fragrance_load": "8"})
    assert bad.status_code == 422 and "at least 1" in bad.get_data(as_text=True)
    form = {"batch_weight": "250", "unit": "g", "ing_rows": "6", "action": "calculate",
            "ing_name-0": "Distilled Water", "ing_percent-0": "70", "ing_phase-0": "water",
            "ing_name-1": "Sweet Almond Oil", "ing_percent-1": "25", "ing_phase-1": "oil",
            "ing_name-2": "Polawax", "ing_percent-2": "5", "ing_phase-2": "oil"}
    html = client.post("/tools/lotion", data=form).get_data(as_text=True)
    assert 'data-testid="lotion-result"' in html and "175 g" in html and "62.5 g" in html
    short = client.post("/tools/lotion", data={**form, "ing_percent-2": "4"})
    assert short.status_code == 422 and "total 99" in short.get_data(as_text=True)


def _resume_url(html: str, testid: str) -> str:
    href = re.search(rf'href="([^"]+)" data-testid="{testid}"', html).group(1).replace("&amp;", "&")
    return unquote(parse_qs(urlsplit(href).query)["next"][0])


def test_signed_out_save_keeps_the_calculation_across_login(client, org, owner):
    """Calculate signed out → sign in → the same calculation is saved as a recipe draft."""
    html = client.post("/tools/soap", data=SOAP_FORM).get_data(as_text=True)
    resume = _resume_url(html, "save-login")
    assert resume.startswith("/tools/save?calc=")
    token = csrf_token(client, "/login")
    response = client.post("/login?" + "next=" + resume.replace("?", "%3F").replace("=", "%3D").replace("&", "%26"),
                           data={"email": owner.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(resume)
    page = client.get(resume)
    assert page.status_code == 200 and 'data-testid="save-summary"' in page.get_data(as_text=True)
    calc = parse_qs(urlsplit(resume).query)["calc"][0]
    saved = client.post("/tools/save", data={"calc": calc, "name": "Castile-ish", "csrf_token": csrf_token(client, resume)})
    assert saved.status_code == 302 and "/recipes/" in saved.headers["Location"]
    recipe = _db.session.scalar(select(Recipe).where(Recipe.name == "Castile-ish"))
    assert recipe.category == "soap" and recipe.superfat_pct == 5
    assert recipe.calculator_inputs["tool"] == "soap" and recipe.calculator_inputs["inputs"]["oils"][0]["weight"] == "700"
    version = recipes.get_version(org, owner, recipe)
    names = [(_db.session.get(InventoryItem, line.item_id).name, line.quantity) for line in version.lines]
    assert [name for name, _ in names] == ["Olive Oil", "Coconut Oil (76°F)", "Sodium Hydroxide (Lye)",
                                           "Distilled Water", "Lavender Essential Oil"]
    assert names[2][1] == Decimal("142.29") and names[3][1] == Decimal("380")  # hundredths of a gram
    assert all(_db.session.get(InventoryItem, line.item_id).global_item_id for line in version.lines)
    detail = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="lye-ok"' in detail and 'data-testid="open-calculator"' in detail
    reopened = client.get(f"/tools/soap?recipe={recipe.id}").get_data(as_text=True)
    assert 'value="Coconut Oil (76°F)"' in reopened and 'value="700"' in reopened


def test_a_soap_saved_with_a_bar_count_yields_bars(client, login, org, owner):
    """Does "how many does one batch make: 12" give a recipe yielding 12 each (finishing then counts bars, not
    grams), and is "1.5" refused with a message and nothing saved?"""
    login(owner)
    html = client.post("/tools/soap", data=SOAP_FORM).get_data(as_text=True)
    assert 'data-testid="save-pieces"' in html
    calc = re.search(r'name="calc" value="([^"]+)"', html).group(1)
    token = csrf_token(client, f"/tools/save?calc={calc}")
    before = counts()
    bad = client.post("/tools/save", data={"calc": calc, "name": "Half bars", "pieces": "1.5", "csrf_token": token})
    assert bad.status_code == 422 and "whole number" in bad.get_data(as_text=True)
    assert counts() == before
    saved = client.post("/tools/save", data={"calc": calc, "name": "Twelve bars", "pieces": "12", "csrf_token": token})
    assert saved.status_code == 302
    recipe = _db.session.scalar(select(Recipe).where(Recipe.name == "Twelve bars"))
    version = recipes.get_version(org, owner, recipe)
    assert (version.yield_quantity, version.yield_unit) == (Decimal("12"), "each")
    assert 'data-testid="save-pieces"' not in client.post("/tools/candle", data={
        "vessels": "10", "fill_weight": "200", "fragrance_load": "8", "unit": "g"}).get_data(as_text=True)


def test_signup_with_next_comes_back_to_the_save(client):
    html = client.post("/tools/soap", data=SOAP_FORM).get_data(as_text=True)
    resume = _resume_url(html, "save-signup")
    signup_url = "/signup?next=" + resume.replace("?", "%3F").replace("=", "%3D").replace("&", "%26")
    token = csrf_token(client, signup_url)
    response = client.post(signup_url, data={"organization_name": "Suds Ltd", "name": "Ana", "email": "ana@suds.test",
                                             "password": "long enough pw", "timezone": "UTC", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(resume)
    page = client.get(resume)
    assert page.status_code == 200 and "Welcome to BatchTrack, Ana! Save your calculation below." in page.get_data(
        as_text=True) and "Start by adding your ingredients" not in page.get_data(as_text=True)


def test_save_reuses_linked_items_and_is_all_or_nothing(org, owner, other_org, other_owner):
    olive_entry = library.list_library(q="Olive Oil").items[0]
    mine = inventory.create_item(org, owner, name="Whatever", kind="ingredient", unit="kg",
                                 global_item_id=olive_entry.id)
    recipe = saving.save_calculation_as_recipe(org, owner, "soap", SOAP_DATA, name="")
    assert recipe.name == "Soap from the calculator"
    lines = recipes.get_version(org, owner, recipe).lines
    assert lines[0].item_id == mine.id and lines[0].unit == "g" and lines[0].is_base
    # another organization's turn: its "Distilled Water" is counted in jugs, so the water line cannot be
    # converted — after the oil and lye items were already created: nothing of it may stay
    inventory.create_item(other_org, other_owner, name="Distilled Water", kind="ingredient", unit="each")
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        saving.save_calculation_as_recipe(other_org, other_owner, "soap", SOAP_DATA, name="Nope")
    assert "lines.3.unit" in refused.value.fields  # the water line, the fourth
    assert counts() == before


def test_viewer_cannot_save(client, login, viewer):
    login(viewer)
    html = client.post("/tools/soap", data=SOAP_FORM).get_data(as_text=True)
    calc = re.search(r'name="calc" value="([^"]+)"', html).group(1)
    response = client.post("/tools/save", data={"calc": calc, "csrf_token": csrf_token(client, "/tools/soap")})
    assert response.status_code == 403 and counts()[1] == 0


def test_tampered_calculation_token_is_refused(client, login, owner):
    login(owner)
    response = client.get("/tools/save?calc=abc.def")
    assert response.status_code == 302 and counts()[1] == 0


def test_lye_check_shows_the_difference_and_recomputes(client, login, org, owner):
    """Superfat changed from 5 % to 10 % leaves the lye at 142 g: the recipe page says so, the batch page
    warns, and recompute sets the lye the oils need at 10 %."""
    recipe = saving.save_calculation_as_recipe(org, owner, "soap", SOAP_DATA, name="Lavender bar")
    recipes.update_recipe(org, owner, recipe.id, superfat_pct="10")
    check = lye_check.check_recipe_lye(org, _db.session.get(Recipe, recipe.id))
    expected = (700 * Decimal("0.135449") + 300 * Decimal("0.183213")) * Decimal("0.9")
    assert not check.matches and abs(check.expected - expected) < Decimal("0.001")
    assert check.recorded == Decimal("142.29")
    login(owner)
    page = client.get(f"/recipes/{recipe.id}").get_data(as_text=True)
    assert 'data-testid="lye-mismatch"' in page and f"{format_quantity(expected, 2)} g" in page
    batch_page = client.get(f"/batches/new?recipe_id={recipe.id}&scale=1").get_data(as_text=True)
    assert 'data-testid="batch-lye-warning"' in batch_page
    response = client.post(f"/tools/recipes/{recipe.id}/recompute-lye",
                           data={"csrf_token": csrf_token(client, f"/recipes/{recipe.id}")})
    assert response.status_code == 302
    fresh = _db.session.get(Recipe, recipe.id)
    _db.session.refresh(fresh)
    lye_line = next(line for line in recipes.get_version(org, owner, fresh).lines if line.notes == "lye")
    assert lye_line.quantity == expected.quantize(Decimal("0.01"))
    assert lye_check.check_recipe_lye(org, fresh).matches
    assert 'data-testid="lye-ok"' in client.get(f"/recipes/{recipe.id}").get_data(as_text=True)


def test_recompute_is_refused_for_another_organization(client, login, org, other_org, other_owner, owner):
    recipe = saving.save_calculation_as_recipe(org, owner, "soap", SOAP_DATA, name="Mine")
    login(other_owner)
    response = client.post(f"/tools/recipes/{recipe.id}/recompute-lye",
                           data={"csrf_token": csrf_token(client, "/dashboard")})
    assert response.status_code == 404


def test_candle_and_lotion_save_as_recipes(org, owner):
    candle = saving.save_calculation_as_recipe(org, owner, "candle", {
        "vessels": "12", "fill_weight": "200", "fragrance_load": "8", "wick_notes": "CD 12", "wax_name": "Soy Wax 464"})
    lines = recipes.get_version(org, owner, candle).lines
    assert candle.category == "candle" and len(lines) == 2 and "CD 12" in candle.notes
    lotion = saving.save_calculation_as_recipe(org, owner, "lotion", {"batch_weight": "100", "ingredients": [
        {"name": "Distilled Water", "percent": "80", "phase": "water"},
        {"name": "Polawax", "percent": "20", "phase": "oil"}]})
    assert [line.quantity for line in recipes.get_version(org, owner, lotion).lines] == [Decimal("80"), Decimal("20")]


def test_calculators_are_linked_from_the_landing_page_and_the_menu(client, login, owner):
    landing = client.get("/").get_data(as_text=True)
    assert 'data-testid="landing-calculators"' in landing
    index = client.get("/tools").get_data(as_text=True)
    assert "/tools/soap" in index and "/tools/candle" in index and "/tools/lotion" in index
    login(owner)
    assert re.search(r'href="/tools"[^>]*>Calculators</a>', client.get("/dashboard").get_data(as_text=True))


def test_lye_check_reads_hand_made_items_by_library_name(org, owner):
    """Items a maker typed by hand ("Olive Oil", "Sodium Hydroxide") are checked by their library names;
    a recipe without a superfat, or not a soap, is not checked."""
    olive = inventory.create_item(org, owner, name="olive oil", kind="ingredient", unit="g")
    lye = inventory.create_item(org, owner, name="Sodium Hydroxide", kind="ingredient", unit="g")
    lines = [{"item_id": olive.id, "quantity": "1000", "unit": "g"},
             {"item_id": lye.id, "quantity": "142", "unit": "g"}]
    recipe = recipes.create_recipe(org, owner, name="Hand castile", category="soap", superfat_pct="5",
                                   yield_quantity="1", yield_unit="kg", lines=lines)
    check = lye_check.check_recipe_lye(org, recipe)
    expected = 1000 * Decimal("0.135449") * Decimal("0.95")
    assert check is not None and not check.matches
    assert abs(check.expected - expected) < Decimal("0.0001") and check.recorded == 142
    plain = recipes.create_recipe(org, owner, name="No superfat", category="soap", yield_quantity="1",
                                  yield_unit="kg", lines=lines)
    candle = recipes.create_recipe(org, owner, name="Not soap", category="candle", superfat_pct="5",
                                   yield_quantity="1", yield_unit="kg", lines=lines)
    assert lye_check.check_recipe_lye(org, plain) is None and lye_check.check_recipe_lye(org, candle) is None
    with pytest.raises(InvalidState):
        lye_check.recompute_recipe_lye(org, owner, candle.id)
    lye_check.recompute_recipe_lye(org, owner, recipe.id)
    fresh = _db.session.get(Recipe, recipe.id)
    assert lye_check.check_recipe_lye(org, fresh).matches
