"""Mixins shared by models. TenantMixin marks a table as tenant data (non-null organization_id)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .types import UTCDateTime, utcnow


class TenantMixin:
    """Rows that belong to exactly one organization; read only through app.services.tenancy."""

    __tenant__ = True

    @declared_attr
    def organization_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
