"""Developer console: every organization, tier changes, suspension, view-as, platform stats, library curation.

Developers belong to no organization. Support developers only read; admin developers may act.
Every action on a tenant (and every library edit) writes an AuditLog row in the same transaction.
"""
from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, or_, select

from .. import models
from ..extensions import db
from ..models import AuditLog, BillingEvent, GlobalItem, Organization, SubscriptionTier, User
from ..models.types import utcnow
from ..seeds.catalog import TIERS
from . import tenancy
from .base import unit_of_work
from .billing import effective_billing_status
from .errors import InvalidState, NotFound, PermissionDenied, ValidationFailed
from .reference import get_tier

MAX_DECIMAL = Decimal("1e6")



def require_developer(actor, *, admin: bool = False) -> None:
    """Only developers exist here (anyone else: NotFound); acting needs the admin developer role."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_developer or not actor.active:
        raise NotFound("Not found.")
    if admin and actor.developer_role != "admin":
        raise PermissionDenied("Support developers are read-only; ask an admin developer.")


def is_admin(actor) -> bool:
    """Is `actor` an admin developer (may act, not only read)?"""
    return bool(actor and actor.is_developer and actor.developer_role == "admin")


def _audit(actor, org_id: int | None, action: str, **details) -> AuditLog:
    entry = AuditLog(developer_id=actor.id, organization_id=org_id, action=action,
                     details=json.loads(json.dumps(details, default=str)))
    db.session.add(entry)
    return entry


def _org(org_id) -> Organization:
    try:
        org_id = int(org_id)
    except (TypeError, ValueError):
        raise NotFound("Organization not found.") from None
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"Organization {org_id} not found.")
    return org


def get_organization_for_view(actor, org_id) -> Organization:
    """The organization a developer is viewing as (reads only)."""
    require_developer(actor)
    return _org(org_id)


# ---- reads ---------------------------------------------------------------------------------------

def _usage_counts(org_ids: list[int]) -> dict[str, dict[int, int]]:
    users = dict(db.session.execute(
        select(User.organization_id, func.count(User.id))
        .where(User.organization_id.in_(org_ids), User.active.is_(True)).group_by(User.organization_id)).all())
    counts = {"users": users, "items": tenancy.count_by_organization(models.InventoryItem, org_ids)}
    batch_model = getattr(models, "Batch", None)
    if batch_model is not None:
        counts["batches"] = tenancy.count_by_organization(batch_model, org_ids)
    return counts


def list_organizations(actor, *, q: str = "", page: int = 1, per_page: int = 50) -> dict:
    """Organizations with tier, billing status, users, items (and batches once they exist), last activity."""
    require_developer(actor)
    stmt = select(Organization)
    q = (q or "").strip()
    if q:
        stmt = stmt.where(or_(Organization.name.ilike(f"%{q}%"), Organization.id == (int(q) if q.isdigit() else -1)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    orgs = list(db.session.scalars(stmt.order_by(Organization.created_at.desc(), Organization.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page)))
    counts = _usage_counts([o.id for o in orgs]) if orgs else {"users": {}, "items": {}}
    rows = [{"org": o, "billing_status": effective_billing_status(o),
             "users": counts["users"].get(o.id, 0), "items": counts["items"].get(o.id, 0),
             "batches": counts["batches"].get(o.id, 0) if "batches" in counts else None} for o in orgs]
    return {"items": rows, "page": page, "per_page": per_page, "total": total,
            "pages": max((total + per_page - 1) // per_page, 1), "has_batches": "batches" in counts}


def organization_detail(actor, org_id) -> dict:
    """One organization: members, usage, billing state, its audit trail and billing events."""
    require_developer(actor)
    org = _org(org_id)
    counts = _usage_counts([org.id])
    members = list(db.session.scalars(
        select(User).where(User.organization_id == org.id).order_by(User.active.desc(), User.email)))
    audit = list(db.session.scalars(
        select(AuditLog).where(AuditLog.organization_id == org.id).order_by(AuditLog.id.desc()).limit(50)))
    events = list(db.session.scalars(
        select(BillingEvent).where(BillingEvent.organization_id == org.id).order_by(BillingEvent.id.desc()).limit(20)))
    return {"org": org, "billing_status": effective_billing_status(org), "members": members,
            "users": counts["users"].get(org.id, 0), "items": counts["items"].get(org.id, 0),
            "batches": counts["batches"].get(org.id, 0) if "batches" in counts else None,
            "audit": audit, "events": events}


def list_audit(actor, *, limit: int = 50) -> list[AuditLog]:
    """The most recent developer actions across the platform."""
    require_developer(actor)
    return list(db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)))


def _per_day(rows: dict[str, int], days: int, today) -> list[dict]:
    return [{"day": str(today - timedelta(days=n)), "count": rows.get(str(today - timedelta(days=n)), 0)}
            for n in range(days - 1, -1, -1)]


def platform_stats(actor, *, days: int = 14) -> dict:
    """Totals, organizations by tier and billing status, signups (and batches, once they exist) per day."""
    require_developer(actor)
    now = utcnow()
    since = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    orgs = db.session.scalar(select(func.count(Organization.id)))
    users = db.session.scalar(select(func.count(User.id)).where(User.is_developer.is_(False), User.active.is_(True)))
    by_tier = dict(db.session.execute(
        select(SubscriptionTier.name, func.count(Organization.id))
        .join(Organization, Organization.tier_id == SubscriptionTier.id, isouter=True)
        .group_by(SubscriptionTier.name, SubscriptionTier.sort_order).order_by(SubscriptionTier.sort_order)).all())
    by_status = dict(db.session.execute(
        select(Organization.billing_status, func.count(Organization.id)).group_by(Organization.billing_status)).all())
    suspended = db.session.scalar(select(func.count(Organization.id)).where(Organization.suspended_at.is_not(None)))
    day = func.date(Organization.created_at)
    signups = {str(d): n for d, n in db.session.execute(
        select(day, func.count(Organization.id)).where(Organization.created_at >= since).group_by(day))}
    user_day = func.date(User.created_at)
    new_users = {str(d): n for d, n in db.session.execute(
        select(user_day, func.count(User.id)).where(User.created_at >= since, User.is_developer.is_(False))
        .group_by(user_day))}
    stats = {"organizations": orgs, "users": users, "suspended": suspended, "by_tier": by_tier,
             "by_status": by_status, "signups_per_day": _per_day(signups, days, now.date()),
             "users_per_day": _per_day(new_users, days, now.date()), "batches_per_day": None}
    batch_model = getattr(models, "Batch", None)
    if batch_model is not None and hasattr(batch_model, "created_at"):
        stats["batches_per_day"] = _per_day(tenancy.count_per_day(batch_model, since), days, now.date())
    return stats


# ---- actions on tenants --------------------------------------------------------------------------

@unit_of_work
def change_tier(actor, org_id, tier_key: str, *, reason: str = "") -> Organization:
    """Move an organization to another tier by hand (no Stripe change); audited."""
    require_developer(actor, admin=True)
    org = _org(org_id)
    tier = get_tier(tier_key or "")
    if tier is None:
        raise ValidationFailed(f"Unknown tier {tier_key!r}.", fields={"tier": "Choose a tier."})
    if tier.id == org.tier_id:
        raise InvalidState(f"{org.name} is already on {tier.name}.")
    before = (org.tier.key, org.billing_status)
    org.tier = tier
    # A paid tier given by hand has no Stripe subscription: it is simply active (like `flask orgs create`).
    if tier.is_paid and org.billing_status in ("free", "canceled"):
        org.billing_status = "active"
    elif not tier.is_paid and not org.stripe_subscription_id and org.billing_status == "active":
        org.billing_status = "free"
    _audit(actor, org.id, "change_tier", before=before[0], after=tier.key, billing_status_before=before[1],
           billing_status_after=org.billing_status, reason=(reason or "").strip()[:500])
    return org


@unit_of_work
def suspend_organization(actor, org_id, *, reason: str = "") -> Organization:
    """Suspend an organization: its members can no longer sign in or use tokens; data is kept."""
    require_developer(actor, admin=True)
    org = _org(org_id)
    if org.suspended_at is not None:
        raise InvalidState(f"{org.name} is already suspended.")
    org.suspended_at = utcnow()
    _audit(actor, org.id, "suspend", reason=(reason or "").strip()[:500])
    return org


@unit_of_work
def reactivate_organization(actor, org_id) -> Organization:
    """Lift a suspension."""
    require_developer(actor, admin=True)
    org = _org(org_id)
    if org.suspended_at is None:
        raise InvalidState(f"{org.name} is not suspended.")
    suspended_since = org.suspended_at
    org.suspended_at = None
    _audit(actor, org.id, "reactivate", suspended_since=suspended_since)
    return org


@unit_of_work
def start_view_as(actor, org_id) -> Organization:
    """Begin viewing an organization read-only (the caller keeps its id in the session); audited."""
    require_developer(actor)
    org = _org(org_id)
    _audit(actor, org.id, "view_as_start", organization_name=org.name)
    return org


@unit_of_work
def end_view_as(actor, org_id) -> None:
    """Stop viewing an organization; audited."""
    require_developer(actor)
    try:
        org = _org(org_id)
    except NotFound:
        return
    _audit(actor, org.id, "view_as_end", organization_name=org.name)


# ---- global ingredient library -------------------------------------------------------------------

LIBRARY_CATEGORIES = ["oil", "butter", "wax", "essential_oil", "fragrance_oil", "lye", "liquid", "acid", "additive",
                      "clay", "colorant", "emulsifier", "preservative", "sugar", "container", "packaging", "other"]


def list_global_items(actor, *, q: str = "", page: int = 1, per_page: int = 50) -> dict:
    """The global library, searchable by name or INCI."""
    require_developer(actor)
    stmt = select(GlobalItem)
    q = (q or "").strip()
    if q:
        stmt = stmt.where(or_(GlobalItem.name.ilike(f"%{q}%"), GlobalItem.inci.ilike(f"%{q}%")))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(db.session.scalars(stmt.order_by(GlobalItem.category, GlobalItem.name)
                                    .limit(per_page).offset((page - 1) * per_page)))
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": max((total + per_page - 1) // per_page, 1)}


def get_global_item(actor, item_id) -> GlobalItem:
    """One entry of the global ingredient library (developers only)."""
    require_developer(actor)
    from .library import get_library_item  # one id check for the library (no overflow on absurd ids)

    return get_library_item(item_id)


def _decimal(value, field: str, label: str, *, maximum: Decimal = MAX_DECIMAL) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number <= 0 or number > maximum:
        raise ValidationFailed(f"{label} must be a positive number up to {maximum}.",
                               fields={field: f"A positive number up to {maximum}."})
    return number


def _library_values(actor, item_id, data: dict) -> dict:
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Enter a name (at most 120 characters).", fields={"name": "Required, ≤120 characters."})
    clash = db.session.scalar(select(GlobalItem.id).where(func.lower(GlobalItem.name) == name.lower(),
                                                          GlobalItem.id != (item_id or 0)))
    if clash is not None:
        raise ValidationFailed(f"The library already has {name!r}.", fields={"name": "Already in the library."})
    category = (data.get("category") or "").strip()
    if category not in LIBRARY_CATEGORIES:
        raise ValidationFailed("Choose a category.", fields={"category": "Choose a category."})
    inci = (data.get("inci") or "").strip()
    if len(inci) > 255:
        raise ValidationFailed("INCI is at most 255 characters.", fields={"inci": "At most 255 characters."})
    shelf = data.get("shelf_life_days")
    if shelf is not None and str(shelf).strip() != "":
        try:
            shelf = int(str(shelf).strip())
        except ValueError:
            shelf = -1
        if not 1 <= shelf <= 36500:
            raise ValidationFailed("Shelf life is a whole number of days from 1 to 36500.",
                                   fields={"shelf_life_days": "1 to 36500 days."})
    else:
        shelf = None
    return {"name": name, "inci": inci or None, "category": category,
            "kind": "container" if category in ("container", "packaging") else "ingredient",
            "density": _decimal(data.get("density"), "density", "Density (g/mL)", maximum=Decimal("25")),
            "shelf_life_days": shelf,
            "sap_naoh": _decimal(data.get("sap_naoh"), "sap_naoh", "SAP (NaOH)", maximum=Decimal("1")),
            "sap_koh": _decimal(data.get("sap_koh"), "sap_koh", "SAP (KOH)", maximum=Decimal("1"))}


@unit_of_work
def create_global_item(actor, **data) -> GlobalItem:
    """Add an entry to the global ingredient library; audited."""
    require_developer(actor, admin=True)
    values = _library_values(actor, None, data)
    item = GlobalItem(**values)
    db.session.add(item)
    db.session.flush()
    _audit(actor, None, "library_create", global_item_id=item.id, name=item.name)
    return item


@unit_of_work
def update_global_item(actor, item_id, **data) -> GlobalItem:
    """Edit a library entry (name, INCI, category, density, shelf life, SAP values); audited with the changes."""
    require_developer(actor, admin=True)
    item = get_global_item(actor, item_id)
    values = _library_values(actor, item.id, data)
    changes = {}
    for key, value in values.items():
        if getattr(item, key) != value:
            changes[key] = [getattr(item, key), value]
            setattr(item, key, value)
    if changes:
        _audit(actor, None, "library_update", global_item_id=item.id, name=item.name, changes=changes)
    return item


def tier_choices() -> list[tuple[str, str]]:
    """Every tier as (key, name), in catalog order."""
    return [(spec["key"], spec["name"]) for spec in TIERS]
