"""Who gets which e-mail: the organization's digest frequency and each member's choices.

- The organization's digest: `daily`, `weekly` (on a chosen weekday, in the organization's time zone) or
  `off`; stored on `organizations.settings` as `digest_frequency` / `digest_weekday` (only when changed;
  default weekly on Monday). Owners and managers (`organization.settings`) change it.
- A member's digest: owners get it unless they opt out; anyone else who may see reports and stock
  (`reports.view` and `inventory.view`) may opt in. Stored on `notification_preferences.digest`
  (null = the role's default).
- Alert e-mails: members who may change the organization's settings (owners, managers) choose the alert
  types mailed to them as they open (`notification_preferences.alert_types`; none by default).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...extensions import db
from ...models import ALERT_TYPES, NotificationPreference, User
from .. import tenancy
from ..authz import authorize, has_permission
from ..base import unit_of_work
from ..errors import NotFound, PermissionDenied, ValidationFailed

FREQUENCIES = ("daily", "weekly", "off")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_FREQUENCY = "weekly"
DEFAULT_WEEKDAY = "monday"
ALERT_LABELS = {"below_reorder": "Below reorder point", "stockout": "Out of stock", "expiring": "Lot expiring soon",
                "expired": "Lot expired", "stuck_batch": "Batch stuck in progress"}
DIGEST_PERMISSIONS = ("reports.view", "inventory.view")
ALERT_MAIL_PERMISSION = "organization.settings"


# ---- the organization's digest ---------------------------------------------------------------------------

def digest_setting(org) -> dict:
    """{"frequency": daily|weekly|off, "weekday": monday…sunday} (defaults filled in)."""
    stored = org.settings or {}
    frequency = stored.get("digest_frequency")
    weekday = stored.get("digest_weekday")
    return {"frequency": frequency if frequency in FREQUENCIES else DEFAULT_FREQUENCY,
            "weekday": weekday if weekday in WEEKDAYS else DEFAULT_WEEKDAY}


def clean_digest_setting(data) -> dict:
    """Validate a partial {"frequency"?, "weekday"?}: {key: value or None (restore the default)}."""
    if not isinstance(data, dict):
        raise ValidationFailed("digest must be an object with frequency and weekday.",
                               fields={"digest": "Must be an object."})
    errors, cleaned = {}, {}
    for key, raw in data.items():
        choices = {"frequency": FREQUENCIES, "weekday": WEEKDAYS}.get(key)
        if choices is None:
            errors[f"digest.{key}"] = "Unknown; digest has frequency and weekday."
        elif raw is None:
            cleaned[key] = None
        elif not isinstance(raw, str) or raw.strip().lower() not in choices:
            errors[f"digest.{key}"] = f"One of {', '.join(choices)}."
        else:
            cleaned[key] = raw.strip().lower()
    if errors:
        field, message = next(iter(errors.items()))
        raise ValidationFailed(f"{field}: {message}", fields=errors)
    return cleaned


def apply_digest_setting(org, data) -> None:
    """Write a validated digest setting onto `org` (flush only; the caller authorizes and commits)."""
    cleaned = clean_digest_setting(data)
    stored = dict(org.settings or {})
    for key, value in cleaned.items():
        if value is None:
            stored.pop(f"digest_{key}", None)
        else:
            stored[f"digest_{key}"] = value
    org.settings = stored  # a new dict: JSON columns notice assignment, not mutation


@unit_of_work
def update_digest_setting(org, actor, *, frequency=None, weekday=None) -> dict:
    """Change how often the organization's digest goes out (owners and managers)."""
    authorize(actor, org, "organization.settings")
    changes = {key: value for key, value in (("frequency", frequency), ("weekday", weekday)) if value is not None}
    apply_digest_setting(org, changes)
    return digest_setting(org)


# ---- a member's choices ----------------------------------------------------------------------------------

@dataclass
class Preferences:
    """What one member gets by e-mail, and what they may choose."""

    digest: bool
    digest_is_default: bool
    alert_types: list[str]
    can_get_digest: bool
    can_choose_alerts: bool


def may_get_digest(user) -> bool:
    """Can this member see what a digest says (reports and stock)?"""
    return all(has_permission(user, permission) for permission in DIGEST_PERMISSIONS)


def may_choose_alerts(user) -> bool:
    """Owners and managers (who may change the organization's settings) choose alert e-mails."""
    return has_permission(user, ALERT_MAIL_PERMISSION)


def _is_owner(user) -> bool:
    return user.role is not None and bool(user.role.is_owner)


def _row(org, user) -> NotificationPreference | None:
    return db.session.scalar(tenancy.scoped(NotificationPreference, org)
                             .where(NotificationPreference.user_id == user.id))


def _resolve(user, row) -> Preferences:
    can_digest, can_alerts = may_get_digest(user), may_choose_alerts(user)
    chosen = None if row is None else row.digest
    wants = _is_owner(user) if chosen is None else chosen
    types = [t for t in ALERT_TYPES if row is not None and t in (row.alert_types or [])]
    return Preferences(digest=wants and can_digest, digest_is_default=chosen is None,
                       alert_types=types if can_alerts else [], can_get_digest=can_digest,
                       can_choose_alerts=can_alerts)


def _own_account(org, actor) -> None:
    """Every active member manages their own e-mail choices (an account setting, like the profile)."""
    if actor is None or not actor.active or actor.is_developer:
        raise PermissionDenied("Sign in with an active member account to choose your e-mails.")
    if actor.organization_id != org.id:
        raise NotFound("Not found.")


def get_preferences(org, actor) -> Preferences:
    """The signed-in member's own e-mail choices."""
    _own_account(org, actor)
    return _resolve(actor, _row(org, actor))


@unit_of_work
def update_preferences(org, actor, *, digest: bool, alert_types=()) -> Preferences:
    """Save the member's own choices: the digest on or off, and the alert types mailed as they open."""
    _own_account(org, actor)
    types = list(alert_types or [])
    unknown = [t for t in types if t not in ALERT_TYPES]
    if unknown:
        raise ValidationFailed(f"Unknown alert type {unknown[0]!r}; one of {', '.join(ALERT_TYPES)}.",
                               fields={"alert_types": "Choose from the list."})
    if digest and not may_get_digest(actor):
        raise ValidationFailed("The digest shows reports and stock, which your role does not let you see.",
                               fields={"digest": "Your role cannot see reports and stock."})
    if types and not may_choose_alerts(actor):
        raise ValidationFailed("Alert e-mails are for owners and managers.",
                               fields={"alert_types": "Owners and managers choose alert e-mails."})
    row = _row(org, actor)
    if row is None:
        row = NotificationPreference(organization_id=org.id, user_id=actor.id, alert_types=[])
        db.session.add(row)
    row.digest = bool(digest)
    row.alert_types = [t for t in ALERT_TYPES if t in types]
    db.session.flush()
    return _resolve(actor, row)


def _members(org) -> list[tuple[User, NotificationPreference | None]]:
    users = list(db.session.scalars(select(User).where(User.organization_id == org.id, User.active.is_(True),
                                                       User.is_developer.is_(False)).order_by(User.id)))
    rows = {row.user_id: row for row in db.session.scalars(tenancy.scoped(NotificationPreference, org))}
    return [(user, rows.get(user.id)) for user in users]


def digest_recipients(org) -> list[User]:
    """Active members who get the digest: owners unless they opted out, others who opted in (and whose
    role lets them see what it says)."""
    return [user for user, row in _members(org) if _resolve(user, row).digest]


def alert_recipients(org) -> list[tuple[User, list[str]]]:
    """Active owners and managers with the alert types they chose (only those who chose some)."""
    found = []
    for user, row in _members(org):
        types = _resolve(user, row).alert_types
        if types:
            found.append((user, types))
    return found
