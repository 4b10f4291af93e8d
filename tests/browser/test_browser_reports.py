"""In a real browser, on a desktop and at phone width: the Reports page draws its SVG charts with data, each
with its table; the period picker switches the period; the Reorder page lists what to order."""
from __future__ import annotations

import pytest

from app.extensions import db
from tests.control_tower_support import build_ledger
from tests.factories import ensure_inventory_reference_data, make_org, make_user

from .conftest import screenshot, sideways_scroll, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_reports_charts_render_with_data_on_desktop_and_phone(live_server, browser, width):
    ensure_inventory_reference_data()
    org = make_org(name="Lantern Soapworks", tier="team")
    owner = make_user(org, email="lena@lantern.test", role="owner", name="Lena")
    build_ledger(org, owner)
    db.session.commit()  # the live server shares this connection: never leave a transaction open here

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "lena@lantern.test")
        assert "Olive oil" in page.inner_text("[data-testid=alerts-panel]")

        page.goto(f"{live_server}/reports?days=30")
        points = page.get_attribute("[data-testid=chart-inventory-value] polyline", "points")
        assert len(points.split()) == 30  # one point per day
        assert page.locator("[data-testid=chart-revenue] rect").count() > 0
        assert page.locator("[data-testid=chart-top-value] rect").count() == 4  # four items hold value
        box = page.locator("[data-testid=chart-inventory-value] svg").bounding_box()
        assert 0 < box["width"] <= width and box["height"] > 50
        assert not sideways_scroll(page, f"reports {width}")
        page.click("[data-testid=chart-inventory-value] summary")
        assert page.locator("[data-testid=table-inventory-value] tbody tr").count() == 30
        screenshot(page, f"reports-{width}")

        page.click("[data-testid=period-7]")
        page.wait_for_url("**/reports?days=7")
        points = page.get_attribute("[data-testid=chart-inventory-value] polyline", "points")
        assert len(points.split()) == 7

        page.click("[data-testid=kpi-below]")
        page.wait_for_url("**/reorder")
        assert "Olive oil" in page.inner_text("main")
        screenshot(page, f"reorder-{width}")
    finally:
        context.close()
