"""A maker at the bench or a market stall, on a 390 px phone: what only a browser shows — tap targets a thumb can
hit, text that keeps its margins, menus that line up."""
from __future__ import annotations

import pytest

from app.services import inventory
from tests.factories import finished_batch, make_org, make_sale, make_user, stocked_sku

from .conftest import screenshot, sideways_scroll, sign_in

pytestmark = pytest.mark.browser


# Words split across lines: each text's words measured in its font against the width of the block that holds it
# (long codes and links, 25+ characters, may break; label sheets are printed at their own size).
BROKEN_WORDS = """() => {
  const canvas = document.createElement('canvas').getContext('2d'); const found = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || !parent.offsetParent || parent.closest('.label-sheet, script, style, option, select')) continue;
    let box = parent;
    while (box && getComputedStyle(box).display === 'inline') box = box.parentElement;
    const style = getComputedStyle(box);
    const room = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (room <= 0) continue;
    const font = getComputedStyle(parent);
    canvas.font = font.fontStyle + ' ' + font.fontWeight + ' ' + font.fontSize + ' ' + font.fontFamily;
    for (const word of node.textContent.split(/\\s+/)) {
      if (word.length >= 3 && word.length <= 24 && canvas.measureText(word).width > room + 1) {
        found.push(box.tagName.toLowerCase() + ' "' + word + '"'); break;
      }
    }
  }
  return found.slice(0, 8);
}"""


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_phone_shell_targets_and_margins(app, live_server, db, phone):
    """Are the menu toggle, the bench shortcuts and the open menu's links thumb-sized (44 px), does the footer keep
    the page's side margin, and does "Sign out" line up with "Settings" in the account menu?"""
    org = make_org(name="Bench Soap")
    make_user(org, email="bea@bench.test", role="owner", name="Bea")
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")

    for selector in ("[data-nav-toggle]", "[data-testid=quick-link]"):
        assert _box(phone, selector)["height"] >= 43, selector
    phone.click("[data-nav-toggle]")
    heights = phone.locator("#main-nav a").evaluate_all("links => links.map(a => a.getBoundingClientRect().height)")
    assert heights and min(heights) >= 43, heights
    screenshot(phone, "bench-phone-menu")

    main_text = phone.locator("main h1").first.bounding_box()["x"]
    footer = phone.locator("footer.footer")
    footer_text = footer.evaluate("f => { const r = document.createRange(); r.selectNodeContents(f); "
                                  "return r.getBoundingClientRect().left; }")
    assert footer_text == pytest.approx(main_text, abs=1), "the footer text starts at a different margin"

    phone.click("details.dropdown summary")
    right_edges = phone.locator("details.dropdown li").evaluate_all("""items => items.slice(1).map(li => {
        const r = document.createRange(); r.selectNodeContents(li.querySelector('a, button'));
        return Math.round(r.getBoundingClientRect().right); })""")
    assert len(right_edges) == 2 and abs(right_edges[0] - right_edges[1]) <= 1, right_edges


def test_tabs_wrap_between_tabs_never_inside_a_word(app, live_server, db, phone):
    """Purchase orders' seven status tabs at 390 px: does each tab keep its word on one line ("Canc/elled",
    "A/ll" before), the row wrapping between tabs instead?"""
    org = make_org(name="Bench Soap")
    make_user(org, email="bea@bench.test", role="owner", name="Bea")
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")
    phone.goto(f"{live_server}/purchase-orders")
    lines = phone.locator("nav.tabs a").evaluate_all("""links => links.map(a => {
        const r = document.createRange(); r.selectNodeContents(a);
        const tops = new Set(Array.from(r.getClientRects()).map(rect => Math.round(rect.top)));
        return [a.innerText, tops.size]; })""")
    assert len(lines) >= 5 and all(count == 1 for _, count in lines), lines
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_label_sheet_says_when_the_text_is_cut_off(app, live_server, db, phone):
    """Long ingredient names on a 2⅝ × 1 in label print cut off: does the sheet page say so — and say nothing while
    the ingredients fit?"""
    org = make_org(name="Bench Soap")
    owner = make_user(org, email="bea@bench.test", role="owner", name="Bea")
    made = finished_batch(org, owner)
    batch_id, oil_id = made["batch"].id, made["oil"].id
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")
    phone.goto(f"{live_server}/batches/{batch_id}/labels?layout=avery22806")  # two short names on 2 × 2 in
    assert phone.locator("[data-testid=sheet-label]").count() == 12
    assert not phone.locator("[data-testid=label-overflow]").is_visible()
    inventory.update_item(org, owner, oil_id,
                          inci_name="Olea Europaea (Olive) Fruit Oil, Butyrospermum Parkii (Shea) Butter, Cocos "
                                    "Nucifera (Coconut) Oil, Ricinus Communis (Castor) Seed Oil")
    db.session.remove()
    phone.goto(f"{live_server}/batches/{batch_id}/labels?layout=avery5160")
    note = phone.locator("[data-testid=label-overflow]")
    note.wait_for(state="visible")
    assert "2.625 × 1 in" in note.inner_text()
    screenshot(phone, "bench-phone-label-overflow")


def test_a_wrapped_breadcrumb_stays_compact(app, live_server, db, phone):
    """A SKU of a long-named product: its breadcrumb wraps to three rows at 390 px; do they take about 100 px (they
    took 168, a fifth of the screen, before the page's title)?"""
    org = make_org(name="Bench Soap")
    owner = make_user(org, email="bea@bench.test", role="owner", name="Bea")
    made = stocked_sku(org, owner, name="Shea & Lavender Cold Process Bar")
    sku_id = made["sku"].id
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")
    phone.goto(f"{live_server}/products/skus/{sku_id}")
    rows = phone.locator("nav[aria-label=breadcrumb] li").evaluate_all(
        "items => new Set(items.map(li => Math.round(li.getBoundingClientRect().top))).size")
    height = phone.locator("nav[aria-label=breadcrumb]").bounding_box()["height"]
    assert rows == 3 and height <= 110, (rows, height)


def test_a_card_tables_total_row_is_labelled(app, live_server, db, phone):
    """A sale's "Lots sold from" on a phone: does its Total card label its numbers ("Quantity: 1 each", "Cost: …")
    like the rows above it (it showed "1 each / $1.38 / —" bare)?"""
    org = make_org(name="Bench Soap")
    owner = make_user(org, email="bea@bench.test", role="owner", name="Bea")
    made = stocked_sku(org, owner)
    sale = make_sale(org, owner, made["item"], quantity="1", unit_price="8.50")
    sale_id = sale.id
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")
    phone.goto(f"{live_server}/sales/{sale_id}")
    labels = phone.locator("[data-testid=sale-lots] tfoot th").evaluate_all(
        "cells => cells.filter(c => c.offsetParent).map(c => getComputedStyle(c, '::before').content)")
    assert '"Quantity: "' in labels and '"Cost: "' in labels, labels


def test_search_forms_keep_each_controls_rounded_ends(app, live_server, db, phone):
    """Filter and scan forms are several labelled fields that wrap on a phone: does each input, select and button keep
    both rounded ends (Pico's one-pill search group cut the Apply/Open buttons flat on one side and the scan code
    field square), with no pill-shaped focus ring drawn round the whole form?"""
    org = make_org(name="Bench Soap")
    make_user(org, email="bea@bench.test", role="owner", name="Bea")
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")
    for path in ("/inventory", "/scan", "/trace"):
        phone.goto(f"{live_server}{path}")
        corners = phone.locator("main form[role=search]").last.locator(
            "input:not([type=checkbox]):not([type=hidden]), select, button").evaluate_all("""els => els.map(e => {
                const cs = getComputedStyle(e);
                return [e.name || e.innerText, cs.borderTopLeftRadius, cs.borderTopRightRadius]; })""")
        assert corners, path
        flat = [c for c in corners if c[1] == "0px" or c[2] == "0px" or c[1] != c[2]]
        assert not flat, (path, flat)
        phone.locator("main form[role=search] input[type=search], main form[role=search] input[name=code]").first.focus()
        ring = phone.locator("main form[role=search]").last.evaluate("f => getComputedStyle(f).boxShadow")
        assert ring == "none", (path, ring)


def test_a_code_that_is_a_link_looks_like_one(app, live_server, db, phone):
    """The batch list's only link to a batch is its code (in bold): is it drawn in the link colour, not the grey of
    plain code?"""
    org = make_org(name="Bench Soap")
    owner = make_user(org, email="bea@bench.test", role="owner", name="Bea")
    finished_batch(org, owner)
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")
    phone.goto(f"{live_server}/batches")
    link = phone.locator("[data-testid=batch-table] tbody a").first
    colours = link.evaluate("a => [getComputedStyle(a).color, getComputedStyle(a.querySelector('code')).color]")
    assert colours[0] == colours[1], colours


def test_a_skus_sell_and_edit_buttons_are_thumb_sized(app, live_server, db, phone):
    """At a market stall: are a SKU's Sell and Edit buttons on the product page 44 px tall (30 px before)?"""
    org = make_org(name="Bench Soap")
    owner = make_user(org, email="bea@bench.test", role="owner", name="Bea")
    made = stocked_sku(org, owner)
    product_id = made["product"].id
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")
    phone.goto(f"{live_server}/products/{product_id}")
    heights = phone.locator(".sku-head .actions a[role=button]").evaluate_all(
        "links => links.map(a => [a.innerText, a.getBoundingClientRect().height])")
    assert [text for text, _ in heights] == ["Sell", "Edit"] and all(h >= 43 for _, h in heights), heights


def test_the_bench_and_stall_pages_break_no_word(app, live_server, db, phone):
    """The pages of a day at the bench and the stall, at 390 px with long names: does any word break across lines
    ("O/li/ve O/il" in the start-a-batch stock check, "Canc/elled" in tabs, "S/e/t" on the units page) or the
    page scroll sideways?"""
    org = make_org(name="Bench Soap")
    owner = make_user(org, email="bea@bench.test", role="owner", name="Bea")
    made = finished_batch(org, owner)
    inventory.update_item(org, owner, made["oil"].id, name="Shea Butter (unrefined, organic, fair-trade from Ghana)")
    sale = make_sale(org, owner, made["item"], quantity="1", unit_price="9")
    ids = {key: made[key].id for key in ("oil", "recipe", "batch", "product", "sku", "item")}
    lot_code, sale_id = made["output_lot"].code, sale.id
    db.session.remove()
    sign_in(phone, live_server, "bea@bench.test")
    pages = ["/dashboard", "/inventory", f"/inventory/{ids['oil']}", f"/inventory/{ids['item']}", "/recipes",
             f"/recipes/{ids['recipe']}", f"/recipes/{ids['recipe']}/stock-check", "/batches",
             f"/batches/new?recipe_id={ids['recipe']}", f"/batches/{ids['batch']}", f"/batches/{ids['batch']}/label",
             "/products", f"/products/{ids['product']}", f"/products/skus/{ids['sku']}", "/sales", "/sales/new",
             f"/sales/{sale_id}", "/trace", f"/trace/lots/{lot_code}", "/scan", "/scan?code=0000000", "/units",
             "/purchase-orders", "/settings"]
    problems = []
    for path in pages:
        phone.goto(f"{live_server}{path}")
        problems += sideways_scroll(phone, path)
        broken = phone.evaluate(BROKEN_WORDS)
        if broken:
            problems.append(f"{path}: {broken}")
    assert problems == [], "\n".join(problems)
