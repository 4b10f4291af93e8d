"""Who may read an organization's roles, members and seats, and which roles an organization sees."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.models import Role
from app.services import organizations, tenancy
from app.services.errors import NotFound, PermissionDenied
from app.services.reference import get_system_role

from ...factories import make_org, make_user


def test_an_organization_sees_the_system_roles_and_its_own_not_anothers(db, org, owner, other_org, other_owner):
    """Does list_roles show the system roles and this organization's custom roles, never another's?"""
    mine = organizations.create_role(org, owner, name="Packer", permissions=["inventory.view"])
    theirs = organizations.create_role(other_org, other_owner, name="Labeler", permissions=["inventory.view"])
    ids = [role.id for role in organizations.list_roles(org, owner)]
    assert mine.id in ids and theirs.id not in ids
    assert get_system_role("owner").id in ids
    assert ids.index(mine.id) == len(ids) - 1  # system roles first, custom roles after
    assert organizations.get_role(org, owner, get_system_role("maker").id).key == "maker"
    with pytest.raises(NotFound):
        organizations.get_role(org, owner, theirs.id)
    with pytest.raises(NotFound):
        organizations.get_role(org, owner, "99999999999999")  # beyond any id: not found, never an overflow


def test_role_member_and_seat_reads_need_an_actor_of_the_organization(db, org, owner, other_owner):
    """Are the roles, members, seats, member counts and plan permissions refused to another organization's member?"""
    reads = [
        lambda actor: organizations.list_roles(org, actor),
        lambda actor: organizations.list_members(org, actor),
        lambda actor: organizations.seat_usage(org, actor),
        lambda actor: organizations.role_member_counts(org, actor),
        lambda actor: organizations.tier_permission_names(org, actor),
        lambda actor: organizations.get_member(org, actor, owner.id),
    ]
    for read in reads:
        assert read(owner) is not None
        with pytest.raises(NotFound):
            read(other_owner)
        with pytest.raises(PermissionDenied):
            read(None)


def test_get_member_hides_another_organizations_user(db, org, owner, other_owner):
    """Is another organization's user a 404 through get_member?"""
    with pytest.raises(NotFound):
        organizations.get_member(org, owner, other_owner.id)


def test_scoped_with_global_reads_global_rows_and_the_organizations_own(db, org, owner, other_org, other_owner):
    """Does the one scoped read of roles return the system roles plus this organization's, not another's?"""
    organizations.create_role(org, owner, name="Mine", permissions=["inventory.view"])
    organizations.create_role(other_org, other_owner, name="Theirs", permissions=["inventory.view"])
    names = set(db.session.scalars(tenancy.scoped_with_global(Role, org, Role.name)))
    assert "Mine" in names and "Theirs" not in names and "Owner" in names


@pytest.mark.parametrize("column", ["key", "name"])
def test_a_system_role_key_and_name_are_unique(db, column):
    """Does the database refuse a second system role (no organization) with the same key or name?"""
    maker = get_system_role("maker")
    values = {"key": "maker-copy", "name": "Maker copy", column: getattr(maker, column)}
    db.session.add(Role(organization_id=None, is_system=True, **values))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_two_organizations_may_name_a_custom_role_alike(db):
    """Are the unique indexes only for system roles: may two organizations each have a role 'Packer'?"""
    first, second = make_org(tier="team"), make_org(tier="team")
    for org in (first, second):
        boss = make_user(org, role="owner")
        assert organizations.create_role(org, boss, name="Packer", permissions=["inventory.view"]).key == "custom-packer"
