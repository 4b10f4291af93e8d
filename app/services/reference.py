"""Reference data seeding (idempotent): permissions, system roles, tiers. Used by the CLI."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Permission, Role, SubscriptionTier
from ..seeds import catalog
from .authz import invalidate_permissions
from .base import unit_of_work


@unit_of_work
def seed_permissions() -> int:
    """Create or update every catalog permission and the system roles; returns the permission count."""
    existing = {p.name: p for p in db.session.scalars(select(Permission))}
    for name, description in catalog.PERMISSIONS:
        permission = existing.get(name)
        if permission is None:
            permission = Permission(name=name)
            db.session.add(permission)
            existing[name] = permission
        permission.domain = name.split(".", 1)[0]
        permission.description = description
    db.session.flush()
    roles = {r.key: r for r in db.session.scalars(select(Role).where(Role.organization_id.is_(None)))}
    for spec in catalog.SYSTEM_ROLES:
        role = roles.get(spec["key"])
        if role is None:
            role = Role(key=spec["key"], organization_id=None, is_system=True)
            db.session.add(role)
        role.name = spec["name"]
        role.description = spec["description"]
        role.is_owner = bool(spec.get("owner"))
        role.permissions = [existing[name] for name in spec["permissions"]]
        roles[spec["key"]] = role
    db.session.flush()
    invalidate_permissions(roles=[role.id for role in roles.values()])
    return len(catalog.PERMISSIONS)


@unit_of_work
def seed_tiers() -> int:
    """Create or update the subscription tiers and their permission ceilings."""
    seed_permissions()
    permissions = {p.name: p for p in db.session.scalars(select(Permission))}
    tiers = {t.key: t for t in db.session.scalars(select(SubscriptionTier))}
    for spec in catalog.TIERS:
        tier = tiers.get(spec["key"])
        if tier is None:
            tier = SubscriptionTier(key=spec["key"])
            db.session.add(tier)
        tier.name = spec["name"]
        tier.description = spec["description"]
        tier.price_lookup_key = spec["price_lookup_key"]
        tier.monthly_price = Decimal(spec["monthly_price"])
        tier.user_limit = spec["user_limit"]
        tier.sort_order = spec["sort_order"]
        tier.feature_flags = dict(catalog.FEATURE_FLAG_DEFAULTS_BY_TIER.get(spec["key"], {}))
        tier.permissions = [permissions[name] for name in spec["permissions"]]
        tiers[spec["key"]] = tier
    db.session.flush()
    invalidate_permissions(tiers=[tier.id for tier in tiers.values()])
    return len(catalog.TIERS)


def get_tier(key: str) -> SubscriptionTier | None:
    """The subscription tier with this key, or None."""
    return db.session.scalar(select(SubscriptionTier).where(SubscriptionTier.key == key))


def list_tiers() -> list[SubscriptionTier]:
    """Every subscription tier, cheapest first."""
    return list(db.session.scalars(select(SubscriptionTier).order_by(SubscriptionTier.sort_order)))


def get_system_role(key: str) -> Role | None:
    """The system role (no organization) with this key, or None."""
    return db.session.scalar(select(Role).where(Role.organization_id.is_(None), Role.key == key))
