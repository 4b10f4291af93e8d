"""In a real browser: items and restocks through the inventory pages → a recipe through the recipe form
(using "Add line") → start a batch → finish it → the output lot and its cost → the printable label."""
from __future__ import annotations

import re

import pytest

from tests.factories import ensure_inventory_reference_data, make_org, make_user

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _add_item(page, base: str, name: str, *, kind: str = "ingredient", unit: str = "g") -> None:
    page.goto(f"{base}/inventory/new")
    page.fill("#name", name)
    page.select_option("#kind", kind)
    page.select_option("#unit", unit)
    page.click("[data-testid=save-item]")
    page.wait_for_url(re.compile(r".*/inventory/\d+.*"))


def _restock(page, quantity: str, unit_cost: str) -> None:
    page.select_option("#change_type", "restock")
    page.fill("#quantity", quantity)
    page.fill("#unit_cost", unit_cost)
    page.click("[data-testid=adjust-submit]")
    page.wait_for_selector("[data-testid=lot-table]")


def _open_recipe_editor(page, base: str) -> None:
    """Open the recipe form with its JavaScript running (the "Add line" button appears with it)."""
    page.goto(f"{base}/recipes/new")
    page.wait_for_selector("[data-add-line]")


def test_recipe_to_finished_batch_and_label(live_server, page):
    ensure_inventory_reference_data()
    org = make_org(name="Heather & Lye", tier="team")
    make_user(org, email="hana@heather.test", role="owner", name="Hana")

    sign_in(page, live_server, "hana@heather.test")

    _add_item(page, live_server, "Olive Oil")
    _restock(page, "2000", "0.01")
    _add_item(page, live_server, "Sodium Hydroxide")
    _restock(page, "500", "0.02")
    _add_item(page, live_server, "Castile Bar", kind="product", unit="each")

    _open_recipe_editor(page, live_server)
    page.fill("#name", "Castile Soap")
    page.select_option("#category", "soap")
    page.fill("#yield_quantity", "10")
    page.select_option("#yield_unit", "each")
    page.select_option("#output_item_id", label="Castile Bar (product)")
    page.select_option("#lines-0-item_id", label="Olive Oil (g)")
    page.fill("#lines-0-quantity", "700")
    assert page.is_hidden("#lines-2-item_id")  # JavaScript keeps two spare rows in view
    for _ in range(7):  # "Add line" shows the six hidden spare rows, then copies a ninth row
        page.click("[data-add-line]")
    page.select_option("#lines-8-item_id", label="Sodium Hydroxide (g)")
    page.fill("#lines-8-quantity", "90")
    page.click("[data-testid=save-recipe]")
    page.wait_for_url(re.compile(r".*/recipes/\d+$"))
    assert "Sodium Hydroxide" in page.inner_text("[data-testid=line-table]")
    assert "$8.80" in page.inner_text("[data-testid=cost-total]")  # 700 × 0.01 + 90 × 0.02
    screenshot(page, "recipe-detail")

    page.click("[data-testid=start-batch]")
    page.wait_for_url("**/batches/new?recipe_id=*")
    page.click("[data-testid=check-stock]")
    assert "enough stock" in page.inner_text("[data-testid=batch-stock-check]")
    page.click("[data-testid=start-batch-submit]")
    page.wait_for_url(re.compile(r".*/batches/\d+$"))
    label = page.inner_text("h1 code")
    assert re.fullmatch(r"CS-\d{4}-001", label)

    page.fill("#finish-yield_quantity", "11")
    page.click("[data-testid=finish-batch]")
    page.wait_for_selector("[data-testid=output-table]")
    outputs = page.inner_text("[data-testid=output-table]")
    assert "Castile Bar" in outputs and "LOT-" in outputs
    assert page.inner_text("[data-testid=output-unit-cost]").strip() == "$0.80"  # 8.80 ÷ 11
    screenshot(page, "batch-finished")

    page.click("[data-testid=batch-label-link]")
    page.wait_for_selector("[data-testid=batch-label] svg")
    assert label in page.inner_text("[data-testid=batch-label]")
    assert "Olive Oil, Sodium Hydroxide" in page.inner_text("[data-testid=label-ingredients]")
    screenshot(page, "batch-label")
