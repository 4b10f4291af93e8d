"""Phone and print (issue 15): every main page at 390 px and 1280 px without a sideways scroll, the key
numbers in view on a phone, the menu toggle, axe-core with no serious or critical violations, and the
label sheet printed at its physical size. Screenshots go to test-artifacts/ (gitignored).

"Every main page" is found, not listed: the menu's links (whatever the menu holds, so pages added later are
walked too), the account menu, and one page of each kind linked from those pages (an item, a lot, a batch,
a form…), plus the pages only reached through a button or a query string.

axe-core is vendored as tests/browser/vendor/axe.min.js (axe-core 4.14.1, MPL-2.0, header kept; licence in
tests/browser/vendor/axe-LICENSE.txt): a test-only asset, never served by the app."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.services import inventory, purchasing, recalls, suppliers
from tests.factories import finished_batch, make_org, make_sale, make_user, restock

from .conftest import ARTIFACTS, screenshot, sideways_scroll, sign_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
LONG_REF = "ORDER-" + "X" * 74  # 80 characters without a break
LONG_NAME = "Cold-process-oatmeal-and-goats-milk-unscented-sensitive-skin-bar-" + "Y" * 14  # 78, no break
# Not pages: downloads, the API, signing out, public lot pages (no shell), generated stylesheets.
NOT_A_PAGE = re.compile(r"([./](csv|pdf|json|css|svg|png|txt)$|/export|/api/|/logout|^/l/|/download|/static/"
                        r"|/oauth|/connect|/portal|/checkout)", re.IGNORECASE)
MAX_PAGES = 90


def _seed(db):
    org = make_org(name="Heather & Lye", tier="team")
    owner = make_user(org, email="hana@heather.test", role="owner", name="Hana")
    made = finished_batch(org, owner, yield_quantity="12")
    make_sale(org, owner, made["item"], quantity="2", unit_price="9.50", order_ref=LONG_REF)
    supplier = suppliers.create_supplier(org, owner, name="Bramble Oils", lead_time_days=5, contact_name="Bea Bramble",
                                         email="wholesale-orders@bramble-oils-and-butters.example",
                                         phone="+1 555 0100 200")
    restock(org, owner, made["oil"], "2", unit="lb", unit_cost="4.22", supplier_id=supplier.id,
            supplier_lot_code=LONG_NAME)
    inventory.update_item(org, owner, made["oil"].id, reorder_point="5000", inci_name=LONG_NAME)
    purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                     lines=[{"item_id": made["oil"].id, "quantity": "1000", "unit_cost": "0.01"}])
    stall = inventory.create_location(org, owner, name="Market stall")
    inventory.transfer_stock(org, owner, item_id=made["item"].id, quantity="2",
                             from_location_id=inventory.default_location(org).id, to_location_id=stall.id)
    recalls.recall_lot(org, owner, made["oil_lot"].id, reason="Supplier notice: rancid " + LONG_NAME)
    made = {key: getattr(value, "id", value) for key, value in made.items()}
    made["output_code"] = inventory.lots_in_consumption_order(org, owner, made["item"])[0].code
    db.session.remove()  # the live server shares the in-memory database: leave no transaction open here
    return made


def _extra_pages(made) -> dict[str, str]:
    """Pages reached through a button, a form or a query string rather than a plain link."""
    return {
        "/settings": "/settings",
        "item": f"/inventory/{made['oil']}",
        "output-lot": f"/trace/lots/{made['output_code']}",
        "label": f"/batches/{made['batch']}/label",
        "label-sheet": f"/batches/{made['batch']}/labels?count=4",
    }


def _key(path: str) -> str:
    """One page of each kind: /batches/12 and /batches/13 are the same kind, so are two lot codes."""
    return "/".join("<>" if any(ch.isdigit() for ch in part) else part for part in path.split("/"))


def _links(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "as => as.map(a => a.getAttribute('href') || '')")


# Blueprints whose parameterless pages are not an organization member's pages (signed out, staff, public).
NOT_MEMBER_PAGES = {"auth", "developer", "public", "static", "api_docs"}


def _routes(app) -> list[str]:
    """Every parameterless GET page of an organization member, from the app's routes: pages no menu links
    to yet (a new settings page, a job list) are walked too."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.rule not in ("/", "/favicon.ico")
                  and rule.endpoint.split(".")[0] not in NOT_MEMBER_PAGES and not NOT_A_PAGE.search(rule.rule))


def _discover(page, base: str, made, app) -> dict[str, str]:
    """name → path: the menu, the account menu, one page of each kind linked from them, the extras, and
    the app's other parameterless pages (named "route …": one that answers 4xx, e.g. a lookup that needs a
    query, is skipped)."""
    found: dict[str, str] = {}

    def add(href: str, name: str | None = None) -> bool:
        parts = urlsplit(href)
        if parts.scheme and not href.startswith(base):
            return False
        if not parts.path.startswith("/") or NOT_A_PAGE.search(parts.path) or len(found) >= MAX_PAGES:
            return False
        key = _key(parts.path)
        if key in found or any(_key(urlsplit(path).path) == key for path in found.values()):
            return False
        found[name or key] = parts.path + (f"?{parts.query}" if parts.query and name else "")
        return True

    page.goto(f"{base}/dashboard")
    menu = [href for href in _links(page, "#main-nav a") if href]
    assert len(menu) >= 10, menu  # the whole menu of an owner on the team plan
    for href in menu + _links(page, "header .dropdown a") + ["/dashboard"]:
        add(href)
    for name, path in _extra_pages(made).items():
        add(path, name)
    for href in list(menu):  # one page of each kind linked from the menu's pages…
        page.goto(base + href)
        for link in _links(page, "main a[href]"):
            add(link)
    for path in [path for path in found.values() if "<>" in _key(urlsplit(path).path)]:
        page.goto(base + path)  # …and from those detail pages (edit forms, a location, a lot)
        for link in _links(page, "main a[href]"):
            add(link)
    for path in _routes(app):
        add(path, f"route {path}")
    return found


def _tables_that_scroll(page, name) -> list[str]:
    """A list whose numbers sit off screen behind a sideways scroll hides them as surely as a wide page."""
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('main table'))
        .filter(t => t.offsetParent !== null && t.getBoundingClientRect().width > window.innerWidth)
        .map(t => (t.dataset.testid || t.className || 'table') + ' ' + Math.round(t.getBoundingClientRect().width) + 'px')""")
    return [f"{name}: table {table} scrolls sideways" for table in wide]


def _axe(page, name) -> list[str]:
    # Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays on for the app's
    # own scripts; add_script_tag would need bypass_csp, which would hide a CSP regression.
    if not page.evaluate("typeof axe !== 'undefined'"):
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


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("<>", "id")).strip("-") or "root"


def _walk(page, base, pages, width, *, axe) -> tuple[list[str], list[str]]:
    """Visit every page at this width: screenshot, sideways scroll (at 390 px), axe-core on the pages
    named in `axe`."""
    from playwright.sync_api import Error as PlaywrightError  # the browser fixture skips without Playwright

    problems, violations = [], []
    for name, path in pages.items():
        try:
            response = page.goto(base + path)
        except PlaywrightError as exc:  # a link that turned out to be a file download is not a page
            if "Download is starting" in str(exc):
                continue
            raise
        if name.startswith("route ") and response is not None and 400 <= response.status < 500:
            continue  # a page that needs a query or a plan feature, not linked from anywhere walked
        if response is None or response.status >= 400 or not page.url.startswith(base):
            problems.append(f"{name}: {path} answered {response.status if response else 'nothing'} at {page.url}")
            continue
        screenshot(page, f"{'phone' if width < 768 else 'desktop'}-{width}-{_slug(name)}")
        if width < 768:
            problems += sideways_scroll(page, name) + _tables_that_scroll(page, name)
        else:
            menu = page.locator("#main-nav")  # a print-only page (a purchase order to send) has none
            if menu.count() and (not menu.is_visible() or page.locator("[data-nav-toggle]").is_visible()):
                problems.append(f"{name}: the menu is not shown in full at {width} px")
        if name in axe:
            violations += _axe(page, f"{width} px {name}")
    return problems, violations


def test_every_main_page_on_a_phone_and_a_desktop(app, live_server, browser, db):
    made = _seed(db)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    # Nothing leaves the machine: a link to another site (Stripe, Shopify, docs) is not followed.
    context.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "hana@heather.test")

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
        # With the keyboard: Tab reaches the toggle, which shows where focus is; Enter opens the menu.
        page.goto(f"{live_server}/dashboard")
        for _ in range(6):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.hasAttribute('data-nav-toggle')"):
                break
        assert page.evaluate("document.activeElement.hasAttribute('data-nav-toggle')"), "Tab never reached the menu"
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert page.locator("#main-nav").is_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#main-nav, .nav-tools') !== null")
        page.goto(f"{live_server}/settings")
        assert page.locator("#main-nav a[aria-current=page]").count() == 0

        pages = _discover(page, live_server, made, app)
        (ARTIFACTS / "pages-walked.txt").write_text("".join(f"{n}\t{p}\n" for n, p in pages.items()))
        kinds = {_key(urlsplit(path).path) for path in pages.values()}
        for expected in ("/inventory", "/recipes", "/batches", "/products", "/sales", "/suppliers", "/reorder",
                         "/locations", "/purchase-orders", "/alerts", "/inventory/<>", "/batches/<>/labels",
                         "/batches/<>", "/recipes/<>", "/suppliers/<>", "/products/<>", "/sales/<>",
                         "/trace/lots/<>", "/purchase-orders/<>", "/settings"):
            assert expected in kinds, f"{expected} was not found to walk: {sorted(kinds)}"

        # Key numbers in view on a phone: the card layouts keep them beside the name.
        page.goto(f"{live_server}/inventory")
        _visible_cell(page, "item-table", "In stock")
        _visible_cell(page, "item-table", "Available")
        _visible_cell(page, "item-table", "Value", "$")
        page.goto(f"{live_server}/sales")
        _visible_cell(page, "sale-table", "Qty")
        _visible_cell(page, "sale-table", "Revenue", "19.00")
        _visible_cell(page, "sale-table", "Margin")
        _visible_cell(page, "sale-table", "Order", "ORDER-")
        page.goto(f"{live_server}/batches")
        _visible_cell(page, "batch-table", "Cost", "$")
        _visible_cell(page, "batch-table", "Actual")
        page.goto(f"{live_server}/batches/{made['batch']}")
        _visible_cell(page, "output-table", "Quantity", "12")
        _visible_cell(page, "output-table", "Value", "$")
        _visible_cell(page, "consumption-table", "Cost", "$")
        page.goto(f"{live_server}/inventory/{made['oil']}")
        _visible_cell(page, "lot-table", "Remaining")
        _visible_cell(page, "lot-table", "Unit cost", "$")

        # axe-core on every page at 390 px; at 1280 px (same colours and markup, the menu shown in full) on
        # the menu's pages and the label pages, which keeps the suite quick.
        problems, phone_violations = _walk(page, live_server, pages, 390, axe=set(pages))
        page.set_viewport_size({"width": 1280, "height": 900})
        main_pages = {name for name, path in pages.items() if "<>" not in name and path.count("/") == 1}
        desktop_problems, violations = _walk(page, live_server, pages, 1280,
                                             axe=main_pages | set(_extra_pages(made)))
        assert problems + desktop_problems == [], "\n".join(problems + desktop_problems)
        assert phone_violations + violations == [], "\n".join(phone_violations + violations)

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
        first = labels.first
        assert first.locator("svg.qr").is_visible()
        text = first.inner_text()
        for fact in ("Castile Soap", made["output_code"], "Made ", "Net wt 4 oz (113 g)", "Ingredients:"):
            assert fact in text, f"{fact!r} not on the label: {text!r}"
        page.goto(f"{live_server}/batches/{made['batch']}/labels?layout=avery5160&count=30")
        box = page.locator("[data-testid=sheet-label]").nth(29).bounding_box()
        assert abs(box["width"] - 252) < 1 and abs(box["height"] - 96) < 1, box  # 2.625 × 1 in
        first = page.locator("[data-testid=sheet-label]").nth(0).bounding_box()
        assert abs(first["y"] - 48) < 2 and abs(first["x"] - 18) < 2, first  # 0.5 in top, 0.1875 in left
        page.pdf(path=str(ARTIFACTS / "label-sheet-5160.pdf"))
        screenshot(page, "print-label-sheet-5160")
    finally:
        context.close()
