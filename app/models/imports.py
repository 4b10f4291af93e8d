"""CSV import uploads waiting for their confirmation: the file checked on the import page, kept server-side
(so any web worker can import it) until it is imported, discarded or a day old."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .mixins import TenantMixin
from .types import UTCDateTime, utcnow


class ImportUpload(TenantMixin, db.Model):
    """One checked CSV file of `kind` (items, stock, sales) uploaded by `user_id`; `imported_at` and
    `created_count` once imported (its text is then dropped)."""

    __tablename__ = "import_uploads"
    __label__ = "Upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    content: Mapped[str] = mapped_column(Text, nullable=False, default="")
    row_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_count: Mapped[int | None] = mapped_column(Integer)
