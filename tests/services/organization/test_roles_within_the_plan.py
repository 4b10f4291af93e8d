"""Roles, tier ceilings and write gating through authorize()."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.seeds import catalog
from app.services.authz import authorize, effective_permissions, has_permission
from app.services.errors import NotFound, PermissionDenied, ReadOnly

from ...factories import make_developer, make_org, make_user


def test_permission_catalog_covers_every_domain_of_the_spec(db):
    """Does the seeded catalog name permissions for every domain SPEC.md lists?"""
    domains = {name.split(".")[0] for name in catalog.ALL}
    assert {"inventory", "units", "suppliers", "recipes", "batches", "products", "sales", "reservations",
            "traceability", "reports", "organization", "billing", "api", "library"} <= domains
    assert {"inventory.adjust", "batches.start", "recipes.edit", "products.sell",
            "organization.manage_users", "billing.manage"} <= set(catalog.ALL)


def test_viewer_is_denied_a_write(viewer, org):
    """Does a viewer get PermissionDenied on a write permission but pass a read?"""
    authorize(viewer, org, "inventory.view")
    with pytest.raises(PermissionDenied):
        authorize(viewer, org, "inventory.adjust")


def test_tier_ceiling_removes_a_permission(db):
    """Does an owner on the Free tier lack what the tier excludes (custom roles), unlike on Team?"""
    free_org = make_org(tier="free")
    team_org = make_org(tier="team")
    free_owner = make_user(free_org, role="owner")
    team_owner = make_user(team_org, role="owner")
    assert "organization.manage_roles" not in effective_permissions(free_owner)
    assert "organization.manage_roles" in effective_permissions(team_owner)
    with pytest.raises(PermissionDenied):
        authorize(free_owner, free_org, "organization.manage_roles")


def test_enterprise_allows_every_permission(db):
    org = make_org(tier="enterprise")
    owner = make_user(org, role="owner")
    assert effective_permissions(owner) == frozenset(catalog.ALL)


def test_another_organizations_member_is_not_found(owner, other_org):
    """Is acting on another organization a NotFound, never a confirmation it exists?"""
    with pytest.raises(NotFound):
        authorize(owner, other_org, "inventory.view")


def test_read_only_after_grace_blocks_writes_not_reads(owner, org, db):
    """Past the billing grace deadline, are writes ReadOnly (402) while reads still work?"""
    org.billing_status = "past_due"
    org.grace_until = datetime.now(timezone.utc) + timedelta(days=1)
    db.session.commit()
    authorize(owner, org, "inventory.adjust")  # still inside grace
    org.grace_until = datetime.now(timezone.utc) - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(ReadOnly) as error:
        authorize(owner, org, "inventory.adjust")
    assert error.value.status == 402 and error.value.code == "read_only"
    authorize(owner, org, "inventory.view")


def test_suspended_organization_cannot_write(owner, org, db):
    org.suspended_at = datetime.now(timezone.utc)
    db.session.commit()
    with pytest.raises(ReadOnly):
        authorize(owner, org, "recipes.edit")


def test_developer_reads_but_never_writes(org, db):
    """Can a developer read any organization but not write (view-as is read-only)?"""
    developer = make_developer()
    authorize(developer, org, "inventory.view")
    with pytest.raises(ReadOnly):
        authorize(developer, org, "inventory.adjust")
    assert has_permission(developer, "inventory.view") and not has_permission(developer, "inventory.adjust")


def test_inactive_actor_is_denied(owner, org, db):
    owner.active = False
    db.session.commit()
    with pytest.raises(PermissionDenied):
        authorize(owner, org, "inventory.view")
