"""Background jobs: long work started from the web (big imports, large exports, digests), run on an RQ worker
when Redis is configured and inline otherwise. Written only by app.services.jobs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .mixins import TenantMixin
from .types import UTCDateTime, utcnow

JOB_STATUSES = ("queued", "running", "succeeded", "failed")


class BackgroundJob(TenantMixin, db.Model):
    """One piece of background work of one kind ("import", "export", "digest"…), run for its creator with the
    creator's permissions. `params` and `result` are JSON text; `progress` of `total` is what the row knew at
    the run's start and end (live progress of a running job lives in Redis)."""

    __tablename__ = "background_jobs"
    __label__ = "Job"
    __table_args__ = (
        # The jobs page: an organization's jobs, newest first.
        Index("ix_background_jobs_org_created", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    params: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def finished(self) -> bool:
        """Succeeded or failed: nothing more will happen unless it is retried."""
        return self.status in ("succeeded", "failed")

    def __repr__(self) -> str:
        return f"<BackgroundJob {self.id} {self.kind} {self.status}>"
