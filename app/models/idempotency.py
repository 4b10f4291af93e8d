"""Idempotency keys of API writes: the first answer to a (organization, key), replayed on a retry."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .mixins import TenantMixin
from .types import UTCDateTime, utcnow


class IdempotencyKey(TenantMixin, db.Model):
    """One `Idempotency-Key` an organization used on a creating POST, with the answer it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("organization_id", "key", name="uq_idempotency_keys_organization_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), nullable=False)
    # sha256 of method, path and the canonical body: the same key with another request is refused
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    response_status: Mapped[int] = mapped_column(Integer, nullable=False)
    response_body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.organization_id}:{self.key!r} {self.response_status}>"
