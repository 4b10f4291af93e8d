"""Organization administration: members, invitations, roles and the permission matrix, settings."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from ..extensions import bcrypt, db
from ..models import OneTimeToken, Permission, Role, User
from ..seeds.catalog import PERMISSIONS
from . import accounts
from .authz import authorize, effective_permissions, invalidate_permissions
from .base import unit_of_work
from .errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from .features import feature_enabled

CURRENCIES = [("USD", "US dollar"), ("EUR", "Euro"), ("GBP", "Pound sterling"), ("CAD", "Canadian dollar"),
              ("AUD", "Australian dollar"), ("NZD", "New Zealand dollar"), ("CHF", "Swiss franc"),
              ("SEK", "Swedish krona"), ("NOK", "Norwegian krone"), ("DKK", "Danish krone"),
              ("JPY", "Japanese yen"), ("MXN", "Mexican peso")]
CONSUMPTION_ORDERS = [("fifo", "First in, first out (oldest received first)"),
                      ("fefo", "First expired, first out (soonest expiry first)")]
INVITE_PURPOSE = "invite"
PERMISSION_DESCRIPTIONS = dict(PERMISSIONS)


class UserLimitReached(ValidationFailed):
    """The tier's user limit (active users + pending invitations) is used up."""

    code = "user_limit_reached"


# ---- reads ---------------------------------------------------------------------------------------

def seat_usage(org) -> dict:
    """Active users, pending (unexpired, unused) invitations and the tier's limit (None = unlimited)."""
    active = db.session.scalar(
        select(func.count(User.id)).where(User.organization_id == org.id, User.active.is_(True))
    )
    pending = len(_pending_invite_user_ids(org))
    limit = org.tier.user_limit
    return {"active": active, "pending": pending, "limit": limit,
            "available": None if limit is None else max(limit - active - pending, 0)}


def _pending_invite_user_ids(org) -> set[int]:
    stmt = (
        select(OneTimeToken.user_id)
        .join(User, User.id == OneTimeToken.user_id)
        .where(User.organization_id == org.id, User.active.is_(False),
               OneTimeToken.purpose == INVITE_PURPOSE, OneTimeToken.used_at.is_(None),
               OneTimeToken.expires_at > accounts.utcnow())
        .distinct()
    )
    return set(db.session.scalars(stmt))


def list_members(org, actor) -> list[dict]:
    """Everyone in the organization with a status: active, invited, invite_expired or deactivated."""
    authorize(actor, org, "organization.view")
    users = list(db.session.scalars(
        select(User).where(User.organization_id == org.id).order_by(User.active.desc(), func.lower(User.email))
    ))
    pending = _pending_invite_user_ids(org)
    rows = []
    for user in users:
        if user.active:
            status = "active"
        elif user.password_hash is None:
            status = "invited" if user.id in pending else "invite_expired"
        else:
            status = "deactivated"
        rows.append({"user": user, "status": status})
    return rows


def list_roles(org, actor=None) -> list[Role]:
    """System roles, then this organization's custom roles."""
    if actor is not None:
        authorize(actor, org, "organization.view")
    return list(db.session.scalars(
        select(Role).where(or_(Role.organization_id.is_(None), Role.organization_id == org.id))
        .order_by(Role.organization_id.is_not(None), Role.id)
    ))


def tier_permission_names(org) -> list[str]:
    """The permissions the organization's tier allows, in catalog order (the matrix rows)."""
    allowed = {p.name for p in org.tier.permissions}
    return [name for name, _ in PERMISSIONS if name in allowed]


def custom_roles_available(org) -> bool:
    """Does the plan include custom roles (permission ceiling and feature flag)?"""
    return "organization.manage_roles" in {p.name for p in org.tier.permissions} and feature_enabled(
        org, "custom_roles")


def role_member_counts(org) -> dict[int, int]:
    stmt = (select(User.role_id, func.count(User.id))
            .where(User.organization_id == org.id, User.active.is_(True)).group_by(User.role_id))
    return {role_id: count for role_id, count in db.session.execute(stmt)}


def get_role(org, role_id) -> Role:
    """A role the organization may use: a system role or one of its own custom roles."""
    try:
        role_id = int(role_id)
    except (TypeError, ValueError):
        raise NotFound("Role not found.") from None
    role = db.session.get(Role, role_id)
    if role is None or role.organization_id not in (None, org.id):
        raise NotFound("Role not found.")
    return role


def get_member(org, user_id) -> User:
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise NotFound("User not found.") from None
    user = db.session.get(User, user_id)
    if user is None or user.organization_id != org.id:
        raise NotFound("User not found.")
    return user


# ---- invitations ---------------------------------------------------------------------------------

def _check_seat(org, extra: int = 1) -> None:
    usage = seat_usage(org)
    if usage["limit"] is not None and usage["active"] + usage["pending"] + extra > usage["limit"]:
        people = "user" if usage["limit"] == 1 else "users"
        raise UserLimitReached(
            f"Your {org.tier.name} plan allows {usage['limit']} {people} ({usage['active']} active, "
            f"{usage['pending']} invited). Upgrade your plan to add more people.",
            fields={"email": "The plan's user limit is reached."})


def _check_assignable(org, actor, role: Role) -> None:
    if role.is_owner and not (actor.role is not None and actor.role.is_owner):
        raise PermissionDenied("Only an owner can make someone an owner.")
    if not role.is_owner and not (actor.role is not None and actor.role.is_owner):
        granted = {p.name for p in role.permissions} & set(tier_permission_names(org))
        missing = granted - effective_permissions(actor)
        if missing:
            raise PermissionDenied("You cannot give a role with permissions you do not have yourself: "
                                   + ", ".join(sorted(missing)) + ".")


def _new_invite_token(user: User) -> str:
    for token in db.session.scalars(select(OneTimeToken).where(
            OneTimeToken.user_id == user.id, OneTimeToken.purpose == INVITE_PURPOSE, OneTimeToken.used_at.is_(None))):
        token.used_at = accounts.utcnow()
    ttl = current_app.config.get("INVITE_TTL") or timedelta(days=7)
    return accounts.create_one_time_token(user, INVITE_PURPOSE, ttl)


@unit_of_work
def invite_user(org, actor, *, email: str, role_id, name: str = "") -> tuple[User, str]:
    """Invite someone by email; returns the placeholder user and the raw single-use link token."""
    authorize(actor, org, "organization.manage_users")
    email = accounts.normalize_email(email)
    name = accounts.check_name(name, "name", "a name", required=False)
    role = get_role(org, role_id)
    _check_assignable(org, actor, role)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        if existing.organization_id == org.id and existing.password_hash is None and not existing.active:
            if existing.id not in _pending_invite_user_ids(org):
                _check_seat(org)
            existing.role = role
            existing.name = name or existing.name
            return existing, _new_invite_token(existing)
        if existing.organization_id == org.id:
            raise ValidationFailed(f"{email} is already a member of {org.name}.", fields={"email": "Already a member."})
        raise ValidationFailed(f"{email} already has a BatchTrack account with another organization.",
                               fields={"email": "Already has an account."})
    _check_seat(org)
    user = User(organization=org, email=email, name=name, role=role, password_hash=None, active=False,
                timezone=org.timezone)
    db.session.add(user)
    db.session.flush()
    return user, _new_invite_token(user)


@unit_of_work
def resend_invite(org, actor, user_id) -> tuple[User, str]:
    """A fresh invitation link for someone who has not joined yet (the old link stops working)."""
    authorize(actor, org, "organization.manage_users")
    user = get_member(org, user_id)
    if user.active or user.password_hash is not None:
        raise InvalidState(f"{user.email} has already joined.")
    if user.id not in _pending_invite_user_ids(org):
        _check_seat(org)
    return user, _new_invite_token(user)


@unit_of_work
def cancel_invite(org, actor, user_id) -> None:
    """Withdraw an invitation that was not accepted yet (frees the seat)."""
    authorize(actor, org, "organization.manage_users")
    user = get_member(org, user_id)
    if user.active or user.password_hash is not None:
        raise InvalidState(f"{user.email} has already joined; deactivate them instead.")
    db.session.delete(user)


def check_invite(raw_token: str) -> User:
    """The invited user a still-valid invitation link belongs to (nothing is consumed)."""
    return accounts.check_one_time_token(raw_token, INVITE_PURPOSE)


@unit_of_work
def accept_invite(raw_token: str, *, name: str, password: str) -> User:
    """Join the organization from an invitation link: set name and password; the link works once."""
    token = accounts._usable_token(raw_token, INVITE_PURPOSE)
    user = token.user
    org = user.organization
    if org is None or org.suspended_at is not None:
        raise InvalidState("This organization is not available. Contact its owner.")
    name = accounts.check_name(name, "name", "your name")
    password = accounts.check_password_rules(password)
    limit = org.tier.user_limit
    if limit is not None:
        active = db.session.scalar(
            select(func.count(User.id)).where(User.organization_id == org.id, User.active.is_(True)))
        if active + 1 > limit:
            raise UserLimitReached(f"{org.name} has reached its plan's user limit. Ask its owner to upgrade.")
    accounts.claim_one_time_token(token)  # works once, even when submitted twice at the same moment
    user.name = name
    user.password_hash = bcrypt.generate_password_hash(password).decode()
    user.active = True
    user.session_version += 1
    return user


# ---- members -------------------------------------------------------------------------------------

def _other_active_owners(org, user: User) -> int:
    return db.session.scalar(
        select(func.count(User.id)).join(Role, Role.id == User.role_id)
        .where(User.organization_id == org.id, User.active.is_(True), Role.is_owner.is_(True), User.id != user.id)
    )


def _guard_target(org, actor, user: User, action: str) -> None:
    if user.id == actor.id:
        raise InvalidState(f"You cannot {action} yourself. Ask another owner or manager.")
    if user.role is not None and user.role.is_owner:
        if not (actor.role is not None and actor.role.is_owner):
            raise PermissionDenied(f"Only an owner can {action} an owner.")
        if _other_active_owners(org, user) == 0:
            raise InvalidState(f"{user.display_name} is the last owner; make someone else an owner first.")


@unit_of_work
def change_user_role(org, actor, user_id, role_id) -> User:
    """Give a member another role (system or custom); the last owner keeps the owner role."""
    authorize(actor, org, "organization.manage_users")
    user = get_member(org, user_id)
    role = get_role(org, role_id)
    if user.role_id == role.id:
        return user
    _guard_target(org, actor, user, "change the role of")
    _check_assignable(org, actor, role)
    user.role = role
    return user


@unit_of_work
def deactivate_user(org, actor, user_id) -> User:
    """Deactivate a member: their sessions end at once and their API tokens stop working."""
    authorize(actor, org, "organization.manage_users")
    user = get_member(org, user_id)
    if not user.active:
        raise InvalidState(f"{user.email} is not active.")
    _guard_target(org, actor, user, "deactivate")
    user.active = False
    user.session_version += 1
    return user


@unit_of_work
def reactivate_user(org, actor, user_id) -> User:
    """Let a deactivated member sign in again (counts toward the plan's user limit)."""
    authorize(actor, org, "organization.manage_users")
    user = get_member(org, user_id)
    if user.active:
        raise InvalidState(f"{user.email} is already active.")
    if user.password_hash is None:
        raise InvalidState(f"{user.email} has not accepted the invitation yet; resend it instead.")
    if user.role is not None and user.role.is_owner and not (actor.role is not None and actor.role.is_owner):
        raise PermissionDenied("Only an owner can reactivate an owner.")
    _check_seat(org)
    user.active = True
    return user


# ---- custom roles --------------------------------------------------------------------------------

def _check_permissions_within_tier(org, actor, names) -> list[Permission]:
    names = sorted({str(n) for n in names or []})
    known = {p.name: p for p in db.session.scalars(select(Permission).where(Permission.name.in_(names)))}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationFailed("Unknown permission(s): " + ", ".join(unknown) + ".",
                               fields={"permissions": "Unknown permission."})
    ceiling = set(tier_permission_names(org))
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
    clash = db.session.scalar(select(Role).where(
        or_(Role.organization_id.is_(None), Role.organization_id == org.id),
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
    role = get_role(org, role_id)
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


# ---- settings ------------------------------------------------------------------------------------

@unit_of_work
def update_settings(org, actor, *, name: str, timezone_name: str, expiring_soon_days, consumption_order: str,
                    currency: str):
    """Organization name, display time zone, expiring-soon window, lot consumption order, currency."""
    authorize(actor, org, "organization.settings")
    name = accounts.check_name(name, "name", "an organization name")
    tz = accounts.check_timezone(timezone_name)
    try:
        days = int(str(expiring_soon_days).strip())
    except (TypeError, ValueError):
        days = None
    if days is None or not 1 <= days <= 365:
        raise ValidationFailed("The expiring-soon window is a whole number of days from 1 to 365.",
                               fields={"expiring_soon_days": "A whole number from 1 to 365."})
    if consumption_order not in dict(CONSUMPTION_ORDERS):
        raise ValidationFailed("Choose FIFO or FEFO.", fields={"consumption_order": "Choose fifo or fefo."})
    currency = (currency or "").strip().upper()
    if currency not in dict(CURRENCIES):
        raise ValidationFailed(f"Unsupported currency {currency!r}.", fields={"currency": "Choose from the list."})
    org.name, org.timezone, org.expiring_soon_days = name, tz, days
    org.consumption_order, org.currency = consumption_order, currency
    return org


def organization_summary(org, actor) -> dict:
    """The API's view of the organization: plan, billing state and seats."""
    from .billing import effective_billing_status

    authorize(actor, org, "organization.view")
    usage = seat_usage(org)
    return {"id": org.id, "name": org.name, "tier": org.tier.key, "billing_status": effective_billing_status(org),
            "grace_until": org.grace_until, "user_count": usage["active"], "user_limit": org.tier.user_limit}
