"""Account security: links built from BASE_URL, safe redirects, single-use resets that end every credential,
sign-in throttling that cannot lock a user out, no-store on signed-in pages, reset tokens stored hashed."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db as _db
from app.extensions import mail
from app.models import ApiToken, OneTimeToken, User
from app.models.types import utcnow
from app.services import accounts
from app.services.reference import get_system_role

from ..conftest import IS_POSTGRES
from ..factories import PASSWORD, make_lot, make_user
from ..helpers import CSRF_RE, csrf_token, post_form
from ..stripe_fake import stripe_fake  # noqa: F401  (fixture)
from .production.test_batch_pages import soap  # noqa: F401  (fixture: a soap recipe with stock)

BASE = "https://app.batchtrack.test"
LINK_RE = re.compile(r"(\S+/(?:reset-password|invite)/\S+)")


@pytest.fixture()
def base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE + "/")
    return BASE


def _post_on_host(client, url: str, data: dict, host: str, form_url: str | None = None):
    """GET the form and POST it as a client that reached the site under another Host header."""
    page = client.get(form_url or url, base_url=f"http://{host}")
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:300]
    return client.post(url, data={**data, "csrf_token": match.group(1)}, base_url=f"http://{host}")


# ---- 1. links in mail come from BASE_URL -----------------------------------------------------------

def test_reset_link_is_built_from_base_url_not_the_host_header(client, owner, base_url):
    """POST /forgot-password with Host: evil.example: does the mailed link still start with BASE_URL?"""
    with mail.record_messages() as outbox:
        response = _post_on_host(client, "/forgot-password", {"email": owner.email}, "evil.example")
    assert response.status_code == 302
    assert len(outbox) == 1
    links = LINK_RE.findall(outbox[0].body)
    assert links and all(link.startswith(BASE + "/reset-password/") for link in links)
    assert "evil.example" not in outbox[0].body


def test_invitation_link_is_built_from_base_url_not_the_host_header(client, org, owner, base_url):
    """Is an invitation mailed from a request with a forged Host header linked to BASE_URL?"""
    page = client.get("/login", base_url="http://evil.example")
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    signed_in = client.post("/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": token},
                            base_url="http://evil.example")
    assert signed_in.status_code == 302
    with mail.record_messages() as outbox:
        response = _post_on_host(client, "/organization/users/invite",
                                 {"email": "new.maker@juniper.test", "role_id": get_system_role("maker").id},
                                 "evil.example", form_url="/organization/users")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert len(outbox) == 1
    links = LINK_RE.findall(outbox[0].body)
    assert links and links[0].startswith(BASE + "/invite/")
    assert "evil.example" not in outbox[0].body


def test_stripe_return_urls_come_from_base_url(client, db, stripe_fake, base_url):  # noqa: F811
    """Checkout and portal sessions opened from a request with a forged Host: are the return URLs BASE_URL's?"""
    from ..factories import make_org

    shop = make_org(name="Fern Lotions", tier="free")
    boss = make_user(shop, email="boss@fern.test", role="owner")
    _post_on_host(client, "/login", {"email": boss.email, "password": PASSWORD}, "evil.example")
    response = _post_on_host(client, "/billing/checkout", {"tier": "team"}, "evil.example", form_url="/pricing")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    session = stripe_fake.last("/v1/checkout/sessions")["params"]
    assert session["success_url"] == BASE + "/billing?checkout=success"
    assert session["cancel_url"] == BASE + "/billing?checkout=canceled"
    response = _post_on_host(client, "/billing/portal", {}, "evil.example", form_url="/billing")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert stripe_fake.last("/v1/billing_portal/sessions")["params"]["return_url"] == BASE + "/billing"


def test_label_qr_link_comes_from_base_url(client, org, owner, soap, base_url):  # noqa: F811
    """Is the link a printed label's QR code carries built from BASE_URL, whatever Host the page was asked on?"""
    from app.services import batches

    batch = batches.start_batch(org, owner, soap[0].id, "1")
    _post_on_host(client, "/login", {"email": owner.email, "password": PASSWORD}, "evil.example")
    html = client.get(f"/batches/{batch.id}/label", base_url="http://evil.example").get_data(as_text=True)
    printed = re.search(r'<p class="label-url[^"]*">([^<]+)</p>', html)
    assert printed and printed.group(1).startswith(BASE + "/"), html[:300]
    assert "evil.example" not in html


def test_absolute_url_helper_ignores_the_request_host(app, base_url):
    """Does absolute_url() give BASE_URL + path inside a request for another host, and without one?"""
    from app.links import absolute_url

    with app.test_request_context("/", base_url="http://evil.example"):
        assert absolute_url("billing.billing_page", checkout="success") == BASE + "/billing?checkout=success"
    with app.app_context():
        assert absolute_url("auth.reset_password", token="abc") == BASE + "/reset-password/abc"


# ---- 3. open redirects -------------------------------------------------------------------------------

TRICKS = [
    "//evil.example/phish",
    "/\\evil.example/phish",
    "/\t/evil.example/phish",
    "/%09/evil.example/phish",
    "/%5Cevil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\n/evil.example",
]


def _location_is_local(location: str, expected_path: str) -> bool:
    return location == expected_path or location.endswith("://localhost" + expected_path)


@pytest.mark.parametrize("target", TRICKS)
def test_login_next_tricks_go_to_the_dashboard(client, owner, target):
    """POST /login?next=<trick>: does the sign-in land on the dashboard, never on another host?"""
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": target},
                           data={"email": owner.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert _location_is_local(response.headers["Location"], "/dashboard"), response.headers["Location"]


def test_login_next_keeps_a_real_path(client, owner):
    """Is a same-site path (with a query) still followed after sign-in?"""
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": "/inventory?q=wax%26oil"},
                           data={"email": owner.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/inventory?q=wax%26oil"


@pytest.mark.parametrize("target", TRICKS)
def test_density_and_mapping_forms_refuse_foreign_next(client, org, owner, login, target, reference_data):
    """Do the density and unit-mapping forms ignore a `next` that leaves the site?"""
    from ..factories import make_item

    item = make_item(org, owner, "Soy Wax")
    login(owner)
    density = post_form(client, f"/units/items/{item.id}/density", {"density": "0.9", "next": target},
                        form_url="/units")
    assert density.status_code == 302
    assert _location_is_local(density.headers["Location"], "/units#densities"), density.headers["Location"]
    mapping = post_form(client, "/units/mappings", {"item_id": item.id, "unit_name": "bag", "quantity": "25",
                                                    "in_unit": "kg", "next": target}, form_url="/units")
    assert mapping.status_code == 302
    assert _location_is_local(mapping.headers["Location"], "/units#mappings"), mapping.headers["Location"]


@pytest.mark.parametrize("target", ["/%09/evil.example/phish", "/\t/evil.example", "//evil.example"])
def test_dispose_expired_lot_refuses_foreign_next(client, org, owner, login, target, reference_data):
    """Does the expired-lot disposal form ignore a `next` that leaves the site?"""
    from ..factories import make_item

    item = make_item(org, name="Old Lye")
    lot = make_lot(org, item, "5", "1", expires_on=date.today() - timedelta(days=3))
    login(owner)
    response = post_form(client, f"/inventory/lots/{lot.id}/dispose", {"notes": "", "next": target},
                         form_url="/inventory/expiring")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _location_is_local(response.headers["Location"], "/inventory/expiring"), response.headers["Location"]


# ---- 4. a reset link is consumed atomically ------------------------------------------------------

@pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL: SQLite serializes every writer (BEGIN IMMEDIATE), "
                                            "so the race cannot happen there")
def test_parallel_reset_posts_set_the_password_exactly_once(app, owner):
    """10 threads post the same reset link at once: does exactly one set a password?"""
    _, raw = accounts.request_password_reset(owner.email, timedelta(hours=1))
    user_id = owner.id
    _db.session.remove()
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(index: int):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                accounts.reset_password(raw, f"parallel-password-{index}")
                result = f"ok:{index}"
            except accounts.ValidationFailed:
                result = "refused"
            except Exception as exc:  # a 500-class failure would be a bug too
                result = f"error:{type(exc).__name__}:{exc}"
            finally:
                _db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [outcome for outcome in outcomes if outcome.startswith("ok:")]
    assert len(outcomes) == 10
    assert len(winners) == 1, outcomes
    assert outcomes.count("refused") == 9, outcomes
    user = _db.session.get(User, user_id)
    winner = winners[0].split(":")[1]
    assert accounts.authenticate(user.email, f"parallel-password-{winner}").id == user_id
    assert user.session_version == 2


def test_claim_refuses_an_already_used_token(owner, db):
    """Is a token whose row is already marked used refused at the claim, even if read as unused before?"""
    _, raw = accounts.request_password_reset(owner.email, timedelta(hours=1))
    token = db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == accounts.hash_token(raw)))
    # Another request wins the race between our read and our write.
    db.session.execute(OneTimeToken.__table__.update().where(OneTimeToken.id == token.id)
                       .values(used_at=utcnow()))
    db.session.commit()
    with pytest.raises(accounts.ValidationFailed):
        accounts.claim_one_time_token(token)


# ---- 5. a reset ends every credential -------------------------------------------------------------

def test_reset_ends_sessions_other_links_and_api_tokens(app, client, owner, api_token):
    """After a forgotten-password reset: are the old session, an older reset link and API tokens dead?"""
    other = app.test_client()
    post_form(other, "/login", {"email": owner.email, "password": PASSWORD})
    assert other.get("/dashboard").status_code == 200
    raw_api = api_token(owner)
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {raw_api}"}).status_code == 200
    _, older = accounts.request_password_reset(owner.email, timedelta(hours=1))
    _, newer = accounts.request_password_reset(owner.email, timedelta(hours=1))

    page = client.get(f"/reset-password/{newer}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "signs you out on every device" in text and "revokes all your API tokens" in text

    response = post_form(client, f"/reset-password/{newer}", {"password": "fresh-password-1",
                                                             "confirm": "fresh-password-1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert other.get("/dashboard").status_code == 302
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {raw_api}"}).status_code == 401
    for link in (older, newer):
        gone = client.get(f"/reset-password/{link}")
        assert gone.status_code == 302 and "/forgot-password" in gone.headers["Location"]
        follow = client.get(gone.headers["Location"])
        assert "invalid, already used or expired" in follow.get_data(as_text=True)
    refused = client.post(f"/reset-password/{older}", data={"password": "x" * 10, "confirm": "x" * 10,
                                                             "csrf_token": csrf_token(client, "/login")})
    assert refused.status_code == 302
    assert accounts.authenticate(owner.email, "fresh-password-1").id == owner.id
    assert all(token.revoked_at is not None for token in _db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == owner.id)))


def test_voluntary_change_keeps_this_session_and_ends_the_others(app, client, owner, login, api_token):
    """A password change on the settings page: does this session stay signed in, others end, tokens stay?"""
    other = app.test_client()
    post_form(other, "/login", {"email": owner.email, "password": PASSWORD})
    raw_api = api_token(owner)
    login(owner)
    before = client.get_cookie("batchtrack_session").value
    settings = client.get("/settings").get_data(as_text=True)
    assert "signs you out everywhere else" in settings
    response = post_form(client, "/settings/password",
                         {"current_password": PASSWORD, "new_password": "another-password",
                          "confirm": "another-password"}, form_url="/settings")
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings")
    assert client.get("/dashboard").status_code == 200
    assert client.get_cookie("batchtrack_session").value != before  # the session id was rotated
    assert other.get("/dashboard").status_code == 302
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {raw_api}"}).status_code == 200


def test_voluntary_change_ends_outstanding_reset_links(client, owner, login):
    """Does a reset link requested before a password change stop working after it?"""
    _, raw = accounts.request_password_reset(owner.email, timedelta(hours=1))
    login(owner)
    post_form(client, "/settings/password", {"current_password": PASSWORD, "new_password": "another-password",
                                             "confirm": "another-password"}, form_url="/settings")
    with pytest.raises(accounts.ValidationFailed):
        accounts.check_one_time_token(raw, "reset")


def test_invitation_link_works_once(client, org, owner, db):
    """Is an accepted invitation's link refused on a second submission?"""
    from app.services import organizations

    invited, raw = organizations.invite_user(org, owner, email="twice@juniper.test",
                                             role_id=get_system_role("maker").id)
    organizations.accept_invite(raw, name="Twice", password="joined-password")
    with pytest.raises(accounts.ValidationFailed):
        organizations.accept_invite(raw, name="Again", password="other-password")


# ---- 8. sign-in throttling cannot lock a user out -----------------------------------------------

def _login_from(client, email, password, addr):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


def test_strangers_cannot_lock_a_user_out_of_the_login_page(client, owner):
    """10 wrong passwords for a known email (from other addresses): does the owner still sign in from home?"""
    for index in range(10):
        assert _login_from(client, owner.email, "wrong-guess", f"203.0.113.{index + 1}").status_code == 401
    assert _login_from(client, owner.email, PASSWORD, "198.51.100.7").status_code == 302


def test_a_failing_address_is_blocked_even_with_the_right_password(client, owner, member):
    """10 failures from one address: is that address answered 429 even with a right password?"""
    for index in range(10):
        assert _login_from(client, f"nobody{index}@example.test", "wrong-guess", "203.0.113.50").status_code == 401
    assert _login_from(client, owner.email, PASSWORD, "203.0.113.50").status_code == 429
    assert _login_from(client, owner.email, PASSWORD, "203.0.113.51").status_code == 302


def test_throttled_email_refuses_wrong_guesses_from_fresh_addresses(client, owner):
    """Once an email is over its limit, is a wrong guess from a fresh address a 429 (and that address
    then failing, so its next try with the right password is a 429 too)?"""
    for index in range(10):
        _login_from(client, owner.email, "wrong-guess", f"203.0.113.{index + 1}")
    assert _login_from(client, owner.email, "another-guess", "192.0.2.1").status_code == 429
    assert _login_from(client, owner.email, PASSWORD, "192.0.2.1").status_code == 429


def _token(client, email, password, addr):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_strangers_cannot_lock_a_user_out_of_the_token_endpoint(client, owner):
    """POST /api/v1/auth/token: after 10 failures from others, does the right password from a clean
    address get its token, and a failing address get 429 with Retry-After?"""
    for index in range(10):
        assert _token(client, owner.email, "wrong-guess", f"203.0.113.{index + 1}").status_code == 401
    assert _token(client, owner.email, PASSWORD, "198.51.100.7").status_code == 201
    blocked = _token(client, owner.email, PASSWORD, "203.0.113.1")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert blocked.get_json()["error"]["code"] == "rate_limited"


def test_operations_doc_describes_the_throttling_policy():
    """Does docs/OPERATIONS.md document the sign-in throttling policy?"""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "OPERATIONS.md").read_text()
    assert "Sign-in throttling" in text and "has not been failing" in text


# ---- 9. no-store for signed-in pages ------------------------------------------------------------

def test_signed_in_pages_are_not_cached(client, owner, login, api_token):
    """Do signed-in HTML pages (and token API answers) carry Cache-Control: no-store, public ones not?"""
    public = client.get("/login")
    assert "no-store" not in public.headers.get("Cache-Control", "")
    login(owner)
    for url in ("/dashboard", "/settings", "/inventory", "/units"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-store", url
    missing = client.get("/inventory/999999")
    assert missing.headers.get("Cache-Control") == "no-store"
    api = client.get("/api/v1/units", headers={"Authorization": f"Bearer {api_token(owner)}"})
    assert api.headers.get("Cache-Control") == "no-store"


def test_password_reset_token_is_stored_only_as_a_hash(owner):
    """Is the raw reset token absent from the database (only its hash is kept)?"""
    _, raw = accounts.request_password_reset(owner.email, timedelta(hours=1))
    row = _db.session.scalar(select(OneTimeToken).where(OneTimeToken.user_id == owner.id))
    assert row.token_hash == accounts.hash_token(raw) and raw not in row.token_hash
    assert _db.session.scalar(select(OneTimeToken).where(OneTimeToken.token_hash == raw)) is None
