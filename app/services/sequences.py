"""Per-organization counters for human codes (lot codes, event codes, batch labels).

One atomic upsert per value: INSERT … ON CONFLICT (organization_id, key) DO UPDATE SET value = value + 1
RETURNING value. On PostgreSQL the conflicting row is locked until the surrounding transaction ends, so
two concurrent callers never get the same value; on SQLite every write transaction is serialized anyway.
"""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Sequence


def next_value(org, key: str, increment: int = 1) -> int:
    """The next value (1, 2, 3 …) of the organization's counter `key`, inside the caller's transaction.

    With increment=n the counter moves by n at once and the last of the n reserved values is returned.
    """
    if increment < 1:
        raise ValueError("increment must be at least 1")
    org_id = org if isinstance(org, int) else org.id
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Sequence).values(organization_id=org_id, key=key, value=increment)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Sequence.organization_id, Sequence.key],
        set_={"value": Sequence.value + increment},
    ).returning(Sequence.value)
    return int(db.session.execute(stmt).scalar_one())


def next_code(org, key: str, prefix: str, width: int = 6) -> str:
    """A code such as LOT-000042 from the counter `key`."""
    return f"{prefix}-{next_value(org, key):0{width}d}"
