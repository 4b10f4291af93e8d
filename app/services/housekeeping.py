"""Housekeeping (`flask jobs prune`, daily): what the app keeps only for a while goes — idempotency keys after
their 24 hours, checked CSV uploads nobody confirmed after a day, finished background jobs after 30 days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete

from ..extensions import db
from ..models import BackgroundJob, IdempotencyKey, ImportUpload
from ..models.types import utcnow
from .base import transaction
from .idempotency import KEY_LIFETIME
from .imports.uploads import KEEP_FOR as UPLOAD_KEEP_FOR

FINISHED_JOBS_KEPT_FOR = timedelta(days=30)


@dataclass
class PruneResult:
    """How many rows of each kind went."""

    idempotency_keys: int = 0
    uploads: int = 0
    jobs: int = 0


def prune(now: datetime | None = None) -> PruneResult:
    """Delete expired idempotency keys, stale uploads and old finished jobs in every organization (one
    transaction; a system job, no actor)."""
    now = now or utcnow()
    with transaction():
        keys = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at <= now - KEY_LIFETIME))
        uploads = db.session.execute(delete(ImportUpload).where(ImportUpload.created_at < now - UPLOAD_KEEP_FOR))
        jobs = db.session.execute(delete(BackgroundJob).where(
            BackgroundJob.status.in_(("succeeded", "failed")),
            BackgroundJob.finished_at < now - FINISHED_JOBS_KEPT_FOR))
    return PruneResult(keys.rowcount or 0, uploads.rowcount or 0, jobs.rowcount or 0)
