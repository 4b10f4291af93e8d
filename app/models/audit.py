"""Audit log of platform developers' actions on tenants (tier changes, suspension, view-as, library edits)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .organization import Organization
from .types import UTCDateTime, utcnow
from .user import User


class AuditLog(db.Model):
    """One developer action; organization_id is null for platform-wide actions (library edits)."""

    __tablename__ = "audit_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    developer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    developer: Mapped[User | None] = relationship(lazy="joined")
    organization: Mapped[Organization | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<AuditLog {self.action} org={self.organization_id}>"
