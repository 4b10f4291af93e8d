"""Browser tests: a real server (threaded werkzeug) on a free loopback port, Debian chromium via Playwright."""
from __future__ import annotations

import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def live_server(app, db):
    """Serve the test app on 127.0.0.1:<free port> for the duration of one test."""
    app.config["WTF_CSRF_SSL_STRICT"] = False
    port = _free_port()
    # One request at a time: the in-memory SQLite test database is a single shared connection.
    server = make_server("127.0.0.1", port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it when it can)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


def _opened(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture()
def page(browser):
    """A desktop browser tab (1280 × 900)."""
    yield from _opened(browser, 1280, 900)


@pytest.fixture()
def phone(browser):
    """A phone-sized browser tab (390 × 844)."""
    yield from _opened(browser, 390, 844)


def sign_in(page, live_server, email: str, password: str = PASSWORD, lands_on: str = "**/dashboard") -> None:
    """Sign in through the login form and wait for the page it lands on."""
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lands_on)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


_WIDE_ELEMENTS = """() => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
    .slice(-3).map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : '')
                    + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')"""


def sideways_scroll(page, name: str) -> list[str]:
    """[] when the page does not scroll sideways, else one problem naming the widest elements.

    Measured once the page has loaded (its stylesheets applied) and, when it is too wide, again after the layout
    has had a moment to settle, so a page caught mid-load on a busy machine is not reported — a page that really
    is too wide stays too wide."""
    page.wait_for_load_state("load")
    for attempt in range(3):
        document_width, window_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if document_width <= window_width + 1:
            return []
        page.wait_for_timeout(300)
    wide = page.evaluate(_WIDE_ELEMENTS)
    return [f"{name}: the page is {document_width}px wide in a {window_width}px window ({'; '.join(wide)})"]
