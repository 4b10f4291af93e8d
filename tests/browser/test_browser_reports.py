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
        page.click("[data-testid=chart-revenue] summary")  # a week per row beside three money columns
        date_lines = page.evaluate("""() => [...document.querySelectorAll(
            '[data-testid=table-inventory-value] tbody td:first-child, [data-testid=table-revenue] tbody td:first-child')]
            .map(cell => { const range = document.createRange(); range.selectNodeContents(cell);
                           return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; })""")
        assert date_lines and set(date_lines) == {1}, f"a date in a chart's table breaks across lines: {date_lines}"
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
