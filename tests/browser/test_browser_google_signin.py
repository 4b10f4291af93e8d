"""Browser: sign up and sign in with Google against the local fake OpenID Connect provider."""
from __future__ import annotations

from ..oidc_fake import oidc_fixture  # noqa: F401  (the `oidc` fixture)
from .conftest import screenshot


def test_sign_up_then_sign_in_with_the_fake_google_provider(app, live_server, page, oidc, monkeypatch):
    """Does the Google button lead through the provider to the sign-up form, then to the dashboard, and back in
    again after signing out?"""
    monkeypatch.setitem(app.config, "BASE_URL", live_server)  # the provider redirects to BASE_URL's callback
    page.goto(f"{live_server}/login")
    page.click("text=Sign in with Google")
    page.wait_for_url(f"{live_server}/signup/google")
    assert "maker@gmail.test" in page.content()
    page.fill("#organization_name", "Gmail Candle Co.")
    page.click("button:has-text('Create account')")
    page.wait_for_url(f"{live_server}/dashboard")
    assert "Gmail Candle Co." in page.content()
    screenshot(page, "google-signup-dashboard")

    page.goto(f"{live_server}/settings")
    assert "Unlink Google" in page.content()
    page.context.clear_cookies()  # a new visit, signed out
    page.goto(f"{live_server}/login")
    page.click("text=Sign in with Google")
    page.wait_for_url(f"{live_server}/dashboard")
    assert "Gmail Candle Co." in page.content()
