"""Invitations: invite by email, resend or withdraw a link, join the organization from it."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from ...extensions import bcrypt, db
from ...models import OneTimeToken, User
from ...models.types import utcnow
from .. import accounts
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState, ValidationFailed
from .members import (
    INVITE_PURPOSE,
    UserLimitReached,
    check_seat,
    member,
    pending_invite_user_ids,
)
from .roles import _role, check_assignable


def _new_invite_token(user: User) -> str:
    for token in db.session.scalars(select(OneTimeToken).where(
            OneTimeToken.user_id == user.id, OneTimeToken.purpose == INVITE_PURPOSE, OneTimeToken.used_at.is_(None))):
        token.used_at = utcnow()
    ttl = current_app.config.get("INVITE_TTL") or timedelta(days=7)
    return accounts.create_one_time_token(user, INVITE_PURPOSE, ttl)


@unit_of_work
def invite_user(org, actor, *, email: str, role_id, name: str = "") -> tuple[User, str]:
    """Invite someone by email; returns the placeholder user and the raw single-use link token."""
    authorize(actor, org, "organization.manage_users")
    email = accounts.normalize_email(email)
    name = accounts.check_name(name, "name", "a name", required=False)
    role = _role(org, role_id)
    check_assignable(org, actor, role)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        if existing.organization_id == org.id and existing.password_hash is None and not existing.active:
            if existing.id not in pending_invite_user_ids(org):
                check_seat(org)
            existing.role = role
            existing.name = name or existing.name
            return existing, _new_invite_token(existing)
        if existing.organization_id == org.id:
            raise ValidationFailed(f"{email} is already a member of {org.name}.", fields={"email": "Already a member."})
        raise ValidationFailed(f"{email} already has a BatchTrack account with another organization.",
                               fields={"email": "Already has an account."})
    check_seat(org)
    user = User(organization=org, email=email, name=name, role=role, password_hash=None, active=False,
                timezone=org.timezone)
    db.session.add(user)
    db.session.flush()
    return user, _new_invite_token(user)


@unit_of_work
def resend_invite(org, actor, user_id) -> tuple[User, str]:
    """A fresh invitation link for someone who has not joined yet (the old link stops working)."""
    authorize(actor, org, "organization.manage_users")
    user = member(org, user_id)
    if user.active or user.password_hash is not None:
        raise InvalidState(f"{user.email} has already joined.")
    if user.id not in pending_invite_user_ids(org):
        check_seat(org)
    return user, _new_invite_token(user)


@unit_of_work
def cancel_invite(org, actor, user_id) -> None:
    """Withdraw an invitation that was not accepted yet (frees the seat)."""
    authorize(actor, org, "organization.manage_users")
    user = member(org, user_id)
    if user.active or user.password_hash is not None:
        raise InvalidState(f"{user.email} has already joined; deactivate them instead.")
    db.session.delete(user)


def find_invite(raw_token: str) -> User | None:
    """The invited user a still-valid invitation link belongs to, or None (nothing is consumed)."""
    return accounts.find_token_user(raw_token, INVITE_PURPOSE)


@unit_of_work
def accept_invite(raw_token: str, *, name: str, password: str) -> User:
    """Join the organization from an invitation link: set name and password; the link works once."""
    token = accounts.usable_token(raw_token, INVITE_PURPOSE)
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
