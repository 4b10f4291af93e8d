"""Organization administration: invitations, the user limit, deactivation, custom roles, settings."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import OneTimeToken, User
from app.models.types import utcnow
from app.services import accounts, organizations
from app.services.errors import InvalidState, PermissionDenied, ReadOnly, ValidationFailed
from app.services.organizations import members, roles
from app.services.reference import get_system_role

from ...factories import PASSWORD, make_org, make_user
from ...helpers import csrf_token, post_form


def _role_id(key: str) -> int:
    return get_system_role(key).id


def _invite_link(caplog) -> str:
    match = re.search(r"(/invite/[A-Za-z0-9_\-]+)", caplog.text)
    assert match, caplog.text
    return match.group(1)


def test_invite_link_works_once_and_signs_the_invitee_in(client, db, owner, login, caplog):
    """Can an invitee join from the emailed link exactly once, and are they signed in?"""
    caplog.set_level("INFO", logger="batchtrack.mail")
    login(owner)
    response = post_form(client, "/organization/users/invite",
                         {"email": "New.Maker@Example.com", "name": "", "role_id": _role_id("maker")},
                         form_url="/organization/users")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    link = _invite_link(caplog)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})

    page = client.get(link)
    assert page.status_code == 200 and "new.maker@example.com" in page.get_data(as_text=True)
    response = post_form(client, link, {"name": "Nia", "password": "a-good-password", "confirm": "a-good-password"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    user = db.session.scalar(select(User).where(User.email == "new.maker@example.com"))
    assert user.active and user.name == "Nia" and user.role.key == "maker"
    assert accounts.authenticate("new.maker@example.com", "a-good-password").id == user.id

    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})
    again = client.get(link)
    assert again.status_code == 410
    assert "does not work" in again.get_data(as_text=True)


def test_invite_link_expires(client, db, owner):
    """Does an invitation link stop working after it expires?"""
    user, raw = organizations.invite_user(owner.organization, owner, email="late@example.test",
                                          role_id=_role_id("viewer"))
    token = db.session.scalar(select(OneTimeToken).where(OneTimeToken.user_id == user.id))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/invite/{raw}").status_code == 410
    with pytest.raises(ValidationFailed):
        organizations.accept_invite(raw, name="Late", password="a-good-password")
    assert not db.session.get(User, user.id).active


def test_user_limit_blocks_the_next_invite_with_an_upgrade_prompt(client, db, login):
    """On Solo (2 users) does a third person — active or invited — get refused with a clear message?"""
    org = make_org(name="Solo Soap", tier="solo")
    boss = make_user(org, email="boss@solo.test", role="owner")
    organizations.invite_user(org, boss, email="helper@solo.test", role_id=_role_id("maker"))
    with pytest.raises(organizations.UserLimitReached, match="Solo plan allows 2 users"):
        organizations.invite_user(org, boss, email="third@solo.test", role_id=_role_id("maker"))

    login(boss)
    response = post_form(client, "/organization/users/invite",
                         {"email": "third@solo.test", "role_id": _role_id("maker")}, form_url="/organization/users")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Solo plan allows 2 users" in html and 'href="/pricing"' in html
    assert html.count("Solo plan allows 2 users") == 1  # the upgrade prompt only: not flashed, not on the field
    assert db.session.scalar(select(User).where(User.email == "third@solo.test")) is None


def test_withdrawn_invite_frees_the_seat(db):
    """Does withdrawing a pending invitation let the owner invite someone else?"""
    org = make_org(tier="solo")
    boss = make_user(org, role="owner")
    first, _ = organizations.invite_user(org, boss, email="a@solo.test", role_id=_role_id("maker"))
    organizations.cancel_invite(org, boss, first.id)
    second, _ = organizations.invite_user(org, boss, email="b@solo.test", role_id=_role_id("maker"))
    assert organizations.seat_usage(org, boss) == {"active": 1, "pending": 1, "limit": 2, "available": 0}
    assert second.email == "b@solo.test"


def test_deactivated_user_session_ends_and_token_gets_401(app, db, owner, member, api_token):
    """After deactivation, does the member's open session end at once and their API token answer 401?"""
    member_client = app.test_client()
    token = csrf_token(member_client, "/login")
    member_client.post("/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token})
    assert member_client.get("/dashboard").status_code == 200
    raw = api_token(member)
    headers = {"Authorization": f"Bearer {raw}"}
    assert member_client.get("/api/v1/organization", headers=headers).status_code == 200

    organizations.deactivate_user(owner.organization, owner, member.id)

    assert member_client.get("/dashboard").status_code == 302  # back to sign-in
    assert member_client.get("/api/v1/organization", headers=headers).status_code == 401
    with pytest.raises(Exception):
        accounts.authenticate(member.email, PASSWORD)


def test_reactivation_respects_the_user_limit(db):
    """Can a deactivated user come back only while a seat is free?"""
    org = make_org(tier="solo")
    boss = make_user(org, role="owner")
    helper = make_user(org, role="maker")
    organizations.deactivate_user(org, boss, helper.id)
    organizations.invite_user(org, boss, email="new@solo.test", role_id=_role_id("maker"))
    with pytest.raises(organizations.UserLimitReached):
        organizations.reactivate_user(org, boss, helper.id)


def test_last_owner_cannot_be_demoted_or_deactivated(db, owner):
    """Is the last owner protected: no self-demotion or self-deactivation, and a co-owner may step down only while another owner remains?"""
    org = owner.organization
    with pytest.raises(InvalidState):
        organizations.change_user_role(org, owner, owner.id, _role_id("maker"))
    with pytest.raises(InvalidState):
        organizations.deactivate_user(org, owner, owner.id)
    co_owner = make_user(org, email="co@juniper.test", role="owner")
    assert organizations.change_user_role(org, owner, co_owner.id, _role_id("manager")).role.key == "manager"
    # guard in the service itself: the target is the only active owner left
    owner.role = get_system_role("manager")
    db.session.commit()
    sole = make_user(org, email="sole@juniper.test", role="owner")
    acting_owner = make_user(org, email="acting@juniper.test", role="owner")
    organizations.deactivate_user(org, acting_owner, sole.id)
    with pytest.raises(InvalidState, match="last owner"):
        members._guard_target(org, sole, acting_owner, "deactivate")


def test_manager_cannot_touch_owners(db, owner):
    """Can a manager neither deactivate an owner nor make someone an owner?"""
    org = owner.organization
    manager = make_user(org, role="manager")
    maker = make_user(org, role="maker")
    with pytest.raises(PermissionDenied):
        organizations.deactivate_user(org, manager, owner.id)
    with pytest.raises(PermissionDenied):
        organizations.change_user_role(org, manager, maker.id, _role_id("owner"))
    assert organizations.change_user_role(org, manager, maker.id, _role_id("viewer")).role.key == "viewer"


def test_custom_role_cannot_exceed_the_tier(db):
    """Are custom roles limited to the plan: unknown permissions refused, no custom roles on Solo or Free?"""
    from app.services.reference import get_tier

    org = make_org(tier="team")
    boss = make_user(org, role="owner")
    role = organizations.create_role(org, boss, name="Packer", permissions=["inventory.view", "products.sell"])
    assert {p.name for p in role.permissions} == {"inventory.view", "products.sell"}
    with pytest.raises(ValidationFailed, match="Unknown permission"):
        organizations.create_role(org, boss, name="Hacker", permissions=["root.everything"])

    org.tier = get_tier("solo")  # Solo: no custom roles (organization.manage_roles is outside its ceiling)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        organizations.create_role(org, boss, name="Second", permissions=["inventory.view"])
    with pytest.raises(PermissionDenied):
        organizations.update_role(org, boss, role.id, name="Packer", permissions=["inventory.view"])

    free_org = make_org(tier="free")
    free_owner = make_user(free_org, role="owner")
    with pytest.raises(PermissionDenied):
        organizations.create_role(free_org, free_owner, name="Importer", permissions=["inventory.import"])


def test_custom_role_permission_outside_plan_is_refused(db, monkeypatch):
    """With custom roles on, does the service still refuse a permission the plan's ceiling lacks?"""
    org = make_org(tier="team")
    boss = make_user(org, role="owner")
    ceiling = [n for n in organizations.tier_permission_names(org, boss) if n != "inventory.import"]
    monkeypatch.setattr(roles, "_tier_permission_names", lambda _org: ceiling)
    with pytest.raises(ValidationFailed, match="does not include: inventory.import"):
        organizations.create_role(org, boss, name="Importer", permissions=["inventory.import", "inventory.view"])


def test_manager_cannot_grant_billing_through_a_custom_role(db, owner):
    """Can a manager (no billing.manage) create a role holding billing.manage? (No.)"""
    manager = make_user(owner.organization, role="manager")
    with pytest.raises(PermissionDenied, match="billing.manage"):
        organizations.create_role(owner.organization, manager, name="Payer", permissions=["billing.manage"])


def test_custom_roles_page_shows_upgrade_prompt_on_free(client, db, login):
    """On Free, do the roles pages show an upgrade prompt instead of an error?"""
    org = make_org(tier="free")
    boss = make_user(org, role="owner")
    login(boss)
    for url in ("/organization/roles", "/organization/roles/new"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert 'data-testid="upgrade-prompt"' in html and 'href="/pricing"' in html


def test_role_matrix_creates_and_assigns_a_custom_role(client, db, owner, member, login):
    """Can an owner create a custom role in the matrix and give it to a member?"""
    login(owner)
    response = post_form(client, "/organization/roles/new",
                         {"name": "Packer", "description": "Packs orders",
                          "permissions": ["inventory.view", "products.sell"]})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    role = next(r for r in organizations.list_roles(owner.organization, owner) if r.name == "Packer")
    response = post_form(client, f"/organization/users/{member.id}/role", {"role_id": role.id},
                         form_url="/organization/users")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).role_id == role.id


def test_read_only_organization_cannot_create_roles(db, owner):
    """Once the grace period is over, is a write (creating a role) refused as read-only?"""
    org = owner.organization
    org.billing_status = "past_due"
    org.grace_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(ReadOnly):
        organizations.create_role(org, owner, name="Late", permissions=["inventory.view"])


def test_settings_validate_and_save(client, db, owner, login):
    """Does the settings page save valid values and refuse an out-of-range window?"""
    login(owner)
    form = {"name": "Juniper & Sage", "timezone": "Europe/Berlin", "expiring_soon_days": "400",
            "consumption_order": "fefo", "currency": "EUR"}
    bad = post_form(client, "/organization/settings", form)
    assert bad.status_code == 422
    form["expiring_soon_days"] = "14"
    good = post_form(client, "/organization/settings", form)
    assert good.status_code == 302
    db.session.refresh(owner.organization)
    org = owner.organization
    assert (org.name, org.timezone, org.expiring_soon_days, org.consumption_order, org.currency) == (
        "Juniper & Sage", "Europe/Berlin", 14, "fefo", "EUR")


def test_members_without_permission_get_403(client, db, member, viewer, login):
    """Does a maker get 403 on team management and on billing?"""
    login(member)
    assert client.get("/organization/users").status_code == 403
    assert client.get("/billing").status_code == 403
    assert client.get("/organization/settings").status_code == 403
    assert client.get("/organization/roles").status_code == 200


def test_other_organizations_users_are_not_found(db, owner, other_owner):
    """Is another organization's member a 404 for role changes and deactivation?"""
    from app.services.errors import NotFound

    with pytest.raises(NotFound):
        organizations.deactivate_user(owner.organization, owner, other_owner.id)
    with pytest.raises(NotFound):
        organizations.change_user_role(owner.organization, owner, other_owner.id, _role_id("viewer"))


def test_changing_the_organizations_time_zone_moves_the_members_who_never_picked_their_own(client, db, org, owner,
                                                                                          member, login):
    """After the owner sets the organization to New York, do the owner and a member still on the old zone show
    times in New York ("times shown in UTC" stayed), while a member who picked Tokyo keeps Tokyo?"""
    traveller = make_user(org, email="kenji@juniper.test", role="maker")
    traveller.timezone = "Asia/Tokyo"
    db.session.commit()
    assert owner.timezone == member.timezone == org.timezone == "UTC"
    login(owner)
    form = {"name": org.name, "timezone": "America/New_York", "expiring_soon_days": "30",
            "consumption_order": "fifo", "currency": "USD"}
    assert post_form(client, "/organization/settings", form).status_code == 302
    for user in (owner, member, traveller):
        db.session.refresh(user)
    assert (owner.timezone, member.timezone, traveller.timezone) == ("America/New_York", "America/New_York",
                                                                     "Asia/Tokyo")
    assert "times shown in America/New_York" in client.get("/dashboard").get_data(as_text=True)
