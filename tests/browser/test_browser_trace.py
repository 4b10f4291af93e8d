"""In a real browser: a finished batch made a SKU lot → sell the SKU through the sale form → the ingredient
lot's trace shows the sale → recall the ingredient lot → the SKU lot is on hold."""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.factories import finished_batch

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_sell_trace_and_recall(live_server, page, org, owner):
    made = finished_batch(org, owner)
    oil_lot, sku_lot, sku_id = made["oil_lot"].code, made["output_lot"].code, made["sku"].id
    batch_label, product_id, email = made["batch"].label, made["product"].id, owner.email
    db.session.remove()  # the server thread shares the in-memory database: leave no transaction open here
    sign_in(page, live_server, email)

    # Sell 2 of the SKU; the unit price fills in from the SKU's retail price.
    page.goto(f"{live_server}/sales/new")
    page.select_option("#sku", f"sku-{sku_id}")
    assert page.input_value("#unit_price") == "9"
    page.fill("#quantity", "2")
    page.fill("#order_ref", "WEB-1001")
    page.fill("#customer", "Rosa")
    page.click("[data-testid=record-sale]")
    page.wait_for_url(re.compile(r".*/sales/\d+$"))
    main = page.inner_text("main")
    assert "Order WEB-1001" in main and "$18.00" in main and sku_lot in main
    screenshot(page, "trace-sale")

    # The ingredient lot's forward trace reaches the sale through the batch and the SKU lot.
    page.goto(f"{live_server}/trace")
    page.fill("input[name=q]", oil_lot)
    page.click("[data-testid=trace-search]")
    page.wait_for_url(f"**/trace/lots/{oil_lot}")
    forward = page.inner_text("[data-testid=forward-tree]")
    assert batch_label in forward and sku_lot in forward and "Order WEB-1001" in forward

    # The recall action comes after the trees, folded: at 390 px the trace is reached without passing it.
    page.set_viewport_size({"width": 390, "height": 844})
    recall = page.locator("[data-testid=recall-section]")
    assert page.locator("#forward").bounding_box()["y"] < page.locator("#backward").bounding_box()["y"] \
        < recall.bounding_box()["y"]
    assert page.locator("#reason").is_hidden() and page.locator("[data-testid=recall-lot]").is_hidden()
    screenshot(page, "trace-lot-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Recall it: open the section, the confirm dialog is accepted, and see the SKU lot on hold.
    recall.locator("summary").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.fill("#reason", "Supplier recall: rancid olive oil")
    page.click("[data-testid=recall-lot]")
    page.wait_for_url(re.compile(r".*/trace/recalls/\d+(#.*)?$"))
    assert "WEB-1001" in page.inner_text("[data-testid=recall-sales]")
    page.click(f"[data-testid=recall-lots] a:has-text('{sku_lot}')")
    page.wait_for_url(f"**/trace/lots/{sku_lot}")
    assert "made from recalled lot" in page.inner_text("[data-testid=recall-banner]")
    assert "on hold" in page.inner_text("h1")
    screenshot(page, "trace-recalled-lot")
    page.goto(f"{live_server}/products/{product_id}")
    card = page.inner_text(f"#sku-{sku_id}")
    assert "on hold" in card and "Supplier recall: rancid olive oil" in card
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "trace-product-phone")
