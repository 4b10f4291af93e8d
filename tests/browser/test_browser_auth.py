"""In a real browser: sign up → dashboard → sign out → sign in → dashboard → sign out."""
from __future__ import annotations

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_signup_login_dashboard_logout(live_server, page):
    page.goto(f"{live_server}/signup")
    page.fill("#organization_name", "Meadow Candle Co.")
    page.fill("#name", "Mira")
    page.fill("#email", "mira@meadow.test")
    page.fill("#password", "wick-and-wax-42")
    page.select_option("#timezone", "Europe/London")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    assert "Meadow Candle Co." in page.inner_text("main")
    screenshot(page, "auth-dashboard")

    page.click("summary:has-text('Mira')")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login")
    assert "Signed out" in page.inner_text("main")

    page.fill("#email", "mira@meadow.test")
    page.fill("#password", "not-the-password")
    page.click("main button[type=submit]")
    assert "Wrong email or password" in page.inner_text("main")

    page.fill("#email", "mira@meadow.test")
    page.fill("#password", "wick-and-wax-42")
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard")
    assert "Meadow Candle Co." in page.inner_text("main")

    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "auth-dashboard-phone")
    page.click("summary:has-text('Mira')")
    page.click("[data-testid=logout]")
    page.wait_for_url("**/login")
