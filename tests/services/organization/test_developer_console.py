"""Developer console: developers only (404 otherwise), view-as read-only and audited, tenant actions."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import AuditLog, GlobalItem
from app.services import developer, organizations
from app.services.errors import PermissionDenied, ReadOnly, Unauthorized
from app.services.reference import get_system_role

from ...factories import PASSWORD, make_developer, make_org, make_user
from ...helpers import csrf_token, post_form

DEVELOPER_URLS = ["/developer", "/developer/library", "/developer/library/new", "/developer/organizations/1"]


def _actions(db) -> list[str]:
    db.session.expire_all()
    return [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


def test_non_developers_get_404_everywhere(client, db, owner, login):
    """Do anonymous visitors and organization owners get 404 on every /developer URL, GET and POST?"""
    for url in DEVELOPER_URLS:
        assert client.get(url).status_code == 404, url
    login(owner)
    for url in DEVELOPER_URLS:
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/dashboard")
    for url in (f"/developer/organizations/{owner.organization_id}/suspend",
                f"/developer/organizations/{owner.organization_id}/view-as", "/developer/view-as/end"):
        assert client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert owner.organization.suspended_at is None


def test_console_lists_organizations_with_usage(client, db, owner, member, other_org, login):
    """Does the console list every organization with tier, billing status and counts?"""
    dev = make_developer()
    login(dev)
    response = client.get("/developer")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Juniper Soap Co." in html and "Other Candle Works" in html
    assert f'data-testid="org-row-{owner.organization_id}"' in html
    assert "<th>Last sign-in</th>" in html and "Last activity" not in html  # it is a member's last sign-in
    rows = developer.list_organizations(dev)["items"]
    juniper = next(r for r in rows if r["org"].id == owner.organization_id)
    assert (juniper["users"], juniper["items"], juniper["billing_status"]) == (2, 0, "active")
    stats = developer.platform_stats(dev)
    assert stats["organizations"] == 2 and stats["users"] == 2
    assert stats["signups_per_day"][-1]["count"] == 2


def test_console_query_count_does_not_grow_with_organizations(client, db, login):
    """Is the organization list loaded in a fixed number of queries?"""
    from ...helpers import count_queries

    dev = make_developer()
    login(dev)
    for _ in range(3):
        make_user(make_org(), role="owner")
    with count_queries() as few:
        client.get("/developer")
    for _ in range(10):
        make_user(make_org(), role="owner")
    with count_queries() as many:
        client.get("/developer")
    assert many.count <= few.count


def test_view_as_is_read_only_and_audited(client, db, owner, login):
    """Can a developer view an organization's pages, are writes refused, and are start and end audited?"""
    dev = make_developer()
    org = owner.organization
    login(dev)
    response = post_form(client, f"/developer/organizations/{org.id}/view-as", {},
                         form_url=f"/developer/organizations/{org.id}")
    assert response.status_code == 302
    page = client.get("/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="view-as-banner"' in html
    assert "Viewing Juniper Soap Co. as developer — read-only" in html and "<h1>Juniper Soap Co.</h1>" in html
    assert client.get("/organization/roles").status_code == 200
    assert client.get("/billing").status_code == 200

    # writes are refused by the services (authorize) and by the pages
    with pytest.raises(ReadOnly):
        organizations.create_role(org, dev, name="Sneaky", permissions=["inventory.view"])
    with pytest.raises(ReadOnly):
        organizations.update_settings(org, dev, name="Hacked", timezone_name="UTC", expiring_soon_days=30,
                                      consumption_order="fifo", currency="USD")
    assert client.get("/organization/settings").status_code == 403
    blocked = post_form(client, "/organization/roles/new", {"name": "Sneaky", "permissions": ["inventory.view"]},
                        form_url="/dashboard")
    assert blocked.status_code in (402, 403)
    db.session.refresh(org)
    assert org.name == "Juniper Soap Co."

    end = post_form(client, "/developer/view-as/end", {}, form_url="/dashboard")
    assert end.status_code == 302
    assert 'data-testid="view-as-banner"' not in client.get("/developer").get_data(as_text=True)
    assert _actions(db) == ["view_as_start", "view_as_end"]
    entry = db.session.scalars(select(AuditLog)).first()
    assert entry.developer_id == dev.id and entry.organization_id == org.id


def test_admin_changes_tier_and_suspends_with_audit(app, client, db, owner, login):
    """Does changing the tier and suspending work, sign members out, and land in the audit log?"""
    dev = make_developer()
    org = owner.organization
    member_client = app.test_client()
    member_client.post("/login", data={"email": owner.email, "password": PASSWORD,
                                       "csrf_token": csrf_token(member_client, "/login")})
    assert member_client.get("/dashboard").status_code == 200

    login(dev)
    detail_url = f"/developer/organizations/{org.id}"
    assert post_form(client, f"{detail_url}/tier", {"tier": "enterprise", "reason": "Partner"},
                     form_url=detail_url).status_code == 302
    assert post_form(client, f"{detail_url}/suspend", {"reason": "Chargeback"}, form_url=detail_url).status_code == 302
    db.session.refresh(org)
    assert org.tier.key == "enterprise" and org.suspended_at is not None
    assert member_client.get("/dashboard").status_code == 302  # signed out
    from app.services import accounts

    with pytest.raises(Unauthorized):
        accounts.authenticate(owner.email, PASSWORD)

    assert post_form(client, f"{detail_url}/reactivate", {}, form_url=detail_url).status_code == 302
    db.session.refresh(org)
    assert org.suspended_at is None
    assert _actions(db) == ["change_tier", "suspend", "reactivate"]
    tier_entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "change_tier")).one()
    assert tier_entry.details["before"] == "team" and tier_entry.details["after"] == "enterprise"
    assert "Chargeback" in client.get(detail_url).get_data(as_text=True)


def test_support_developer_is_read_only(client, db, owner, login):
    """Can a support developer look (and view as) but not change tiers, suspend or edit the library?"""
    support = make_developer(email="support@batchtrack.test", role="support")
    org = owner.organization
    with pytest.raises(PermissionDenied):
        developer.change_tier(support, org.id, "free")
    with pytest.raises(PermissionDenied):
        developer.suspend_organization(support, org.id)
    with pytest.raises(PermissionDenied):
        developer.create_global_item(support, name="Mystery Oil", category="oil")
    login(support)
    assert client.get(f"/developer/organizations/{org.id}").status_code == 200
    post_form(client, f"/developer/organizations/{org.id}/suspend", {}, form_url=f"/developer/organizations/{org.id}")
    db.session.refresh(org)
    assert org.suspended_at is None and _actions(db) == []


def test_library_curation_is_audited(client, db, login):
    """Can an admin developer add and edit a global library entry, with both edits audited?"""
    dev = make_developer()
    login(dev)
    response = post_form(client, "/developer/library/new",
                         {"name": "Tamanu Oil Test", "inci": "Calophyllum Inophyllum Seed Oil", "category": "oil",
                          "density": "0.92", "shelf_life_days": "540", "sap_naoh": "0.1370", "sap_koh": "0.1920"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    item = db.session.scalar(select(GlobalItem).where(GlobalItem.name == "Tamanu Oil Test"))
    assert str(item.sap_naoh.normalize()) == "0.137" and item.shelf_life_days == 540
    bad = post_form(client, f"/developer/library/{item.id}/edit",
                    {"name": "Tamanu Oil Test", "category": "oil", "density": "-1"})
    assert bad.status_code == 422
    good = post_form(client, f"/developer/library/{item.id}/edit",
                     {"name": "Tamanu Oil Test", "category": "oil", "density": "0.93", "shelf_life_days": "540",
                      "sap_naoh": "0.1370", "sap_koh": "0.1920", "inci": "Calophyllum Inophyllum Seed Oil"})
    assert good.status_code == 302
    assert _actions(db) == ["library_create", "library_update"]
    db.session.delete(db.session.get(GlobalItem, item.id))  # library rows are reference data kept across tests
    db.session.commit()


def test_developer_cannot_be_assigned_into_an_org_role(db, owner):
    """Do developers hold no organization permissions (authorize refuses their writes everywhere)?"""
    dev = make_developer()
    with pytest.raises(ReadOnly):
        organizations.invite_user(owner.organization, dev, email="x@y.test", role_id=get_system_role("maker").id)
