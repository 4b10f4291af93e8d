"""In a real browser at desktop width (1280 x 900): the header is one compact band — brand, menu and the
account menu side by side — not three stacked rows that push every page down."""
from __future__ import annotations

import pytest

from app.extensions import db
from tests.factories import ensure_inventory_reference_data, make_org, make_user

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_desktop_header_keeps_brand_menu_and_account_on_one_band(live_server, page):
    """Does an owner with the full menu see brand, menu and account menu beside each other at 1280 px?"""
    ensure_inventory_reference_data()
    org = make_org(name="Lantern Soapworks", tier="team")
    make_user(org, email="lena@lantern.test", role="owner", name="Lena")
    db.session.commit()  # the live server shares this connection: never leave a transaction open here

    sign_in(page, live_server, "lena@lantern.test")
    assert page.locator("#main-nav li").count() >= 18  # the owner's full menu
    header = page.locator("header.topbar").bounding_box()
    brand = page.locator("header .brand").bounding_box()
    menu = page.locator("#main-nav").bounding_box()
    account = page.locator("header details.dropdown").bounding_box()
    assert header["height"] < 150, header  # two rows of links at most (it was ~275 px)
    assert brand["x"] + brand["width"] <= menu["x"] + 1  # the menu starts right of the brand…
    assert account["x"] >= menu["x"] + menu["width"] - 1  # …and the account menu right of the menu
    assert account["y"] < menu["y"] + menu["height"]  # on the same band, not a row of its own
    assert page.locator("header details.dropdown summary").bounding_box()["height"] < 60  # its name on one line
    screenshot(page, "desktop-header-1280")


def test_a_healthy_gross_margin_percent_is_not_shown_in_the_alarm_red(live_server, page):
    """Is the Reports page's margin % (a good 80 % here) drawn muted, not in the red kept for expired stock?"""
    from app.services import sales
    from tests.factories import stocked_sku

    ensure_inventory_reference_data()
    org = make_org(name="Lantern Soapworks", tier="team")
    owner = make_user(org, email="lena@lantern.test", role="owner", name="Lena")
    sku = stocked_sku(org, owner, price="10.00", unit_cost="2.00")
    sales.record_sale(org, owner, sku_id=sku["sku"].id, quantity="2")
    db.session.commit()

    sign_in(page, live_server, "lena@lantern.test")
    page.goto(f"{live_server}/reports?days=30")
    percent = page.locator("[data-testid=kpis] .stat small.muted", has_text="%")
    assert percent.inner_text().strip() == "80.0%"
    colour = percent.evaluate("e => getComputedStyle(e).color")
    label = page.locator("[data-testid=kpis] .stat .label").first.evaluate("e => getComputedStyle(e).color")
    assert colour == label, (colour, label)  # the muted grey of the labels (it was rgb(180, 35, 24))


def test_table_headers_and_short_cells_keep_whole_words_at_desktop_width(live_server, page):
    """At 1280 px, do the sales list's headers and channel names stay whole ("Channe" / "l" and "Wholesa" / "le"
    were broken mid-word to squeeze the table)?"""
    from app.services import sales
    from tests.factories import stocked_sku

    ensure_inventory_reference_data()
    org = make_org(name="Lantern Soapworks", tier="team")
    owner = make_user(org, email="lena@lantern.test", role="owner", name="Lena")
    sku = stocked_sku(org, owner, name="Whipped Shea Body Butter", price="18.00", quantity="40")
    for _ in range(3):
        sales.record_sale(org, owner, sku_id=sku["sku"].id, quantity="1", channel="Wholesale", customer="Corner shop",
                          order_ref="WS-1042")
    db.session.commit()

    sign_in(page, live_server, "lena@lantern.test")
    page.goto(f"{live_server}/sales")
    line_height = page.locator("main table thead th").first.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    for header in page.locator("main table thead th").all():
        if header.inner_text().strip():
            assert header.bounding_box()["height"] < 2 * line_height + 20, header.inner_text()  # one line
    cell = page.locator("main table tbody td", has_text="Wholesale").first
    assert cell.evaluate("e => e.getClientRects().length") >= 1
    assert cell.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); "
                         "return r.getClientRects().length; }") == 1  # "Wholesale" on one line
    screenshot(page, "sales-1280")


def test_the_pricing_sheet_fits_at_desktop_width_with_sku_codes_kept_readable(live_server, page):
    """At 1280 px, does the nine-column pricing sheet fit without scrolling sideways, its SKU codes broken at most
    at their hyphens (they stood one or two letters a line: "LA / V- / CA / S-"), its figures on one line?"""
    from tests.factories import stocked_sku

    ensure_inventory_reference_data()
    org = make_org(name="Lantern Soapworks", tier="team")
    owner = make_user(org, email="lena@lantern.test", role="owner", name="Lena")
    for name in ("Lavender Castile Soap", "Whipped Shea Body Butter", "Peppermint Lip Balm"):
        stocked_sku(org, owner, name=name, price="18.00", quantity="12")
    db.session.commit()

    sign_in(page, live_server, "lena@lantern.test")
    page.goto(f"{live_server}/products/pricing")
    wrap = page.locator("main .table-wrap").first
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # no sideways scroll inside the page
    for code in page.locator("[data-testid=pricing-table] tbody code").all():
        text = code.inner_text().strip()
        lines = code.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); "
                              "return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size; }")
        assert lines <= text.count("-") + 1, (text, lines)
    for cell in page.locator("[data-testid=pricing-table] tbody td.num").all():  # one line: under 1.6 lines high
        assert cell.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); "
                             "return r.getBoundingClientRect().height < 1.6 * parseFloat(getComputedStyle(e).lineHeight); }")
    screenshot(page, "pricing-sheet-1280")
