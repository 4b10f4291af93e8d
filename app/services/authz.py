"""Authorization: every service checks authorize(actor, org, permission) before it acts."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import cache, db
from ..seeds.catalog import is_write
from .errors import NotFound, PermissionDenied, ReadOnly

log = logging.getLogger(__name__)

# Permission names of a role and of a tier, kept in the app cache (Redis when configured) across
# requests. Roles and tiers are shared by many users, so a user's role or tier change needs no
# invalidation (the user row is read fresh each request and names another key); editing a role's or a
# tier's permissions calls invalidate_permissions(), which drops the keys once the change commits.
_PENDING_KEY = "batchtrack_stale_permission_keys"
PERMISSIONS_CACHE_SECONDS = 900  # bounds staleness where no invalidation reaches (a CLI process with no Redis)


def _cache_key(kind: str, ident: int) -> str:
    return f"authz:{kind}:{ident}:permissions"


def effective_permissions(user) -> frozenset[str]:
    """The role's permissions within the tier's ceiling (memoized on the loaded user object, and the
    role's and tier's permission names cached across requests)."""
    cached = getattr(user, "_effective_permissions", None)
    if cached is not None:
        return cached
    if user.is_developer or user.role is None or user.organization is None:
        result = frozenset()
    else:
        role, tier = user.role, user.organization.tier
        ceiling, granted = _permission_names(role, tier)
        result = ceiling if role.is_owner else granted & ceiling
    user._effective_permissions = result
    return result


def _permission_names(role, tier) -> tuple[frozenset[str], frozenset[str]]:
    """(the tier's permission names, the role's) from the app cache, loading and caching what is missing."""
    role_key, tier_key = _cache_key("role", role.id), _cache_key("tier", tier.id)
    try:
        tier_names, role_names = cache.get_many(tier_key, role_key)
    except Exception:  # an unreachable cache only costs the queries below
        log.warning("Permission cache unavailable; loading permissions from the database.")
        tier_names = role_names = None
    missing = {}
    if tier_names is None:
        tier_names = missing[tier_key] = frozenset(p.name for p in tier.permissions)
    if role_names is None and not role.is_owner:
        role_names = missing[role_key] = frozenset(p.name for p in role.permissions)
    if missing and not db.session.info.get(_PENDING_KEY):  # never cache what this transaction may undo
        try:
            cache.set_many(missing, timeout=PERMISSIONS_CACHE_SECONDS)
        except Exception:
            pass
    return tier_names, role_names or frozenset()


def invalidate_permissions(*, roles=(), tiers=()) -> None:
    """Forget the cached permission names of these role and tier ids once the current transaction ends
    (at once when there is none): call it from every service that changes what a role or tier grants."""
    keys = {_cache_key("role", ident) for ident in roles} | {_cache_key("tier", ident) for ident in tiers}
    if not keys:
        return
    session = db.session()
    if session.in_transaction():
        session.info.setdefault(_PENDING_KEY, set()).update(keys)
    else:
        _forget(keys)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_after_transaction(session) -> None:
    keys = session.info.pop(_PENDING_KEY, None)
    if keys:
        _forget(keys)


def _forget(keys) -> None:
    try:
        cache.delete_many(*keys)
    except Exception:  # cannot reach the cache: entries expire after PERMISSIONS_CACHE_SECONDS
        log.warning("Could not drop %d cached permission entries.", len(keys))


def has_permission(user, permission: str) -> bool:
    """Does the user's role, within the tier's ceiling, grant this permission? (No organization checks.)"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_developer:
        return not is_write(permission)
    return permission in effective_permissions(user)


def write_block_reason(org, now: datetime | None = None) -> str | None:
    """Why this organization cannot write right now, or None when it can."""
    now = now or datetime.now(timezone.utc)
    if org.suspended_at is not None:
        return "This organization is suspended. Contact support to reactivate it."
    if org.billing_status == "read_only" or (
        org.billing_status == "past_due" and org.grace_until is not None and org.grace_until <= now
    ):
        return ("This organization is read-only because a payment failed and the grace period ended. "
                "Update the payment method on the billing page to restore writing.")
    return None


def authorize(actor, org, permission: str) -> None:
    """Raise unless `actor` may do `permission` in `org` now (role ∩ tier, active, writable)."""
    if actor is None or not actor.active:
        raise PermissionDenied("You need to sign in with an active account.")
    if actor.is_developer:
        if is_write(permission):
            raise ReadOnly("Developers view organizations read-only; writes are refused.")
        return
    if actor.organization_id != org.id:
        raise NotFound("Not found.")
    if permission not in effective_permissions(actor):
        raise PermissionDenied(f"Your role does not allow this ({permission}).")
    if is_write(permission):
        reason = write_block_reason(org)
        # An unpaid (read-only) organization must still be able to pay: billing.* stays open unless suspended.
        if reason and not (permission.startswith("billing.") and org.suspended_at is None):
            raise ReadOnly(reason)
