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


def test_signup_starts_at_the_browsers_time_zone(live_server, browser):
    """Does the sign-up form pick the browser's zone (Chicago) instead of UTC, and save it with the workshop?"""
    context = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id="America/Chicago")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server}/signup")
        assert page.input_value("#timezone") == "America/Chicago"
        page.fill("#organization_name", "Prairie Soap")
        page.fill("#email", "pat@prairie.test")
        page.fill("#password", "lye-and-lard-42")
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")
        assert "times shown in America/Chicago" in page.inner_text("main")
    finally:
        context.close()
