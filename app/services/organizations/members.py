"""Members: who is in the organization, the plan's user limit (seats), role changes, deactivation."""
from __future__ import annotations

from sqlalchemy import func, select

from ...extensions import db
from ...models import OneTimeToken, Role, User
from ...models.types import utcnow
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from ..tenancy import parse_id
from .roles import _role, check_assignable

INVITE_PURPOSE = "invite"


class UserLimitReached(ValidationFailed):
    """The tier's user limit (active users + pending invitations) is used up."""

    code = "user_limit_reached"


# ---- reads ---------------------------------------------------------------------------------------

def seat_usage(org, actor) -> dict:
    """Active users, pending (unexpired, unused) invitations and the tier's limit (None = unlimited)."""
    authorize(actor, org, "organization.view")
    return _seat_usage(org)


def _seat_usage(org) -> dict:
    active = db.session.scalar(
        select(func.count(User.id)).where(User.organization_id == org.id, User.active.is_(True))
    )
    pending = len(pending_invite_user_ids(org))
    limit = org.tier.user_limit
    return {"active": active, "pending": pending, "limit": limit,
            "available": None if limit is None else max(limit - active - pending, 0)}


def pending_invite_user_ids(org) -> set[int]:
    """Ids of the invited people whose link is still usable (they hold a seat)."""
    stmt = (
        select(OneTimeToken.user_id)
        .join(User, User.id == OneTimeToken.user_id)
        .where(User.organization_id == org.id, User.active.is_(False),
               OneTimeToken.purpose == INVITE_PURPOSE, OneTimeToken.used_at.is_(None),
               OneTimeToken.expires_at > utcnow())
        .distinct()
    )
    return set(db.session.scalars(stmt))


def list_members(org, actor) -> list[dict]:
    """Everyone in the organization with a status: active, invited, invite_expired or deactivated."""
    authorize(actor, org, "organization.view")
    users = list(db.session.scalars(
        select(User).where(User.organization_id == org.id).order_by(User.active.desc(), func.lower(User.email))
    ))
    pending = pending_invite_user_ids(org)
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


def get_member(org, actor, user_id) -> User:
    """A member (or invited person) of the organization; anyone else is NotFound."""
    authorize(actor, org, "organization.view")
    return member(org, user_id)


def member(org, user_id) -> User:
    """The organization's user with this id, without an authorization check (for sibling services)."""
    user_id = parse_id(user_id)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or user.organization_id != org.id:
        raise NotFound("User not found.")
    return user


def check_seat(org, extra: int = 1) -> None:
    """UserLimitReached unless `extra` more people fit within the plan's user limit."""
    usage = _seat_usage(org)
    if usage["limit"] is not None and usage["active"] + usage["pending"] + extra > usage["limit"]:
        people = "user" if usage["limit"] == 1 else "users"
        raise UserLimitReached(
            f"Your {org.tier.name} plan allows {usage['limit']} {people} ({usage['active']} active, "
            f"{usage['pending']} invited). Upgrade your plan to add more people.",
            fields={"email": "The plan's user limit is reached."})


# ---- changes -------------------------------------------------------------------------------------

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
    user = member(org, user_id)
    role = _role(org, role_id)
    if user.role_id == role.id:
        return user
    _guard_target(org, actor, user, "change the role of")
    check_assignable(org, actor, role)
    user.role = role
    return user


@unit_of_work
def deactivate_user(org, actor, user_id) -> User:
    """Deactivate a member: their sessions end at once and their API tokens stop working."""
    authorize(actor, org, "organization.manage_users")
    user = member(org, user_id)
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
    user = member(org, user_id)
    if user.active:
        raise InvalidState(f"{user.email} is already active.")
    if user.password_hash is None:
        raise InvalidState(f"{user.email} has not accepted the invitation yet; resend it instead.")
    if user.role is not None and user.role.is_owner and not (actor.role is not None and actor.role.is_owner):
        raise PermissionDenied("Only an owner can reactivate an owner.")
    check_seat(org)
    user.active = True
    return user
