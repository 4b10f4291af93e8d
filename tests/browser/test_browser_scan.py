"""In a real browser with a fake camera: Chromium fed a video of a label's QR code (the lot's public link) opens
that lot's page from the Scan page — decoded by the vendored ZXing decoder, as headless Chromium on Linux has no
BarcodeDetector —, on a desktop and at 390 px through the phone menu; typing a code works without a camera."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
import qrcode

from app.extensions import db
from app.services import products
from tests.factories import finished_batch

from .conftest import CHROMIUM, screenshot, sideways_scroll, sign_in
from .test_browser_phone_and_print import _axe

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, MODULE = 640, 480, 9
# The fake-camera tests decode video in JavaScript, which is slow on a busy machine (a full run once timed out two
# of them at 20 s): they share one worker, so two decoding Chromiums never compete, and wait longer for a decode.
CAMERA = pytest.mark.xdist_group("fake-camera")
CAMERA_TIMEOUT = 45000


def write_y4m(path, text: str, frames: int = 30) -> None:
    """A still video (YUV 4:2:0, 30 fps) of the QR code of `text`: black modules on white, centred."""
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix) * MODULE
    assert size <= HEIGHT, "the code must fit the frame"
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray([235]) * (WIDTH * HEIGHT)  # white (video range)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                for y in range(top + row * MODULE, top + (row + 1) * MODULE):
                    start = y * WIDTH + left + column * MODULE
                    luma[start:start + MODULE] = bytes([16]) * MODULE
    chroma = bytes([128]) * ((WIDTH // 2) * (HEIGHT // 2))
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


@contextmanager
def fake_camera(browser, video):
    """A second Chromium whose fake camera shows `video` (written by write_y4m)."""
    scanner = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
    try:
        yield scanner
    finally:
        scanner.close()


@pytest.fixture()
def camera_browser(browser, tmp_path, live_server, org, owner):
    """A second Chromium whose fake camera shows the QR code on the label of a finished batch's lot."""
    made = finished_batch(org, owner)
    lot_code, token, email = made["output_lot"].code, made["output_lot"].public_token, owner.email
    db.session.remove()  # the server thread shares the in-memory database
    video = tmp_path / "label-qr.y4m"
    write_y4m(video, f"{live_server}/l/{token}")
    with fake_camera(browser, video) as scanner:
        yield scanner, lot_code, email


@CAMERA
@pytest.mark.parametrize("width", [1280, 390])
def test_the_camera_reads_a_label_and_opens_its_lot(camera_browser, live_server, width):
    """Does pointing the camera at a label's QR code open that lot's page (desktop, and a phone via the menu)?"""
    scanner, lot_code, email = camera_browser
    context = scanner.new_context(viewport={"width": width, "height": 844 if width == 390 else 900})
    page = context.new_page()
    page.set_default_timeout(CAMERA_TIMEOUT)
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    try:
        sign_in(page, live_server, email)
        if width == 390:
            page.click("[data-nav-toggle]")
            page.click("#main-nav >> text=Scan")
        else:
            page.click("#main-nav >> text=Scan")
        page.wait_for_url(re.compile(rf".*/trace/lots/{re.escape(lot_code)}$"))
        assert lot_code in page.inner_text("main")
        assert any("zxing-library-0.23.0.min.js" in url for url in fetched), "the vendored decoder read the frames"
        assert page.evaluate("'BarcodeDetector' in window") is False
        screenshot(page, f"scan-opened-lot-{width}")
    finally:
        context.close()


def test_typing_a_code_works_without_a_camera(live_server, page, org, owner):
    """Without a camera, does the Scan page say so and open a SKU typed in, at 390 px, with Sell one there?"""
    made = finished_batch(org, owner)
    products.update_sku(org, owner, made["sku"].id, barcode="036000291452")
    sku_code, email = made["sku"].code, owner.email
    db.session.remove()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/scan")
    # no camera in this browser: after "Opening the camera…" the page says so and points to the field
    # (a locator wait: a string wait_for_function is an eval, which the page's CSP refuses when it has to poll)
    page.locator("[data-scan-status]", has_text="Type the code").wait_for()
    page.fill("#code", "0036000291452")
    page.click("[data-testid=scan-submit]")
    page.wait_for_url(re.compile(r".*/products/skus/\d+$"))
    assert sku_code in page.inner_text("h1")
    assert page.locator("[data-testid=sell-one]").is_visible()
    assert not sideways_scroll(page, "scan")
    assert not _axe(page, "SKU page at 390 px")  # no serious or critical accessibility violations
    screenshot(page, "scan-typed-sku-390")
    page.click("[data-testid=sell-one]")
    page.wait_for_url(re.compile(r".*/sales/\d+$"))


def test_without_a_camera_the_scan_page_says_so_and_offers_to_try_again(live_server, page, org, owner):
    """No camera (Chromium without its fake-device flags), at 390 px: does the Scan page say what happened as a
    warning and offer "Try again" (it used to offer "Open the camera" as if nothing had been tried), with the
    typed-code field still there?"""
    email = owner.email
    db.session.remove()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/scan")
    status = page.locator("[data-scan-status]", has_text="Type the code")
    status.wait_for()
    assert "flash-warning" in (status.get_attribute("class") or "")
    start = page.locator("[data-scan-start]")
    assert start.is_visible() and start.inner_text() == "Try again"
    assert "outline" in (start.get_attribute("class") or "")  # the typed code's Open stays the main button
    assert page.get_by_role("button", name="Open the camera").count() == 0
    assert page.locator("[data-scan-box]").is_hidden() and page.locator("[data-scan-stop]").is_hidden()
    assert page.locator("#code").is_visible()
    start.click()  # trying again fails the same way and says so again
    page.locator("[data-scan-start]", has_text="Try again").wait_for()
    assert "Type the code" in status.inner_text()
    assert not sideways_scroll(page, "scan-no-camera")
    screenshot(page, "scan-no-camera-390")


def test_the_sku_page_breadcrumb_wraps_between_steps_at_390_px(live_server, page, org, owner):
    """A long SKU code in the breadcrumb at 390 px: the steps wrap onto another line whole ("Products" was cut into
    "Product / s") and the page does not scroll sideways."""
    made = finished_batch(org, owner)
    products.update_sku(org, owner, made["sku"].id, code="LAVENDER-OATMEAL-4OZ-BAR")
    sku_id, email = made["sku"].id, owner.email
    db.session.remove()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, email)
    page.goto(f"{live_server}/products/skus/{sku_id}")
    lines = page.evaluate("""() => [...document.querySelectorAll('nav[aria-label=breadcrumb] li')].map(li => {
        const text = document.createTreeWalker(li, NodeFilter.SHOW_TEXT), tops = new Set();
        for (let node = text.nextNode(); node; node = text.nextNode()) {
          const range = document.createRange(); range.selectNodeContents(node);
          [...range.getClientRects()].forEach(r => tops.add(Math.round(r.top)));
        }
        return tops.size; })""")
    assert lines == [1, 1, 1], lines  # every step on one line of its own
    assert not sideways_scroll(page, "scan")


def test_over_plain_http_on_another_host_the_page_says_the_camera_cannot_open(browser, live_server, org, owner):
    """Served over plain http on a host that is not localhost (no secure context), does the Scan page say plainly
    that the camera cannot open, and still open a typed code?"""
    made = finished_batch(org, owner)
    lot_code, email = made["output_lot"].code, owner.email
    db.session.remove()
    port = live_server.rsplit(":", 1)[1]
    remote = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--host-resolver-rules=MAP workshop.example 127.0.0.1"])
    try:
        page = remote.new_page(viewport={"width": 390, "height": 844})
        page.set_default_timeout(15000)
        host = f"http://workshop.example:{port}"
        sign_in(page, host, email)
        page.goto(f"{host}/scan")
        assert page.evaluate("window.isSecureContext") is False
        warning = page.locator("[data-scan-insecure]")
        assert warning.is_visible() and "secure (https://) page" in warning.inner_text()
        assert page.locator("[data-scan-box]").is_hidden()
        page.fill("#code", lot_code)
        page.click("[data-testid=scan-submit]")
        page.wait_for_url(re.compile(rf".*/trace/lots/{re.escape(lot_code)}$"))
    finally:
        remote.close()


@CAMERA
def test_scan_supplier_barcode_on_the_restock_form(browser, live_server, tmp_path, org, owner):
    """On one item's restock form, does scanning a supplier's GS1 code of another known item open that item's
    restock form with the supplier lot code and expiry filled in?"""
    from tests.factories import make_item

    oil = make_item(org, owner, name="Olive oil", barcode="5012345678900")
    lye = make_item(org, owner, name="Lye")
    oil_id, lye_id, email = oil.id, lye.id, owner.email
    db.session.remove()
    video = tmp_path / "supplier.y4m"
    write_y4m(video, "(01)05012345678900(17)270531(10)OO-22")
    with fake_camera(browser, video) as scanner:
        page = scanner.new_page(viewport={"width": 390, "height": 844})
        page.set_default_timeout(CAMERA_TIMEOUT)
        sign_in(page, live_server, email)
        page.goto(f"{live_server}/inventory/{lye_id}")
        page.select_option("#change_type", "restock")
        page.fill("#quantity", "500")
        page.click("[data-testid=scan-supplier-barcode]")
        page.wait_for_url(re.compile(rf".*/inventory/{oil_id}\?.*supplier_lot_code=OO-22.*"))
        assert page.input_value("#supplier_lot_code") == "OO-22"
        assert page.input_value("#expires_at") == "2027-05-31"
        assert page.input_value("#quantity") == "500"
        screenshot(page, "scan-restock-390")


@CAMERA
def test_a_label_link_scanned_on_the_restock_form_is_not_a_supplier_code(browser, live_server, tmp_path, org, owner):
    """Scanning a BatchTrack label link that names none of your lots on the restock form: does it say so and
    leave the supplier lot code empty (it used to be filled with the link)?"""
    from tests.factories import make_item

    lye_id, email = make_item(org, owner, name="Lye").id, owner.email
    db.session.remove()
    video = tmp_path / "label.y4m"
    write_y4m(video, f"{live_server}/l/not-a-lot-of-yours")
    with fake_camera(browser, video) as scanner:
        page = scanner.new_page(viewport={"width": 390, "height": 844})
        page.set_default_timeout(CAMERA_TIMEOUT)
        sign_in(page, live_server, email)
        page.goto(f"{live_server}/inventory/{lye_id}")
        page.select_option("#change_type", "restock")
        page.click("[data-testid=scan-supplier-barcode]")
        page.get_by_text("That is a BatchTrack label link, not a supplier's code.").wait_for()
        assert page.input_value("#supplier_lot_code") == ""
