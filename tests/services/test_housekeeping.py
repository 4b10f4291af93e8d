"""Housekeeping (`flask jobs prune`): expired idempotency keys, unconfirmed uploads and old finished jobs go;
what is still in use stays."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import BackgroundJob, IdempotencyKey, ImportUpload
from app.models.types import utcnow

from ..factories import make_org, make_user


def _rows(org, user, now):
    old, fresh = now - timedelta(days=40), now - timedelta(hours=1)
    db.session.add_all([
        IdempotencyKey(organization_id=org.id, key="old", request_hash="h", response_status=201, response_body="{}",
                       created_at=now - timedelta(hours=25)),
        IdempotencyKey(organization_id=org.id, key="new", request_hash="h", response_status=201, response_body="{}",
                       created_at=fresh),
        ImportUpload(organization_id=org.id, user_id=user.id, kind="items", created_at=now - timedelta(days=2)),
        ImportUpload(organization_id=org.id, user_id=user.id, kind="items", created_at=fresh),
        BackgroundJob(organization_id=org.id, kind="export", title="old done", status="succeeded",
                      created_at=old, finished_at=old),
        BackgroundJob(organization_id=org.id, kind="export", title="old failed", status="failed",
                      created_at=old, finished_at=old),
        BackgroundJob(organization_id=org.id, kind="export", title="recent", status="succeeded",
                      created_at=fresh, finished_at=fresh),
        BackgroundJob(organization_id=org.id, kind="export", title="stuck queued", status="queued", created_at=old),
    ])
    db.session.commit()


def test_prune_removes_only_what_has_expired(app, db):
    """Do the expired key, the day-old upload and the month-old finished jobs go, and everything else stay?"""
    org = make_org()
    _rows(org, make_user(org), utcnow())
    result = app.test_cli_runner().invoke(args=["jobs", "prune"])
    assert result.exit_code == 0, result.output
    assert "Pruned 1 idempotency key(s), 1 upload(s), 2 finished job(s)." in result.output
    db.session.expire_all()
    assert [k.key for k in db.session.query(IdempotencyKey)] == ["new"]
    assert db.session.query(ImportUpload).count() == 1
    assert sorted(j.title for j in db.session.query(BackgroundJob)) == ["recent", "stuck queued"]
    again = app.test_cli_runner().invoke(args=["jobs", "prune"])
    assert "Pruned 0 idempotency key(s), 0 upload(s), 0 finished job(s)." in again.output
