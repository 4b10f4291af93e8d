"""In a real browser: the soap calculator signed out → "Sign in and save" → the recipe opens with the
computed lines → the items are stocked (through the inventory service) → a batch starts."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Recipe
from app.services import inventory, recipes
from tests.factories import PASSWORD, ensure_inventory_reference_data, make_org, make_user

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_soap_calculator_to_recipe_to_batch(live_server, page):
    ensure_inventory_reference_data()
    org = make_org(name="Foam & Field", tier="team")
    owner = make_user(org, email="fern@foam.test", role="owner", name="Fern")
    db.session.commit()  # the live server shares this connection: never leave a transaction open here

    page.goto(f"{live_server}/tools/soap")
    page.fill("[data-testid=oil-name-0]", "Olive Oil")
    page.fill("[data-testid=oil-amount-0]", "700")
    page.fill("[data-testid=oil-name-1]", "Coconut Oil (76°F)")
    page.fill("[data-testid=oil-amount-1]", "300")
    page.fill("[data-testid=superfat]", "5")
    page.select_option("[data-testid=water-mode]", "lye_concentration")
    page.fill("[data-testid=water-value]", "33")
    page.click("[data-testid=calculate]")
    page.wait_for_selector("[data-testid=soap-result]")
    assert page.inner_text("[data-testid=naoh-weight]") == "142.29 g"
    assert page.inner_text("[data-testid=water-weight]") == "288.89 g"  # 142.289 × 67 ÷ 33
    assert "in range" in page.inner_text("[data-testid=qualities]")
    screenshot(page, "craft-soap-result")

    page.click("[data-testid=save-login]")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    page.fill("#email", "fern@foam.test")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/tools/save\?calc=.*"))
    page.fill("[data-testid=save-name]", "Coconut Castile")
    page.click("[data-testid=save-recipe]")
    page.wait_for_url(re.compile(r".*/recipes/\d+$"))
    lines = page.inner_text("#lines")
    for name in ("Olive Oil", "Coconut Oil (76°F)", "Sodium Hydroxide (Lye)", "Distilled Water"):
        assert name in lines
    assert page.locator("[data-testid=lye-ok]").count() == 1
    screenshot(page, "craft-saved-recipe")

    recipe = db.session.scalar(select(Recipe).where(Recipe.name == "Coconut Castile"))
    for line in recipes.get_version(org, owner, recipe).lines:  # stock every ingredient with room to spare
        inventory.restock(org, owner, line.item_id, quantity=line.quantity * 2, unit=line.unit, unit_cost="0.01")
    assert recipe.calculator_inputs["inputs"]["water"] == {"mode": "lye_concentration", "value": "33"}
    db.session.rollback()  # end this thread's read before the server handles the next request

    page.click("[data-testid=start-batch]")
    page.wait_for_url("**/batches/new?recipe_id=*")
    assert page.locator("[data-testid=batch-lye-warning]").count() == 0
    page.click("[data-testid=start-batch-submit]")
    page.wait_for_url(re.compile(r".*/batches/\d+$"))
    assert "Started batch" in page.inner_text("main")
    consumed = Decimal(0)
    for line in recipes.get_version(org, owner, recipe).lines:
        item = inventory.get_item(org, owner, line.item_id)
        db.session.refresh(item)
        consumed += line.quantity * 2 - item.quantity if item.unit == line.unit else 0
    assert consumed > 0
    screenshot(page, "craft-batch-started")


def test_soap_calculator_fits_a_phone(live_server, page):
    """On a 390 px wide phone the calculator page does not scroll sideways (wide tables scroll inside)."""
    ensure_inventory_reference_data()
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/tools/soap")
    page.fill("[data-testid=oil-name-0]", "Olive Oil")
    page.fill("[data-testid=oil-amount-0]", "500")
    page.fill("[data-testid=superfat]", "5")
    page.fill("[data-testid=water-value]", "38")
    page.click("[data-testid=calculate]")
    page.wait_for_selector("[data-testid=soap-result]")
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.table-wrap')).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + (e.name || e.id || ''))""")
    assert page.evaluate("document.documentElement.scrollWidth") <= 391, wide
    # the progressive script hides what NaOH does not need, and shows it for KOH
    assert not page.is_visible("[name=koh_purity]")
    page.select_option("[data-testid=lye]", "KOH")
    assert page.is_visible("[name=koh_purity]")
    screenshot(page, "craft-soap-phone")


def test_signed_in_save_box_lines_up_its_fields_and_saves_a_bar_count(live_server, page):
    """At 1280 px, do the recipe-name and bar-count inputs sit on one line (the count's help text lifted its
    input), and does saving with 12 give a recipe yielding 12 each?"""
    from .conftest import sign_in

    ensure_inventory_reference_data()
    org = make_org(name="Bar None", tier="free")
    make_user(org, email="bea@barnone.test", role="owner", name="Bea")
    db.session.commit()
    sign_in(page, live_server, "bea@barnone.test", PASSWORD)
    page.goto(f"{live_server}/tools/soap")
    assert page.input_value("[data-testid=superfat]") == "5"  # the usual values are filled in
    page.fill("[data-testid=oil-name-0]", "Olive Oil")
    page.fill("[data-testid=oil-amount-0]", "1000")
    page.click("[data-testid=calculate]")
    page.wait_for_selector("[data-testid=save-box]")
    name_box = page.locator("[data-testid=save-name]").bounding_box()
    pieces_box = page.locator("[data-testid=save-pieces]").bounding_box()
    assert abs(name_box["y"] - pieces_box["y"]) < 2, (name_box, pieces_box)
    page.fill("[data-testid=save-name]", "Olive Twelve")
    page.fill("[data-testid=save-pieces]", "12")
    page.click("[data-testid=save-recipe]")
    page.wait_for_url(re.compile(r".*/recipes/\d+$"))
    assert "12 each" in page.inner_text("main")
    screenshot(page, "craft-save-bar-count")
