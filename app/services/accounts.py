"""Accounts: signup, login, password reset, profile, API tokens, developers, CLI-created organizations."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

import email_validator
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import bcrypt, db
from ..models import ApiToken, OneTimeToken, Organization, Role, SubscriptionTier, User
from ..models.types import utcnow
from .base import unit_of_work
from .errors import NotFound, Unauthorized, ValidationFailed
from .reference import get_system_role, get_tier

# Self-hosted shops and test rigs use addresses at .test / .local / localhost; deliverability is
# never checked, so accept them (email-validator documents editing this list).
email_validator.SPECIAL_USE_DOMAIN_NAMES = [
    name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name not in ("test", "local", "localhost", "example")
]

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_BYTES = 72  # bcrypt's limit
_dummy_hash: str | None = None


def _timing_dummy_hash() -> str:
    """A real hash of a random string, so an unknown email costs as much as a wrong password."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = bcrypt.generate_password_hash(secrets.token_hex(16)).decode()
    return _dummy_hash


def hash_token(raw: str) -> str:
    """The SHA-256 hex digest stored in place of a raw token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def normalize_email(email: str | None, field: str = "email") -> str:
    """A syntactically valid, lower-cased email address, or ValidationFailed."""
    email = (email or "").strip()
    if not email:
        raise ValidationFailed("Enter an email address.", fields={field: "Enter an email address."})
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(f"That email address is not valid: {exc}", fields={field: str(exc)}) from None
    return result.normalized.lower()


def check_password_rules(password: str | None, field: str = "password") -> str:
    """The password if its length is within the rules (8 characters to 72 bytes), else ValidationFailed."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        message = f"Use at least {MIN_PASSWORD_LENGTH} characters for the password."
        raise ValidationFailed(message, fields={field: message})
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        message = f"Use at most {MAX_PASSWORD_BYTES} bytes for the password."
        raise ValidationFailed(message, fields={field: message})
    return password


def check_timezone(name: str | None, field: str = "timezone") -> str:
    """A known IANA time zone name (blank is UTC), else ValidationFailed."""
    name = (name or "UTC").strip()
    if name not in available_timezones() and name != "UTC":
        raise ValidationFailed(f"Unknown time zone {name!r}.", fields={field: "Choose a time zone from the list."})
    ZoneInfo(name)
    return name


def check_name(value: str | None, field: str, label: str, *, required: bool = True, max_length: int = 120) -> str:
    """The stripped value, present when required and at most `max_length` characters, else ValidationFailed."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"Enter {label}.", fields={field: f"Enter {label}."})
    if len(value) > max_length:
        raise ValidationFailed(f"{label.capitalize()} is too long (at most {max_length} characters).",
                               fields={field: f"At most {max_length} characters."})
    return value


def email_taken(email: str) -> bool:
    """Does any user (of any organization, or a developer) have this email?"""
    return db.session.scalar(select(func.count(User.id)).where(User.email == email)) > 0


def _new_owner(org: Organization, email: str, password: str, name: str = "") -> User:
    owner_role = get_system_role("owner")
    if owner_role is None:
        raise ValidationFailed("Reference data is missing: run `flask init-production` first.")
    user = User(organization=org, email=email, name=name, role=owner_role,
                password_hash=bcrypt.generate_password_hash(password).decode(), timezone=org.timezone)
    db.session.add(user)
    return user


@unit_of_work
def signup(*, organization_name: str, email: str, password: str, name: str = "", timezone_name: str = "UTC") -> User:
    """Create an organization on the Free tier with its owner."""
    organization_name = check_name(organization_name, "organization_name", "the workshop or business name")
    name = check_name(name, "name", "your name", required=False)
    email = normalize_email(email)
    password = check_password_rules(password)
    tz = check_timezone(timezone_name)
    if email_taken(email):
        raise ValidationFailed("An account with this email already exists. Sign in or reset the password.",
                               fields={"email": "Already registered."})
    tier = get_tier("free")
    if tier is None:
        raise ValidationFailed("Reference data is missing: run `flask init-production` first.")
    org = Organization(name=organization_name, tier=tier, timezone=tz, billing_status="free")
    db.session.add(org)
    user = _new_owner(org, email, password, name)
    _add_default_location(org)
    return user


@unit_of_work
def create_organization(*, name: str, owner_email: str, password: str, tier_key: str = "free",
                        owner_name: str = "") -> Organization:
    """Operator path (CLI): an organization with its owner on any tier; all or nothing."""
    name = check_name(name, "name", "an organization name")
    email = normalize_email(owner_email, "owner_email")
    password = check_password_rules(password)
    tier = get_tier(tier_key)
    if tier is None:
        raise ValidationFailed(f"Unknown tier {tier_key!r}.", fields={"tier": "Unknown tier."})
    if email_taken(email):
        raise ValidationFailed(f"A user with email {email} already exists.", fields={"owner_email": "Taken."})
    # A paid tier created by an operator has no Stripe subscription: it is simply active.
    org = Organization(name=name, tier=tier, billing_status="active" if tier.is_paid else "free")
    db.session.add(org)
    _new_owner(org, email, password, owner_name)
    db.session.flush()
    _add_default_location(org)
    return org


def _add_default_location(org: Organization) -> None:
    """Every organization has a default location ("Workshop") from the start (services.inventory.locations)."""
    from .inventory.locations import add_default_location

    add_default_location(org)


def authenticate(email: str | None, password: str | None) -> User:
    """The active user with this email and password, or Unauthorized (same answer for every cause)."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    candidate_hash = user.password_hash if user is not None and user.password_hash else _timing_dummy_hash()
    try:
        ok = bcrypt.check_password_hash(candidate_hash, password or "")
    except ValueError:
        ok = False
    if user is None or not ok or not user.active:
        raise Unauthorized("Wrong email or password.")
    if user.organization is not None and user.organization.suspended_at is not None:
        raise Unauthorized("This organization is suspended. Contact support.")
    return user


@unit_of_work
def record_login(user: User) -> None:
    """Remember when the user last signed in."""
    user.last_login_at = utcnow()
    if user.organization is not None:
        user.organization.last_activity_at = user.last_login_at


@unit_of_work
def create_one_time_token(user: User, purpose: str, ttl: timedelta) -> str:
    """A new single-use token for `user`; returns the raw token (only its hash is stored)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(OneTimeToken(user=user, purpose=purpose, token_hash=hash_token(raw), expires_at=utcnow() + ttl))
    return raw


def request_password_reset(email: str, ttl: timedelta) -> tuple[User, str] | None:
    """For a known active user, a fresh reset token; None otherwise (the caller answers the same)."""
    email = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is None or not user.active:
        return None
    return user, create_one_time_token(user, "reset", ttl)


LINK_GONE = "This link is invalid, already used or expired. Ask for a new one."


def usable_token(raw: str, purpose: str) -> OneTimeToken:
    """The unused, unexpired single-use token with this raw value and purpose, or ValidationFailed."""
    token = db.session.scalar(
        select(OneTimeToken).where(OneTimeToken.token_hash == hash_token(raw or ""), OneTimeToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise ValidationFailed(LINK_GONE, fields={"token": "Invalid or expired."})
    return token


def claim_one_time_token(token: OneTimeToken) -> None:
    """Mark a token used, atomically: a conditional UPDATE … WHERE used_at IS NULL that only one of
    several concurrent requests can win (on PostgreSQL the losers wait for the row, then match nothing).
    Call inside the caller's transaction, after every other check, so a refusal never burns the link."""
    now = utcnow()
    result = db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == token.id, OneTimeToken.used_at.is_(None), OneTimeToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ValidationFailed(LINK_GONE, fields={"token": "Invalid or expired."})
    db.session.expire(token, ["used_at"])


def _cancel_reset_links(user: User) -> None:
    """Every outstanding reset link of `user` stops working."""
    db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user.id, OneTimeToken.purpose == "reset", OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def check_one_time_token(raw: str, purpose: str) -> User:
    """The user a still-valid token belongs to (nothing is consumed)."""
    return usable_token(raw, purpose).user


def find_token_user(raw: str, purpose: str) -> User | None:
    """The user a still-valid token belongs to, or None when the link is gone (nothing is consumed)."""
    try:
        return check_one_time_token(raw, purpose)
    except ValidationFailed:
        return None


@unit_of_work
def reset_password(raw_token: str, new_password: str) -> User:
    """Set a new password with a reset link (a forgotten password: the account may be in other hands).

    The link works exactly once, even when posted many times at once (claim_one_time_token). Every
    session of the user ends, every other reset link stops working, and every API token is revoked.
    """
    token = usable_token(raw_token, "reset")
    new_password = check_password_rules(new_password)
    password_hash = bcrypt.generate_password_hash(new_password).decode()  # slow: before the row is claimed
    claim_one_time_token(token)
    user = token.user
    user.password_hash = password_hash
    user.session_version += 1
    _cancel_reset_links(user)
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return user


@unit_of_work
def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one: every session ends (the caller signs the
    current one in again under the new session version) and outstanding reset links stop working;
    API tokens keep working."""
    if not user.password_hash or not bcrypt.check_password_hash(user.password_hash, current_password or ""):
        raise ValidationFailed("The current password is wrong.", fields={"current_password": "Wrong password."})
    new_password = check_password_rules(new_password, "new_password")
    user.password_hash = bcrypt.generate_password_hash(new_password).decode()
    user.session_version += 1
    _cancel_reset_links(user)


@unit_of_work
def set_password(email: str, new_password: str) -> User:
    """Operator path (CLI): set a user's password directly; their sessions end."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"No user with email {email}.")
    user.password_hash = bcrypt.generate_password_hash(check_password_rules(new_password)).decode()
    user.session_version += 1
    return user


@unit_of_work
def update_profile(user: User, *, name: str, timezone_name: str) -> None:
    """Change the display name and display time zone."""
    user.name = check_name(name, "name", "your name", required=False)
    user.timezone = check_timezone(timezone_name)


@unit_of_work
def create_api_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new personal API token; the raw value is returned once and never stored."""
    name = check_name(name or f"Token {utcnow():%Y-%m-%d %H:%M}", "name", "a token name", max_length=80)
    raw = "bt_" + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=hash_token(raw), prefix=raw[:10])
    db.session.add(token)
    db.session.flush()
    return token, raw


@unit_of_work
def revoke_api_token(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        raise NotFound("Token not found.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def list_api_tokens(user: User) -> list[ApiToken]:
    """The user's own API tokens, newest first (revoked ones included)."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ))


# One query per request for the signed-in user (or an API token's user) with their organization, tier
# and role; the role's and tier's permission lists are not loaded with them: authz caches their names.
SESSION_USER_OPTIONS = (
    joinedload(User.role).lazyload(Role.permissions),
    joinedload(User.organization).joinedload(Organization.tier).lazyload(SubscriptionTier.permissions),
)


def user_for_token(raw: str) -> User | None:
    """The active user an unrevoked token belongs to, or None."""
    if not raw:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)).options(
        *(joinedload(ApiToken.user).options(option) for option in SESSION_USER_OPTIONS)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    user = token.user
    if user.organization is not None and user.organization.suspended_at is not None:
        return None
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: '<id>:<session_version>' → the active user, if the version still matches."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id, options=SESSION_USER_OPTIONS)
    if user is None or not user.active or user.session_version != version:
        return None
    if user.organization is not None and user.organization.suspended_at is not None:
        return None
    return user


@unit_of_work
def create_developer(*, email: str, password: str, role: str = "admin", name: str = "") -> User:
    """A platform developer (no organization); role 'support' is read-only, 'admin' is full."""
    email = normalize_email(email)
    password = check_password_rules(password)
    if role not in ("support", "admin"):
        raise ValidationFailed("Developer role must be 'support' or 'admin'.", fields={"role": "support or admin"})
    if email_taken(email):
        raise ValidationFailed(f"A user with email {email} already exists.", fields={"email": "Taken."})
    user = User(email=email, name=name, is_developer=True, developer_role=role,
                password_hash=bcrypt.generate_password_hash(password).decode())
    db.session.add(user)
    return user
