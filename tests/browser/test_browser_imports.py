"""In a real browser, on a desktop and at phone width: the CSV import flow. A file with problems shows the report
(row, column, problem) and writes nothing; the corrected file goes to its confirmation page, and Import writes
every row, then the success message links on to the inventory. No sideways scroll at 390 px; axe-core finds no
serious or critical violation on the report and confirmation pages."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import InventoryItem, InventoryLot
from tests.factories import ensure_inventory_reference_data, make_item, make_org, make_user

from .conftest import screenshot, sideways_scroll, sign_in
from .test_browser_phone_and_print import _axe

pytestmark = pytest.mark.browser

BAD = "item,quantity,unit\nSoy wax,2,kg\nSoy wax,lots,kg\nSoy wax,1,furlongs\nGhost wax,1,g\n"
GOOD = "item,quantity,unit,unit_cost,supplier_lot_code\nSoy wax,2,kg,9.50,SW-1\nSoy wax,500,g,0.01,SW-2\n"


def _count(model, org) -> int:
    db.session.rollback()  # see what the live server committed
    count = db.session.scalar(select(func.count()).select_from(model).where(model.organization_id == org.id))
    db.session.rollback()  # the live server shares this connection: leave no transaction open
    return count


def _choose(page, kind: str, name: str, text: str) -> None:
    page.select_option("#kind", kind)
    page.set_input_files("#file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}])
    page.click("[data-testid=check-import]")


@pytest.mark.parametrize("width", [1280, 390])
def test_import_flow_reports_problems_then_imports_everything(live_server, browser, width):
    ensure_inventory_reference_data()
    org = make_org(name="Wick & Wax Studio", tier="team")
    owner = make_user(org, email="ada@wick.test", role="owner", name="Ada")
    make_item(org, owner, name="Soy wax", unit="g")
    db.session.commit()  # the live server shares this connection: never leave a transaction open here

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []
    try:
        sign_in(page, live_server, "ada@wick.test")

        page.goto(f"{live_server}/inventory")
        page.click("[data-testid=import-csv]")
        page.wait_for_url("**/imports")
        assert page.locator("[data-testid=template-stock]").count() == 1

        _choose(page, "stock", "restock.csv", BAD)
        report = page.locator("[data-testid=import-problems] tbody tr")
        assert report.count() == 3
        rows = [report.nth(i).inner_text() for i in range(3)]
        assert rows[0].split()[:2] == ["3", "quantity"] and rows[1].split()[:2] == ["4", "unit"]
        assert rows[2].split()[:2] == ["5", "item"] and "Ghost wax" in rows[2]
        assert _count(InventoryLot, org) == 0
        problems += sideways_scroll(page, f"report {width}") + _axe(page, f"import report {width}")
        screenshot(page, f"import-report-{width}")

        _choose(page, "stock", "restock.csv", GOOD)
        page.wait_for_selector("[data-testid=import-preview]")
        assert "2 rows ready to import" in page.inner_text("[data-testid=import-preview]")
        assert _count(InventoryLot, org) == 0
        problems += sideways_scroll(page, f"confirm {width}") + _axe(page, f"import confirm {width}")
        screenshot(page, f"import-confirm-{width}")

        page.click("[data-testid=confirm-import]")
        page.wait_for_selector("[data-testid=import-done]")
        assert "Imported 2" in page.inner_text("main")
        assert _count(InventoryLot, org) == 2
        quantity = db.session.scalar(select(InventoryItem.quantity).where(InventoryItem.organization_id == org.id))
        db.session.rollback()
        assert quantity == Decimal("2500")
        page.click("[data-testid=import-target]")
        page.wait_for_url("**/inventory")
        assert "Soy wax" in page.inner_text("main")
    finally:
        context.close()
    assert not problems, problems

