"""Per-request work done once (issue 11): one user load, permissions cached across requests with
invalidation, the time zone resolved once, and no session write on a plain page view."""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from app import session_renewal
from app.extensions import cache
from app.models import InventoryItem, Organization, User
from app.models.types import utcnow
from app.services import accounts, organizations
from app.services.authz import effective_permissions, invalidate_permissions
from app.services.errors import ValidationFailed

from ..factories import make_user
from ..helpers import count_queries

# The request machinery's statements on a signed-in page: the user with organization, tier and role (1),
# plus, on a cold cache only, the role's and the tier's permission names (2).
USER_STATEMENTS = 1
COLD_PERMISSION_STATEMENTS = 2
# /settings shows the account and its API tokens: the user plus one page query.
SETTINGS_CEILING = USER_STATEMENTS + 1
INVENTORY_CEILING = 10  # issue 11: at most 10 statements on a main page, whatever the data size


def _get(client, db, url):
    """GET as production runs it: a new database session (empty identity map) for the request."""
    db.session.remove()
    with count_queries() as counter:
        response = client.get(url)
    return response, counter


def _permission_loads(counter) -> int:
    return sum(1 for s in counter.statements if "role_permissions" in s or "tier_permissions" in s)


def _user_loads(counter) -> int:
    return sum(1 for s in counter.statements if s.lstrip().upper().startswith("SELECT USERS."))


def _add_items(db, org_id: int, total: int) -> None:
    """Bring the organization to `total` items, in one bulk insert."""
    existing = db.session.scalar(select(func.count(InventoryItem.id)).where(InventoryItem.organization_id == org_id))
    db.session.add_all([InventoryItem(organization_id=org_id, name=f"Ingredient {n:04d}", kind="ingredient", unit="g",
                                      quantity=Decimal(0), allergens="", notes="") for n in range(existing, total)])
    db.session.commit()


def test_a_signed_in_page_loads_the_user_once_and_permissions_once_then_from_the_cache(client, login, org, member,
                                                                                      db):
    """Does a signed-in GET load the user once and the permissions at most once (cold), then never again?"""
    login(member)
    client.get("/settings")  # shows the sign-in flash (a session change), so the next ones are plain views
    invalidate_permissions(roles=[member.role_id], tiers=[org.tier_id])  # a cold permission cache
    db.session.commit()
    response, cold = _get(client, db, "/settings")
    assert response.status_code == 200
    assert _user_loads(cold) == USER_STATEMENTS, cold.statements
    assert _permission_loads(cold) == COLD_PERMISSION_STATEMENTS, cold.statements
    assert cold.count <= SETTINGS_CEILING + COLD_PERMISSION_STATEMENTS, cold.statements

    response, warm = _get(client, db, "/settings")
    assert response.status_code == 200
    assert _user_loads(warm) == USER_STATEMENTS
    assert _permission_loads(warm) == 0, warm.statements
    assert warm.count <= SETTINGS_CEILING, warm.statements


@pytest.mark.parametrize("items", [5, 500])
def test_inventory_list_statements_do_not_grow_with_items(client, login, member, org, db, items):
    """At 5 and at 500 items, is the inventory list within the ceiling, with one user load and no
    permission query once cached?"""
    _add_items(db, org.id, items)
    login(member)
    client.get("/inventory")  # warm: the flash, templates, the permission cache
    response, counter = _get(client, db, "/inventory")
    assert response.status_code == 200
    assert _user_loads(counter) == USER_STATEMENTS
    assert _permission_loads(counter) == 0
    assert counter.count <= INVENTORY_CEILING, counter.statements


def test_inventory_list_costs_the_same_statements_at_5_and_500_items(client, login, member, org, db):
    """Does the statement count of the inventory list stay the same when the items grow 100-fold?"""
    org_id = org.id
    _add_items(db, org_id, 5)
    login(member)
    client.get("/inventory")
    _, few = _get(client, db, "/inventory")
    _add_items(db, org_id, 500)
    _, many = _get(client, db, "/inventory")
    assert few.count == many.count, (few.statements, many.statements)


def _as_committed(db, org_id: int, owner_id: int):
    """The organization and its owner, loaded afresh (the request helper empties the session)."""
    return db.session.get(Organization, org_id), db.session.get(User, owner_id)


def test_a_role_change_takes_effect_on_the_very_next_request(client, login, org, owner, member, db):
    """With the role's permissions cached, does editing the role take the permission away at once?"""
    role = organizations.create_role(org, owner, name="Stock keeper",
                                     permissions=["inventory.view", "recipes.view"])
    ids = org.id, owner.id
    role_id = role.id
    organizations.change_user_role(org, owner, member.id, role_id)
    login(member)
    assert client.get("/inventory").status_code == 200
    response, warm = _get(client, db, "/inventory")
    assert response.status_code == 200 and _permission_loads(warm) == 0  # served from the cache

    organizations.update_role(*_as_committed(db, *ids), role_id, name="Stock keeper", permissions=["recipes.view"])

    response, counter = _get(client, db, "/inventory")
    assert response.status_code == 403
    assert _permission_loads(counter) == 1  # the role's names reloaded after the invalidation; the tier's cached
    assert client.get("/recipes").status_code == 200


def test_a_member_given_another_role_gets_its_permissions_on_the_next_request(client, login, org, owner, member, db):
    """Moving a member to a narrower role (a membership change) applies on their next request."""
    narrow_id = organizations.create_role(org, owner, name="Recipes only", permissions=["recipes.view"]).id
    ids, member_id = (org.id, owner.id), member.id
    login(member)
    assert client.get("/inventory").status_code == 200
    response, warm = _get(client, db, "/inventory")
    assert response.status_code == 200 and _permission_loads(warm) == 0
    organizations.change_user_role(*_as_committed(db, *ids), member_id, narrow_id)
    response, _ = _get(client, db, "/inventory")
    assert response.status_code == 403
    assert client.get("/recipes").status_code == 200


def test_a_rolled_back_role_edit_leaves_the_cached_permissions_as_committed(org, owner, db):
    """A role edit that fails (rolled back) neither changes nor poisons the cached permissions."""
    role = organizations.create_role(org, owner, name="Packer", permissions=["inventory.view"])
    user = make_user(org, role="viewer")
    user.role = role
    db.session.commit()
    ids, user_id, role_id = (org.id, owner.id), user.id, role.id
    assert effective_permissions(user) == {"inventory.view"}
    with pytest.raises(ValidationFailed):
        organizations.update_role(org, owner, role_id, name="", permissions=["recipes.view"])
    db.session.remove()
    assert effective_permissions(db.session.get(User, user_id)) == {"inventory.view"}
    organizations.update_role(*_as_committed(db, *ids), role_id, name="Packer", permissions=["recipes.view"])
    db.session.remove()
    assert effective_permissions(db.session.get(User, user_id)) == {"recipes.view"}


def _session_writes(app, monkeypatch) -> list:
    interface = getattr(app.session_interface, "inner", app.session_interface)  # under the Redis outage wrapper
    writes = []
    original = interface._upsert_session

    def spy(*args, **kwargs):
        writes.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(interface, "_upsert_session", spy)
    return writes


def test_a_plain_page_view_writes_no_session_and_sets_no_cookie(app, client, login, member, monkeypatch):
    """After sign-in, do GETs that change nothing in the session leave the store and the cookie alone?"""
    login(member)
    client.get("/inventory")  # shows (pops) the sign-in flash: that one is a real change
    writes = _session_writes(app, monkeypatch)
    for url in ("/inventory", "/settings", "/"):
        response = client.get(url)
        assert response.status_code in (200, 302)
        assert "Set-Cookie" not in response.headers, url
    assert writes == []


def test_a_session_change_is_still_saved(app, client, login, member, monkeypatch):
    """Sign-out (a real change) is written: the next page asks to sign in again."""
    from ..helpers import csrf_token

    login(member)
    client.get("/settings")
    writes = _session_writes(app, monkeypatch)
    token = csrf_token(client, "/settings")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Set-Cookie" in response.headers  # a new session id (or the emptied one's deletion)
    assert writes  # the sign-out's flash is stored
    assert client.get("/inventory").status_code == 302


def test_a_flash_message_survives_to_the_next_page_and_then_goes(client, login, member):
    """Flash messages still travel through the session: shown once, gone on the next view."""
    login(member)
    first = client.get("/settings").get_data(as_text=True)
    second = client.get("/settings").get_data(as_text=True)
    assert 'class="flash' in first
    assert 'class="flash' not in second


def test_a_used_session_is_renewed_once_its_last_store_is_old(app, client, login, member, monkeypatch):
    """A long-lived session in use is stored again (fresh lifetime) when the last store is over a day old."""
    login(member)
    client.get("/settings")
    assert "Set-Cookie" not in client.get("/settings").headers
    two_days_later = time.time() + 2 * 24 * 3600
    monkeypatch.setattr(session_renewal, "_now", lambda: two_days_later)
    writes = _session_writes(app, monkeypatch)
    response = client.get("/settings")
    assert response.status_code == 200
    assert "Set-Cookie" in response.headers
    assert len(writes) == 1
    assert "Set-Cookie" not in client.get("/settings").headers  # renewed: quiet again for a day
    assert len(writes) == 1


def test_a_password_reset_still_ends_the_session_without_session_writes(client, login, member, db):
    """Bumping the session version (password reset) signs the old session out on its next GET."""
    login(member)
    assert client.get("/settings").status_code == 200
    raw = accounts.create_one_time_token(member, "reset", timedelta(hours=1))
    accounts.reset_password(raw, "a-new-password-1")
    response = client.get("/settings")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_time_zone_is_resolved_once_per_request(app, client, login, member, db, monkeypatch):
    """Fifty localtime() calls on a page resolve the viewer's zone once."""
    from app import formatting as web

    member.timezone = "Europe/Paris"
    db.session.commit()
    login(member)
    calls = []
    original = web._resolve_display_zone
    monkeypatch.setattr(web, "_resolve_display_zone", lambda: calls.append(1) or original())
    now = utcnow()
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(member)
        text = render_template_string("{% for n in range(50) %}{{ now | localtime('%H %Z') }};{% endfor %}", now=now)
    assert len(calls) == 1
    assert text.count("CET") + text.count("CEST") == 50


def test_reseeding_reference_data_drops_the_cached_role_and_tier_permissions(org, member, db):
    """After `flask init-production` re-seeds roles and tiers, is no cached permission list left behind?"""
    from app.services import reference
    from app.services.authz import _cache_key

    effective_permissions(member)
    keys = [_cache_key("role", member.role_id), _cache_key("tier", org.tier_id)]
    assert all(value is not None for value in cache.get_many(*keys))
    reference.seed_tiers()
    assert cache.get_many(*keys) == [None, None]


def test_gunicorn_workers_freeze_start_up_objects_out_of_the_garbage_collector():
    """Does the default gunicorn.conf.py move a worker's start-up objects out of the GC's full collections?"""
    import gc
    import runpy
    from pathlib import Path

    config = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    try:
        config["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_navigation_links_follow_permissions_and_are_built_once(app, client, login, org, owner, db, monkeypatch):
    """Is the main navigation built once per set of visible links, and still per user's permissions?"""
    from app.blueprints import nav

    narrow_id = organizations.create_role(org, owner, name="Recipes only", permissions=["recipes.view"]).id
    limited = make_user(org, role="viewer")
    organizations.change_user_role(org, owner, limited.id, narrow_id)
    built = []
    original = nav.url_for
    monkeypatch.setattr(nav, "url_for", lambda endpoint, **values: built.append(endpoint) or original(endpoint, **values))
    app.extensions.pop("batchtrack_navigation", None)

    login(owner)
    first = client.get("/settings").get_data(as_text=True)
    assert 'href="/inventory"' in first and built
    built.clear()
    assert client.get("/settings").status_code == 200
    assert built == []  # the owner's links were built on the first view

    client.post("/logout", data={"csrf_token": _csrf(client)})
    login(limited)
    page = client.get("/settings").get_data(as_text=True)
    nav_html = page.split('id="main-nav"', 1)[1].split("</ul>", 1)[0]
    assert 'href="/recipes"' in nav_html and 'href="/inventory"' not in nav_html


def _csrf(client):
    from ..helpers import csrf_token

    return csrf_token(client, "/settings")
