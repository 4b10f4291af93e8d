"""Organizations, subscription tiers, permissions and roles."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .mixins import TimestampMixin
from .types import Money, UTCDateTime

role_permissions = Table(
    "role_permissions",
    db.metadata,
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True),
)

tier_permissions = Table(
    "tier_permissions",
    db.metadata,
    Column("tier_id", ForeignKey("subscription_tiers.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("permissions.id", ondelete="CASCADE"), primary_key=True),
)


class Permission(db.Model):
    __tablename__ = "permissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    domain: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(255), default="")

    def __repr__(self) -> str:
        return f"<Permission {self.name}>"


class SubscriptionTier(db.Model):
    __tablename__ = "subscription_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(255), default="")
    price_lookup_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    monthly_price: Mapped[object] = mapped_column(Money, default=0)
    user_limit: Mapped[int | None] = mapped_column(Integer)
    feature_flags: Mapped[dict] = mapped_column(JSON, default=dict)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)

    permissions: Mapped[list[Permission]] = relationship(secondary=tier_permissions, lazy="selectin")

    @property
    def is_paid(self) -> bool:
        return bool(self.price_lookup_key)


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    tier_id: Mapped[int] = mapped_column(ForeignKey("subscription_tiers.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    expiring_soon_days: Mapped[int] = mapped_column(Integer, default=30)
    consumption_order: Mapped[str] = mapped_column(String(8), default="fifo")
    billing_status: Mapped[str] = mapped_column(String(20), default="free")
    grace_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), index=True)
    subscription_event_at: Mapped[int | None] = mapped_column(Integer)
    whop_membership_id: Mapped[str | None] = mapped_column(String(255), index=True)  # billed by Whop when set
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Control-tower settings the maker changed (API.md "Organization and billing"); missing keys take their
    # defaults from services.org_settings. Replace the dict to change it (JSON columns track assignment only).
    settings: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    tier: Mapped[SubscriptionTier] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"


class Role(TimestampMixin, db.Model):
    """A bundle of permissions. System roles have no organization; custom roles belong to one."""

    __tablename__ = "roles"
    # (organization_id, key) is unique per organization; NULLs are distinct, so the system roles (no
    # organization) get their own partial unique indexes on key and name.
    __table_args__ = (
        UniqueConstraint("organization_id", "key"),
        Index("uq_roles_system_key", "key", unique=True, postgresql_where=text("organization_id IS NULL"),
              sqlite_where=text("organization_id IS NULL")),
        Index("uq_roles_system_name", "name", unique=True, postgresql_where=text("organization_id IS NULL"),
              sqlite_where=text("organization_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(255), default="")
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)

    permissions: Mapped[list[Permission]] = relationship(secondary=role_permissions, lazy="selectin")
