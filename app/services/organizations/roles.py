"""Roles: the system roles and the organization's custom roles, the plan's permission ceiling, who may
assign which role."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from ...extensions import db
from ...models import Permission, Role, User
from ...seeds.catalog import PERMISSIONS
from .. import accounts
from ..authz import authorize, effective_permissions, invalidate_permissions
from ..base import unit_of_work
from ..errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from ..features import feature_enabled
from ..tenancy import parse_id, scoped_with_global

PERMISSION_DESCRIPTIONS = dict(PERMISSIONS)


# ---- reads ---------------------------------------------------------------------------------------

def list_roles(org, actor) -> list[Role]:
    """System roles, then this organization's custom roles."""
    authorize(actor, org, "organization.view")
    return list(db.session.scalars(
        scoped_with_global(Role, org).order_by(Role.organization_id.is_not(None), Role.id)))


def get_role(org, actor, role_id) -> Role:
    """A role the organization may use: a system role or one of its own custom roles."""
    authorize(actor, org, "organization.view")
    return _role(org, role_id)


def _role(org, role_id) -> Role:
    role_id = parse_id(role_id)
    role = db.session.scalar(scoped_with_global(Role, org).where(Role.id == role_id)) if role_id else None
    if role is None:
        raise NotFound("Role not found.")
    return role


def tier_permission_names(org, actor) -> list[str]:
    """The permissions the organization's tier allows, in catalog order (the matrix rows)."""
    authorize(actor, org, "organization.view")
    return _tier_permission_names(org)


def _tier_permission_names(org) -> list[str]:
    allowed = {p.name for p in org.tier.permissions}
    return [name for name, _ in PERMISSIONS if name in allowed]


def custom_roles_available(org) -> bool:
    """Does the plan include custom roles (permission ceiling and feature flag)?"""
    return "organization.manage_roles" in {p.name for p in org.tier.permissions} and feature_enabled(
        org, "custom_roles")


def role_member_counts(org, actor) -> dict[int, int]:
    """Active members per role id."""
    authorize(actor, org, "organization.view")
    stmt = (select(User.role_id, func.count(User.id))
            .where(User.organization_id == org.id, User.active.is_(True)).group_by(User.role_id))
    return {role_id: count for role_id, count in db.session.execute(stmt)}


def check_assignable(org, actor, role: Role) -> None:
    """Only an owner makes owners; others give only roles within their own permissions."""
    if role.is_owner and not (actor.role is not None and actor.role.is_owner):
        raise PermissionDenied("Only an owner can make someone an owner.")
    if not role.is_owner and not (actor.role is not None and actor.role.is_owner):
        granted = {p.name for p in role.permissions} & set(_tier_permission_names(org))
        missing = granted - effective_permissions(actor)
        if missing:
            raise PermissionDenied("You cannot give a role with permissions you do not have yourself: "
                                   + ", ".join(sorted(missing)) + ".")


# ---- custom roles --------------------------------------------------------------------------------

def _check_permissions_within_tier(org, actor, names) -> list[Permission]:
    names = sorted({str(n) for n in names or []})
    known = {p.name: p for p in db.session.scalars(select(Permission).where(Permission.name.in_(names)))}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationFailed("Unknown permission(s): " + ", ".join(unknown) + ".",
                               fields={"permissions": "Unknown permission."})
    ceiling = set(_tier_permission_names(org))
    outside = [n for n in names if n not in ceiling]
    if outside:
        raise ValidationFailed(
            f"The {org.tier.name} plan does not include: " + ", ".join(outside) + ". Upgrade to grant them.",
            fields={"permissions": "Outside the plan."})
    if not (actor.role is not None and actor.role.is_owner):
        beyond = [n for n in names if n not in effective_permissions(actor)]
        if beyond:
            raise PermissionDenied("You cannot grant permissions you do not have yourself: " + ", ".join(beyond) + ".")
    return [known[n] for n in names]


def _check_role_name(org, name: str, exclude_id: int | None = None) -> str:
    name = accounts.check_name(name, "name", "a role name", max_length=80)
    clash = db.session.scalar(scoped_with_global(Role, org).where(
        func.lower(Role.name) == name.lower(), Role.id != (exclude_id or 0)))
    if clash is not None:
        raise ValidationFailed(f"A role named {clash.name!r} already exists.", fields={"name": "Already taken."})
    return name


def _role_key(org, name: str) -> str:
    base = "custom-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "role")[:40]
    key, n = base, 2
    while db.session.scalar(select(Role.id).where(Role.organization_id == org.id, Role.key == key)) is not None:
        key, n = f"{base}-{n}", n + 1
    return key


def _require_custom_roles(org) -> None:
    if not custom_roles_available(org):
        raise PermissionDenied(f"Custom roles are not part of the {org.tier.name} plan. Upgrade to Team to use them.")


@unit_of_work
def create_role(org, actor, *, name: str, description: str = "", permissions=()) -> Role:
    """A custom role; its permissions must lie within the plan (and within the creator's own)."""
    authorize(actor, org, "organization.manage_roles")
    _require_custom_roles(org)
    name = _check_role_name(org, name)
    description = accounts.check_name(description, "description", "a description", required=False, max_length=255)
    role = Role(organization_id=org.id, key=_role_key(org, name), name=name, description=description,
                is_system=False, is_owner=False, permissions=_check_permissions_within_tier(org, actor, permissions))
    db.session.add(role)
    db.session.flush()
    invalidate_permissions(roles=[role.id])  # SQLite may reuse a deleted role's id
    return role


def _custom_role(org, role_id) -> Role:
    role = _role(org, role_id)
    if role.organization_id is None:
        raise InvalidState("System roles cannot be changed; create a custom role instead.")
    return role


@unit_of_work
def update_role(org, actor, role_id, *, name: str, description: str = "", permissions=()) -> Role:
    """Rename a custom role or change its permissions (within the plan)."""
    authorize(actor, org, "organization.manage_roles")
    _require_custom_roles(org)
    role = _custom_role(org, role_id)
    role.name = _check_role_name(org, name, exclude_id=role.id)
    role.description = accounts.check_name(description, "description", "a description", required=False,
                                           max_length=255)
    role.permissions = _check_permissions_within_tier(org, actor, permissions)
    invalidate_permissions(roles=[role.id])
    return role


@unit_of_work
def delete_role(org, actor, role_id) -> None:
    """Delete a custom role nobody holds."""
    authorize(actor, org, "organization.manage_roles")
    role = _custom_role(org, role_id)
    holders = db.session.scalar(select(func.count(User.id)).where(User.role_id == role.id))
    if holders:
        raise InvalidState(f"{holders} member(s) still have the role {role.name!r}; give them another role first.")
    db.session.delete(role)
    invalidate_permissions(roles=[role.id])
