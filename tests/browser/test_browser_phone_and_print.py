"""Phone and print (issue 15): every main page at 390 px and 1280 px without a sideways scroll, the key
numbers in view on a phone, the menu toggle, axe-core with no serious or critical violations, and the
label sheet printed at its physical size. Screenshots go to test-artifacts/ (gitignored).

axe-core is vendored as tests/browser/vendor/axe.min.js (axe-core 4.14.1, MPL-2.0, header kept; licence in
tests/browser/vendor/axe-LICENSE.txt): a test-only asset, never served by the app."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.services import suppliers as supplier_service
from tests.factories import PASSWORD, finished_batch, make_org, make_sale, make_user

from .conftest import screenshot

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
LONG_REF = "ORDER-" + "X" * 74  # 80 characters without a break


def _seed(db):
    org = make_org(name="Heather & Lye", tier="team")
    owner = make_user(org, email="hana@heather.test", role="owner", name="Hana")
    made = finished_batch(org, owner, yield_quantity="12")
    make_sale(org, owner, made["item"], quantity="2", unit_price="9.50", order_ref=LONG_REF)
    supplier_service.create_supplier(org, owner, name="Bramble Oils")
    made = {key: getattr(value, "id", value) for key, value in made.items()}
    db.session.remove()  # the live server shares the in-memory database: leave no transaction open here
    return made


def _pages(made) -> dict[str, str]:
    return {
        "dashboard": "/dashboard",
        "inventory": "/inventory",
        "item": f"/inventory/{made['oil']}",
        "recipes": "/recipes",
        "recipe": f"/recipes/{made['recipe']}",
        "batches": "/batches",
        "batch": f"/batches/{made['batch']}",
        "products": "/products",
        "sales": "/sales",
        "suppliers": "/suppliers",
        "trace": "/trace",
        "reorder": "/reorder",
        "settings": "/settings",
        "label-sheet": f"/batches/{made['batch']}/labels?count=4",
    }


def _no_sideways_scroll(page, name):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name}: page is {widths[0]} px wide in a {widths[1]} px window"


def _axe(page, name):
    # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays on for the app's
    # own scripts; add_script_tag would need bypass_csp, which would hide a CSP regression.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return [f"{name}: {violation}" for violation in result]


def _visible_cell(page, table, label, contains=None):
    """The first row's cell under `label` is on screen (inside 390 px) and shows a value."""
    locator = page.locator(f"[data-testid={table}] td[data-label='{label}']").first
    assert locator.is_visible(), f"{label!r} not visible"
    box = locator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1, f"{label!r} off screen: {box}"
    text = locator.inner_text().strip()
    assert text and text != "—", f"{label!r} is empty"
    if contains:
        assert contains in text, f"{label!r}: {text!r}"


def test_main_pages_on_a_phone_and_a_desktop(live_server, browser, db):
    made = _seed(db)
    pages = _pages(made)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server}/login")
        page.fill("#email", "hana@heather.test")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/dashboard")

        # The menu: hidden behind the toggle on a phone, the bench shortcuts beside it.
        toggle = page.locator("[data-nav-toggle]")
        assert toggle.is_visible()
        assert not page.locator("#main-nav").is_visible()
        assert page.get_by_role("link", name="Adjust stock").is_visible()
        assert page.get_by_role("link", name="Start a batch").is_visible()
        toggle.click()
        assert page.locator("#main-nav").is_visible()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator("#main-nav a[aria-current=page]").inner_text() == "Dashboard"
        screenshot(page, "phone-390-menu-open")
        toggle.click()
        assert not page.locator("#main-nav").is_visible()

        phone_violations = []
        for name, path in pages.items():
            page.goto(live_server + path)
            screenshot(page, f"phone-390-{name}")
            _no_sideways_scroll(page, name)
            if name in ("dashboard", "inventory", "sales", "batches", "label-sheet"):  # the card layouts
                phone_violations += _axe(page, f"390 px {name}")
            if name == "inventory":
                _visible_cell(page, "item-table", "In stock")
                _visible_cell(page, "item-table", "Available")
                _visible_cell(page, "item-table", "Value", "$")
            if name == "sales":
                _visible_cell(page, "sale-table", "Qty")
                _visible_cell(page, "sale-table", "Revenue", "19.00")
                _visible_cell(page, "sale-table", "Margin")
                _visible_cell(page, "sale-table", "Order", "ORDER-")
            if name == "batches":
                _visible_cell(page, "batch-table", "Cost", "$")
                _visible_cell(page, "batch-table", "Actual")
        page.goto(f"{live_server}/settings")
        assert page.locator("#main-nav a[aria-current=page]").count() == 0
        assert phone_violations == []

        page.set_viewport_size({"width": 1280, "height": 900})
        violations = []
        for name, path in pages.items():
            page.goto(live_server + path)
            screenshot(page, f"desktop-1280-{name}")
            assert page.locator("#main-nav").is_visible()
            assert not page.locator("[data-nav-toggle]").is_visible()
            violations += _axe(page, name)
        assert violations == []

        # Print: the label sheet at its physical size (96 CSS px per inch), the count asked for.
        page.goto(f"{live_server}/batches/{made['batch']}/labels?layout=avery22806&count=14")
        page.emulate_media(media="print")
        labels = page.locator("[data-testid=sheet-label]")
        assert labels.count() == 14 and page.locator("[data-testid=label-sheet]").count() == 2
        for index in (0, 13):
            box = labels.nth(index).bounding_box()
            assert abs(box["width"] - 192) < 1 and abs(box["height"] - 192) < 1, box  # 2 × 2 in
        assert not page.locator("[data-testid=sheet-form]").is_visible()
        assert not page.locator("header.topbar").is_visible()
        assert labels.first.locator("svg.qr").is_visible()
        page.goto(f"{live_server}/batches/{made['batch']}/labels?layout=avery5160&count=30")
        box = page.locator("[data-testid=sheet-label]").nth(29).bounding_box()
        assert abs(box["width"] - 252) < 1 and abs(box["height"] - 96) < 1, box  # 2.625 × 1 in
        first = page.locator("[data-testid=sheet-label]").nth(0).bounding_box()
        assert abs(first["y"] - 48) < 2 and abs(first["x"] - 18) < 2, first  # 0.5 in top, 0.1875 in left
        page.pdf(path=str(Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "label-sheet-5160.pdf"))
        screenshot(page, "print-label-sheet-5160")
    finally:
        context.close()
