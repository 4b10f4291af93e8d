"""Sign-up, sign-in, sign-out, password reset, sessions, CSRF and rate limits (pages)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.models import Organization, User
from app.services import accounts

from ..factories import PASSWORD
from ..helpers import csrf_token, post_form

SIGNUP = {"organization_name": "Lavender Lane", "name": "Ada", "email": "Ada@Example.com",
          "password": "a-long-password", "timezone": "Europe/Berlin"}


def test_signup_creates_organization_and_owner_on_free_tier(client, db):
    """Does signup create an organization on the Free tier with its owner, signed in?"""
    response = post_form(client, "/signup", SIGNUP)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ada@example.com"))
    assert user.organization.name == "Lavender Lane"
    assert user.organization.tier.key == "free"
    assert user.organization.billing_status == "free"
    assert user.role.key == "owner"
    assert user.timezone == "Europe/Berlin"
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Lavender Lane" in page.get_data(as_text=True)


def test_signup_bad_input_is_422_and_writes_nothing(client, db):
    """Do a bad email, a short password or a taken email re-render the form with 4xx and no rows?"""
    for overrides, message in [({"email": "not-an-email"}, "email"), ({"password": "short"}, "8"),
                               ({"organization_name": ""}, "required")]:
        response = post_form(client, "/signup", {**SIGNUP, **overrides})
        assert response.status_code == 422, overrides
        assert message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count(Organization.id))) == 0
    post_form(client, "/signup", SIGNUP)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    again = post_form(client, "/signup", {**SIGNUP, "organization_name": "Second"})
    assert again.status_code == 422
    assert "already exists" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Organization.id))) == 1


def test_login_and_logout(client, owner):
    """Can an owner sign in, see the dashboard, sign out, and then be sent to the login page?"""
    response = post_form(client, "/login", {"email": owner.email.upper(), "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    assert out.status_code == 302
    after = client.get("/dashboard")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_wrong_password_is_rejected(client, owner):
    """Does a wrong password answer 401 with a message and no session?"""
    response = post_form(client, "/login", {"email": owner.email, "password": "wrong password"})
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_login_rotates_the_session_id(client, owner):
    """Is the session id replaced at login (no session fixation)?"""
    client.get("/login")
    before = client.get_cookie("batchtrack_session")
    post_form(client, "/login", {"email": owner.email, "password": PASSWORD})
    after = client.get_cookie("batchtrack_session")
    assert before is not None and after is not None
    assert before.value != after.value


def test_login_rate_limit_answers_429_after_the_limit(client, owner):
    """After 10 failed attempts in a minute, is the 11th answered 429 even with the right password?"""
    for _ in range(10):
        assert post_form(client, "/login", {"email": owner.email, "password": "nope-nope"}).status_code == 401
    blocked = post_form(client, "/login", {"email": owner.email, "password": PASSWORD})
    assert blocked.status_code == 429


def test_login_rate_limit_is_per_email_across_addresses(client, owner):
    """Are failures for one email counted across addresses: a failing address, or a wrong guess from a
    fresh one, gets 429 (the right password from a clean address is let through: pages/test_account_security.py)?"""
    for index in range(10):
        env = {"REMOTE_ADDR": f"10.0.0.{index + 1}"}
        token = csrf_token(client, "/login")
        client.post("/login", data={"email": owner.email, "password": "bad-bad-bad", "csrf_token": token},
                    environ_base=env)
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429
    response = client.post("/login", data={"email": owner.email, "password": "guess-guess", "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert response.status_code == 429


def test_post_without_csrf_token_is_rejected(client, owner, login):
    """Is a form POST without a CSRF token refused with 400 and no change?"""
    assert client.post("/login", data={"email": owner.email, "password": PASSWORD}).status_code == 400
    login(owner)
    response = client.post("/settings/profile", data={"name": "Changed", "timezone": "UTC"})
    assert response.status_code == 400
    assert owner.name != "Changed"


def test_password_reset_token_works_once(client, owner, db, app):
    """Does a reset link set a new password exactly once?"""
    _, token = accounts.request_password_reset(owner.email, timedelta(hours=1))
    url = f"/reset-password/{token}"
    response = post_form(client, url, {"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 302
    assert post_form(client, "/login", {"email": owner.email, "password": "brand-new-password"}).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    reused = client.get(url)
    assert reused.status_code == 302 and "/forgot-password" in reused.headers["Location"]


def test_a_short_new_password_is_refused_in_plain_words(client, owner):
    """Does a 5-character reset password say 'at least 8 characters' (as the help does), not WTForms' 'Field must
    be between 8 and 72 characters long'?"""
    _, token = accounts.request_password_reset(owner.email, timedelta(hours=1))
    response = post_form(client, f"/reset-password/{token}", {"password": "short", "confirm": "short"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Use at least 8 characters (and at most 72)." in html
    assert "Field must be between" not in html


def test_password_reset_token_expires(client, owner):
    """Is an expired reset link refused?"""
    _, token = accounts.request_password_reset(owner.email, timedelta(seconds=-1))
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 302 and "/forgot-password" in response.headers["Location"]


def test_forgot_password_answers_the_same_for_unknown_email(client, owner, caplog):
    """Does the forgot-password form reveal nothing about which emails exist, and log the mail?"""
    caplog.set_level("INFO", logger="batchtrack.mail")
    known = post_form(client, "/forgot-password", {"email": owner.email})
    unknown = post_form(client, "/forgot-password", {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert "/reset-password/" in caplog.text
    assert caplog.text.count("Mail to") == 1


def test_deactivated_user_session_ends_at_once(client, owner, login, db):
    """When a user is deactivated, does their open session stop working on the next request?"""
    login(owner)
    assert client.get("/dashboard").status_code == 200
    owner.active = False
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_password_change_signs_out_other_sessions(app, owner, login, client):
    """After a password change, is an older session of the same user signed out?"""
    other = app.test_client()
    post_form(other, "/login", {"email": owner.email, "password": PASSWORD})
    assert other.get("/dashboard").status_code == 200
    login(owner)
    response = post_form(client, "/settings/password",
                         {"current_password": PASSWORD, "new_password": "another-password",
                          "confirm": "another-password"}, form_url="/settings")
    assert response.status_code == 302
    assert other.get("/dashboard").status_code == 302


def test_settings_profile_and_bad_timezone(client, owner, login, db):
    """Can a user change name and time zone, and is an unknown zone a 4xx?"""
    login(owner)
    ok = post_form(client, "/settings/profile", {"name": "Olive", "timezone": "America/Chicago"},
                   form_url="/settings")
    assert ok.status_code == 302
    db.session.refresh(owner)
    assert owner.name == "Olive" and owner.timezone == "America/Chicago"
    bad = post_form(client, "/settings/profile", {"name": "Olive", "timezone": "Mars/Olympus"},
                    form_url="/settings")
    assert bad.status_code == 422


def test_api_tokens_created_listed_and_revoked_on_settings(client, owner, login, db):
    """Is a token shown once, listed by prefix, and refused by the API after revocation?"""
    login(owner)
    page = post_form(client, "/settings/tokens", {"name": "Shop sync"}, form_url="/settings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Shop sync" in html
    raw = html.split('data-testid="new-token">')[1].split("<")[0]
    token = accounts.list_api_tokens(owner)[0]
    assert token.token_hash != raw and raw.startswith(token.prefix)
    assert accounts.user_for_token(raw).id == owner.id
    post_form(client, f"/settings/tokens/{token.id}/revoke", {}, form_url="/settings")
    assert accounts.user_for_token(raw) is None


def test_security_headers_and_cookie_flags(client, owner):
    """Are CSP, frame, nosniff and referrer headers set, and the session cookie HttpOnly + SameSite?"""
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_friendly_404_page(client):
    """Is an unknown page a friendly HTML 404?"""
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_timezone_filter_renders_in_user_zone(app, owner, db):
    """Does the localtime filter show a UTC time in the viewer's zone?"""
    from datetime import datetime, timezone

    from flask_login import login_user

    from app.formatting import localtime

    owner.timezone = "America/New_York"
    db.session.commit()
    with app.test_request_context():
        login_user(owner)
        assert localtime(datetime(2026, 1, 15, 17, 0, tzinfo=timezone.utc)) == "2026-01-15 12:00"
