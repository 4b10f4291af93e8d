"""Authorization: every service checks authorize(actor, org, permission) before it acts."""
from __future__ import annotations

from datetime import datetime, timezone

from ..seeds.catalog import is_write
from .errors import NotFound, PermissionDenied, ReadOnly


def effective_permissions(user) -> frozenset[str]:
    """The role's permissions within the tier's ceiling (memoized on the loaded user object)."""
    cached = getattr(user, "_effective_permissions", None)
    if cached is not None:
        return cached
    if user.is_developer or user.role is None or user.organization is None:
        result = frozenset()
    else:
        ceiling = {p.name for p in user.organization.tier.permissions}
        if user.role.is_owner:
            result = frozenset(ceiling)
        else:
            result = frozenset(p.name for p in user.role.permissions) & ceiling
    user._effective_permissions = result
    return result


def has_permission(user, permission: str) -> bool:
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
