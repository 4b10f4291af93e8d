"""Sign in with Google (OpenID Connect) against a local fake provider: the redirect, every ID-token check,
sign-in by `sub`, sign-up, linking an existing password account (password required), settings link/unlink."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.models import Organization, User

from ..factories import PASSWORD, make_org, make_user
from ..helpers import csrf_token, post_form
from ..oidc_fake import (
    CLIENT_ID,
    oidc_fixture,  # noqa: F401  (the `oidc` fixture)
)


def _begin(client) -> dict:
    response = client.get("/login/google")
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response.location).query).items()}


def _finish(client, oidc, params: dict, **token_options):
    code = oidc.code_for(nonce=params["nonce"], redirect_uri=params["redirect_uri"], **token_options)
    return client.get("/login/google/callback", query_string={"code": code, "state": params["state"]})


def _signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def _via_provider(client, oidc):
    """Follow the real redirect chain: app → provider /authorize → app callback."""
    import requests

    params = _begin(client)
    location = client.get("/login/google").location  # a fresh flow (state/nonce) like a browser click
    answer = requests.get(location, allow_redirects=False, timeout=5)
    callback = urlsplit(answer.headers["Location"])
    assert params["redirect_uri"].endswith("/login/google/callback")
    return client.get(callback.path, query_string=callback.query)


def test_login_redirects_to_provider_with_state_nonce_and_base_url_callback(app, client, db, oidc):
    """Does /login/google send the browser to the provider's authorization endpoint with every parameter?"""
    response = client.get("/login/google")
    assert response.status_code == 302 and response.location.startswith(oidc.base + "/authorize?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(response.location).query).items()}
    assert params["response_type"] == "code" and params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == app.config["BASE_URL"].rstrip("/") + "/login/google/callback"
    assert {"openid", "email"} <= set(params["scope"].split())
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20


def test_linked_account_signs_in_by_sub(client, db, oidc):
    """Does a Google account linked to a user (by sub) sign that user in through the whole provider round trip?"""
    org = make_org(name="Linked Soap", tier="team")
    user = make_user(org, email="someone-else@linked.test", role="owner")
    user.google_sub = "google-sub-1"
    db.session.commit()
    response = _via_provider(client, oidc)
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    assert _signed_in(client)
    assert "Linked Soap" in client.get("/dashboard").get_data(as_text=True)
    assert oidc.token_requests[-1]["redirect_uri"].endswith("/login/google/callback")


@pytest.mark.parametrize("options", [
    {"aud": "someone-elses-client"},
    {"iss": "https://evil.example"},
    {"exp": 1_000_000, "iat": 999_000},
    {"alg": "none"},
    {"wrong_key": True},
    {"alg": "HS256"},
    {"email_verified": False},
    {"email_verified": None},
    {"nonce": "not-the-session-nonce"},
    {"nonce": None},
], ids=["wrong_aud", "wrong_iss", "expired", "alg_none", "other_key", "hs256", "unverified_email",
        "no_email_verified", "bad_nonce", "no_nonce"])
def test_untrustworthy_id_tokens_are_400_and_nobody_signs_in(client, db, oidc, options):
    """Is every ID token failing a check (aud, iss, exp, signature/alg, nonce, email_verified) refused with 400?"""
    org = make_org(name="Target Soap", tier="team")
    user = make_user(org, email="maker@gmail.test", role="owner")
    user.google_sub = "google-sub-1"
    db.session.commit()
    params = _begin(client)
    if options.get("alg") == "HS256":
        import jwt
        token = jwt.encode({"iss": oidc.issuer, "aud": CLIENT_ID, "sub": "google-sub-1", "email": "maker@gmail.test",
                            "email_verified": True, "nonce": params["nonce"], "iat": 1, "exp": 4_000_000_000},
                           "a-shared-secret-of-enough-length-000", algorithm="HS256")
        code = "code-hs"
        oidc.codes[code] = {"id_token": token, "redirect_uri": None}
        response = client.get("/login/google/callback", query_string={"code": code, "state": params["state"]})
    else:
        options = dict(options)
        nonce = options.pop("nonce") if "nonce" in options else params["nonce"]
        code = oidc.code_for(nonce=nonce, **options)
        response = client.get("/login/google/callback", query_string={"code": code, "state": params["state"]})
    assert response.status_code == 400
    assert not _signed_in(client)


def test_wrong_or_missing_state_is_400(client, db, oidc):
    """Is a callback with another state (or none, or no flow started) refused with 400 and nobody signed in?"""
    org = make_org(name="State Soap", tier="team")
    user = make_user(org, email="state@state.test", role="owner")
    user.google_sub = "google-sub-1"
    db.session.commit()
    params = _begin(client)
    code = oidc.code_for(nonce=params["nonce"])
    assert client.get("/login/google/callback", query_string={"code": code, "state": "forged"}).status_code == 400
    assert not _signed_in(client)
    # the state is single-use: the flow is gone after a failed attempt
    code = oidc.code_for(nonce=params["nonce"])
    assert client.get("/login/google/callback",
                      query_string={"code": code, "state": params["state"]}).status_code == 400
    assert client.get("/login/google/callback", query_string={"code": code}).status_code == 400
    assert not _signed_in(client)


def test_unknown_email_signs_up_a_new_org_linked_by_sub(client, db, oidc):
    """Does an unknown e-mail go to /signup/google, whose form creates the org + owner linked to the sub?"""
    response = _finish(client, oidc, _begin(client))
    assert response.status_code == 302 and response.location.endswith("/signup/google")
    assert not _signed_in(client)
    response = post_form(client, "/signup/google", {"organization_name": "Gmail Candles"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "maker@gmail.test"))
    assert user.google_sub == "google-sub-1" and user.password_hash is None
    assert db.session.get(Organization, user.organization_id).name == "Gmail Candles"
    assert user.role.key == "owner"
    assert _signed_in(client)
    # a user without a password makes API tokens on the settings page
    settings = client.get("/settings").get_data(as_text=True)
    assert 'data-testid="no-password"' in settings
    created = post_form(client, "/settings/tokens", {"name": "script"}, form_url="/settings")
    assert created.status_code == 200
    raw = created.get_data(as_text=True).split('data-testid="new-token">')[1].split("<")[0]
    api = client.get("/api/v1/organization", headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 200 and api.get_json()["name"] == "Gmail Candles"
    # signing out and in again with Google finds the user by sub
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    assert not _signed_in(client)
    assert _finish(client, oidc, _begin(client)).location.endswith("/dashboard")
    assert _signed_in(client)


def test_signup_page_without_a_verified_identity_redirects(client, db, oidc):
    """Can /signup/google or /login/google/link be used without a verified Google identity? (No.)"""
    assert client.get("/signup/google").status_code == 302
    assert client.post("/signup/google", data={"organization_name": "X"}).status_code in (302, 400)
    assert client.get("/login/google/link").status_code == 302
    assert db.session.scalar(select(User).where(User.email == "maker@gmail.test")) is None


def test_existing_email_links_only_with_the_right_password(client, db, oidc):
    """Does an e-mail of a password account go to /login/google/link, refusing a wrong password and linking
    with the right one; and is a different sub with the same e-mail not that user?"""
    org = make_org(name="Password Soap", tier="team")
    user = make_user(org, email="maker@gmail.test", role="owner")
    user_id = user.id
    response = _finish(client, oidc, _begin(client))
    assert response.status_code == 302 and response.location.endswith("/login/google/link")
    assert not _signed_in(client)
    wrong = post_form(client, "/login/google/link", {"password": "not-the-password"})
    assert wrong.status_code == 401
    assert not _signed_in(client)
    db.session.expire_all()
    assert db.session.get(User, user_id).google_sub is None
    right = post_form(client, "/login/google/link", {"password": PASSWORD})
    assert right.status_code == 302
    assert _signed_in(client)
    db.session.expire_all()
    assert db.session.get(User, user_id).google_sub == "google-sub-1"

    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    oidc.next_identity = {"sub": "google-sub-2", "email": "maker@gmail.test", "name": "Impostor"}
    response = _finish(client, oidc, _begin(client))
    assert response.location.endswith("/login/google/link")  # not signed in as the linked user
    assert not _signed_in(client)


def test_settings_link_and_unlink(client, db, login, oidc):
    """Can a signed-in user link Google from settings (round trip) and unlink it again?"""
    org = make_org(name="Settings Soap", tier="team")
    user = make_user(org, email="settings@soap.test", role="owner")
    login(user)
    page = client.get("/settings").get_data(as_text=True)
    assert "Link Google account" in page
    start = client.post("/settings/google/link", data={"csrf_token": csrf_token(client, "/settings")})
    assert start.status_code == 302 and start.location.startswith(oidc.base + "/authorize?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(start.location).query).items()}
    done = _finish(client, oidc, params)
    assert done.status_code == 302 and done.location.endswith("/settings")
    db.session.expire_all()
    assert db.session.get(User, user.id).google_sub == "google-sub-1"
    assert "Unlink Google" in client.get("/settings").get_data(as_text=True)
    unlink = client.post("/settings/google/unlink", data={"csrf_token": csrf_token(client, "/settings")})
    assert unlink.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).google_sub is None


def test_google_only_user_cannot_unlink_their_only_sign_in(client, db, oidc):
    """Is unlinking refused for a user who has no password (it would lock them out)?"""
    _finish(client, oidc, _begin(client))
    post_form(client, "/signup/google", {"organization_name": "Only Google"})
    client.post("/settings/google/unlink", data={"csrf_token": csrf_token(client, "/settings")})
    user = db.session.scalar(select(User).where(User.email == "maker@gmail.test"))
    db.session.refresh(user)
    assert user.google_sub == "google-sub-1"


def test_without_client_id_button_hidden_and_routes_404(app, client, db):
    """Without GOOGLE_CLIENT_ID: no button on the sign-in page, and every Google route answers 404."""
    assert not app.config.get("GOOGLE_CLIENT_ID")
    assert "Sign in with Google" not in client.get("/login").get_data(as_text=True)
    for path in ("/login/google", "/login/google/callback?code=x&state=y", "/signup/google", "/login/google/link"):
        assert client.get(path).status_code == 404, path


def test_button_shown_with_client_id(client, db, oidc):
    """With a client id the sign-in page shows the Google button."""
    assert "Sign in with Google" in client.get("/login").get_data(as_text=True)


def test_provider_down_is_a_clear_message_and_nothing_changes(app, client, db, oidc):
    """With the provider unreachable, is /login/google a clear error page (not a 500), nobody signed in?"""
    app.config["GOOGLE_DISCOVERY_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration"
    response = client.get("/login/google")
    assert response.status_code == 502
    assert "unavailable" in response.get_data(as_text=True)
    assert not _signed_in(client)


def test_provider_with_client_secret_basic_only(client, db, oidc):
    """Does the code exchange use HTTP Basic client authentication when that is all the provider supports?"""
    oidc.auth_methods = ["client_secret_basic"]
    org = make_org(name="Basic Soap", tier="team")
    user = make_user(org, email="basic@soap.test", role="owner")
    user.google_sub = "google-sub-1"
    db.session.commit()
    response = _finish(client, oidc, _begin(client))
    assert response.status_code == 302 and _signed_in(client)
    assert oidc.token_requests[-1]["_auth"] == "basic"
