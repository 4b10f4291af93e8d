"""In a real browser: an owner invites a member → the member accepts the emailed link, signs in again with the
maker role and cannot open billing → a developer views the organization as read-only and sees the audit entry."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, User
from tests.factories import make_developer, make_org, make_user

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_invite_accept_maker_cannot_bill_and_developer_sees_the_audit(live_server, browser, page, caplog):
    caplog.set_level("INFO", logger="batchtrack.mail")
    org = make_org(name="Willow Wick Co.", tier="team")
    make_user(org, email="owner@willow.test", role="owner", name="Wren")
    make_developer(email="dev@batchtrack.test")
    org_id = org.id
    db.session.remove()  # the server thread shares the in-memory database: leave no transaction open here

    # The owner invites a maker from the team page.
    sign_in(page, live_server, "owner@willow.test")
    page.goto(f"{live_server}/organization/users")
    page.fill("#email", "nia@willow.test")
    page.select_option("#role_id", label="Maker")
    page.click("[data-testid=invite-submit]")
    page.wait_for_url("**/organization/users")
    assert "Invitation sent to nia@willow.test" in page.inner_text("main")
    screenshot(page, "team-invited")
    link = re.search(r"https?://\S+(/invite/[A-Za-z0-9_\-]+)", caplog.text).group(1)

    # The member accepts in their own browser, signs out, and signs in again with the password they chose.
    member = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    member.set_default_timeout(15000)
    member.goto(f"{live_server}{link}")
    assert "Join Willow Wick Co." in member.inner_text("h1")
    member.fill("#name", "Nia")
    member.fill("#password", "pour-and-wick-7")
    member.fill("#confirm", "pour-and-wick-7")
    member.click("[data-testid=accept-invite]")
    member.wait_for_url("**/dashboard")
    member.goto(f"{live_server}/settings")
    member.click("summary:has-text('Nia')")
    member.click("[data-testid=logout]")
    member.wait_for_url("**/login")
    sign_in(member, live_server, "nia@willow.test", "pour-and-wick-7")
    assert db.session.scalar(select(User).where(User.email == "nia@willow.test")).role.key == "maker"
    db.session.remove()
    response = member.goto(f"{live_server}/billing")
    assert response.status == 403
    assert "does not allow" in member.inner_text("main")
    screenshot(member, "team-member-no-billing")
    member.context.close()

    # A developer opens the organization, views it as read-only, ends, and sees both actions audited.
    developer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    developer.set_default_timeout(15000)
    sign_in(developer, live_server, "dev@batchtrack.test", lands_on="**/developer**")
    developer.click(f"[data-testid=org-row-{org_id}] a")
    developer.wait_for_url(f"**/developer/organizations/{org_id}")
    developer.click("[data-testid=view-as]")
    developer.wait_for_selector("[data-testid=view-as-banner]")
    assert "Viewing Willow Wick Co. as developer — read-only" in developer.inner_text("[data-testid=view-as-banner]")
    developer.click("[data-testid=view-as-banner] button")
    developer.goto(f"{live_server}/developer/organizations/{org_id}")
    audit = developer.inner_text("[data-testid=audit-log]")
    assert "view_as_start" in audit and "view_as_end" in audit and "dev@batchtrack.test" in audit
    screenshot(developer, "team-developer-audit")
    developer.context.close()
    assert [entry.action for entry in db.session.scalars(select(AuditLog).order_by(AuditLog.id))] == [
        "view_as_start", "view_as_end"]
    db.session.remove()
