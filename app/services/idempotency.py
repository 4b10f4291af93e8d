"""Idempotency keys: a creating API request retried with the same `Idempotency-Key` happens once.

The key is recorded in the same transaction as the request's effect: `run_once` opens the unit of
work, inserts the key, runs the request (whose service calls nest inside it and only flush), stores
the answer and commits once. So either the effect and its key are both committed or neither is.
A concurrent duplicate blocks on the key's unique index (PostgreSQL) or on the write lock (SQLite)
until the first finishes, then gets the first answer replayed; if the first failed, it runs itself.
Only successful answers (2xx) are kept: a failed request changed nothing and may be retried as is.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import IdempotencyKey
from ..models.types import utcnow
from . import tenancy
from .base import transaction
from .errors import ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
KEY_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    replayed: bool = False


class _NotKept(Exception):
    """The request answered with an error: roll back (nothing to keep) and hand the answer on."""

    def __init__(self, answer: Answer):
        super().__init__(answer.status)
        self.answer = answer


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """sha256 of the method, the path and the body (JSON compared by value, key order ignored)."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body or b""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(key: str) -> str:
    """1–200 printable characters, or a 422 naming the header."""
    if not key or len(key) > MAX_KEY_LENGTH or any(ord(char) < 32 or ord(char) == 127 for char in key):
        raise ValidationFailed(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
                               fields={HEADER: f"Use 1 to {MAX_KEY_LENGTH} printable characters."})
    return key


def run_once(org, actor, key: str, fingerprint: str, produce: Callable[[], tuple[int, str]]) -> Answer:
    """Answer a keyed request: replay the stored answer of an earlier one with this key (24 h), refuse
    another request under the same key (422 idempotency_mismatch), or run `produce` and keep its answer."""
    check_key(key)
    try:
        return _run(org, actor, key, fingerprint, produce)
    except _NotKept as failed:
        return failed.answer
    except IntegrityError:
        # A concurrent request with this key committed first: ours rolled back; replay its answer.
        db.session.rollback()
        stored = _live_record(org, key)
        if stored is None:
            raise
        return _replay(stored, fingerprint)


def _run(org, actor, key, fingerprint, produce) -> Answer:
    with transaction():
        now = utcnow()
        stored = tenancy.find_for_org(IdempotencyKey, org, key=key)
        if stored is not None and stored.created_at > now - KEY_LIFETIME:
            return _replay(stored, fingerprint)
        # Expired keys of this organization (this one included) are forgotten as new ones arrive.
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.organization_id == org.id,
                                                        IdempotencyKey.created_at <= now - KEY_LIFETIME))
        record = IdempotencyKey(organization_id=org.id, key=key, request_hash=fingerprint,
                                user_id=getattr(actor, "id", None), response_status=0, response_body="",
                                created_at=now)
        db.session.add(record)
        db.session.flush()  # takes the key now: a concurrent duplicate waits here until we finish
        status, body = produce()
        if not 200 <= status < 300:
            raise _NotKept(Answer(status, body))
        record.response_status = status
        record.response_body = body
        return Answer(status, body)


def _live_record(org, key: str) -> IdempotencyKey | None:
    stored = tenancy.find_for_org(IdempotencyKey, org, key=key)
    if stored is None or stored.created_at <= utcnow() - KEY_LIFETIME:
        return None
    return stored


def _replay(stored: IdempotencyKey, fingerprint: str) -> Answer:
    if stored.request_hash != fingerprint:
        raise ValidationFailed(
            f"This {HEADER} was already used for a different request; use a new key for a new request.",
            fields={HEADER: "Already used with another request body or address."}, code="idempotency_mismatch")
    return Answer(stored.response_status, stored.response_body, replayed=True)
