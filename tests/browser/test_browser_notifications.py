"""In a real browser at phone width: the Notifications page (opt out of the digest, choose alert e-mails, send a
digest now) and the digest setting on the organization settings page, without a sideways scroll."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.services import notifications
from tests.factories import ensure_inventory_reference_data, make_item, make_lot, make_org, make_user

from .conftest import screenshot, sideways_scroll, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390])
def test_notifications_on_a_phone(live_server, browser, width):
    ensure_inventory_reference_data()
    org = make_org(name="Lantern Soapworks", tier="team")
    owner = make_user(org, email="lena@lantern.test", role="owner", name="Lena")
    item = make_item(org, name="Shea butter", reorder_point=Decimal("5"))
    make_lot(org, item, "2", "1")
    db.session.commit()  # the live server shares this connection: never leave a transaction open here

    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, "lena@lantern.test")

        page.goto(f"{live_server}/settings")
        page.click("[data-testid=notifications-link]")
        page.wait_for_url("**/settings/notifications")
        assert page.is_checked("#digest")  # owners get the digest by default
        assert not sideways_scroll(page, f"{width}px")
        page.uncheck("#digest")
        page.check("input[name=alert_types][value=stockout]")
        page.check("input[name=alert_types][value=expired]")
        page.click("[data-testid=notification-preferences] button[type=submit]")
        page.wait_for_url("**/settings/notifications")
        assert "Notification settings saved." in page.inner_text("main")
        assert not page.is_checked("#digest") and page.is_checked("input[name=alert_types][value=stockout]")
        screenshot(page, f"notifications-{width}")

        page.click("[data-testid=digest-now]")
        page.wait_for_url("**/settings/notifications")
        assert "Digest sent to lena@lantern.test" in page.inner_text("main")

        page.goto(f"{live_server}/organization/settings#digest")
        page.select_option("[data-testid=digest-settings-form] select[name=frequency]", "daily")
        page.click("[data-testid=digest-settings-form] button[type=submit]")
        page.wait_for_url("**/organization/settings#digest")
        assert "Digest e-mail setting saved." in page.inner_text("main")
        assert not sideways_scroll(page, f"{width}px")
        screenshot(page, f"organization-digest-{width}")
    finally:
        context.close()
    db.session.expire_all()
    assert notifications.digest_setting(org)["frequency"] == "daily"
    prefs = notifications.get_preferences(org, owner)
    assert (prefs.digest, prefs.alert_types) == (False, ["stockout", "expired"])
