"""The only way to read tenant rows: every query is scoped to one organization.

A test (tests/app/test_tenancy_guard.py) fails the build if code outside this module selects a
tenant model directly.
"""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, or_, select

from ..extensions import db
from .errors import NotFound

T = TypeVar("T")


def scoped(model: type[T], org, *entities: Any) -> Select:
    """select(model) — or select(*entities) — restricted to rows of `org`."""
    stmt = select(*entities) if entities else select(model)
    return stmt.where(model.organization_id == _org_id(org))


def scoped_with_global(model: type[T], org, *entities: Any) -> Select:
    """select(model) restricted to the global rows (organization_id IS NULL) and those of `org`: the one
    read of tables that mix shared reference rows with an organization's own (roles, units)."""
    stmt = select(*entities) if entities else select(model)
    return stmt.where(or_(model.organization_id.is_(None), model.organization_id == _org_id(org)))


MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; anything larger names no row


def parse_id(raw: Any) -> int | None:
    """The one id parser: a row id from input (path, query argument, form or JSON value), or None.

    Accepts an int or a string of digits (surrounding spaces allowed); anything else (junk, a bool,
    zero or less, a number beyond a 32-bit id) names no row and gives None, never an overflow.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 12:
        value = int(raw.strip())
    else:
        return None
    return value if 0 < value <= MAX_ID else None


def _row_id(model, object_id, label) -> int:
    """A usable id, or NotFound (never a database overflow for absurd numbers)."""
    value = parse_id(object_id)
    if value is None:
        shown = f" {object_id}" if isinstance(object_id, (int, str)) and str(object_id).strip().isdigit() else ""
        raise NotFound(f"{label or _label(model)}{shown[:24]} not found.")
    return value


def get_for_org(model: type[T], object_id: Any, org, *, label: str | None = None, options=()) -> T:
    """The row of `model` with this id in `org`; another organization's row is NotFound. `options`
    (eager loads) apply when the row is read, not when this session already holds it."""
    object_id = _row_id(model, object_id, label)
    row = _already_loaded(model, object_id, org)
    if row is None:
        row = db.session.scalar(scoped(model, org).where(model.id == object_id).options(*options))
    if row is None:
        raise NotFound(f"{label or _label(model)} {object_id} not found.")
    return row


def loaded(model: type[T], object_id: Any, org) -> T | None:
    """The row of `model` with this id in `org` if this session already holds it, fully loaded (no SQL);
    else None (the caller reads it, possibly together with other rows)."""
    object_id = parse_id(object_id)
    return None if object_id is None else _already_loaded(model, object_id, org)


def identity_of(row) -> int:
    """A persistent row's id without reading it (an expired row is not refreshed for it)."""
    from sqlalchemy import inspect

    identity = inspect(row).identity
    return identity[0] if identity else row.id


def _already_loaded(model, object_id: int, org):
    """The row when this session already holds it, fully loaded and of `org` (no SQL): a page that reads
    one row through several services' authorized calls loads it once. A row expired, deleted or pending
    in this session, or of another organization, is left to the scoped query."""
    from sqlalchemy import inspect
    from sqlalchemy.orm.util import identity_key

    session = db.session()
    row = session.identity_map.get(identity_key(model, object_id))
    if row is None:
        return None
    state = inspect(row)
    if state.expired or state.expired_attributes or state.deleted or state.was_deleted or state.pending:
        return None
    if state.dict.get("organization_id") != _org_id(org):
        return None
    return row


def get_many_for_org(model: type[T], ids, org) -> dict[int, T]:
    """{id: row} of `model` in `org` for these ids (missing ones left out): rows this session already holds
    cost nothing, the others one query."""
    wanted = sorted({int(i) for i in ids if i is not None})
    found = {}
    for object_id in wanted:
        row = _already_loaded(model, object_id, org)
        if row is not None:
            found[object_id] = row
    rest = [object_id for object_id in wanted if object_id not in found]
    if rest:
        found.update((row.id, row) for row in db.session.scalars(scoped(model, org).where(model.id.in_(rest))))
    return found


def find_for_org(model: type[T], org, **criteria: Any) -> T | None:
    """The first row of `model` in `org` matching column == value criteria, or None."""
    stmt = scoped(model, org)
    for column, value in criteria.items():
        stmt = stmt.where(getattr(model, column) == value)
    return db.session.scalars(stmt.limit(1)).first()


def get_for_org_for_update(model: type[T], object_id: Any, org, *, label: str | None = None) -> T:
    """Like get_for_org, but takes a row lock (SELECT … FOR UPDATE on PostgreSQL)."""
    object_id = _row_id(model, object_id, label)
    stmt = scoped(model, org).where(model.id == object_id).with_for_update()
    row = db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{label or _label(model)} {object_id} not found.")
    return row


_LOCKED_KEY = "tenancy_locked_rows"


def lock_for_org(model: type[T], ids: list[int], org) -> list[T]:
    """Lock several rows of `model` in id order (a fixed order, so concurrent callers never deadlock).

    A row this transaction has already locked (and still holds, loaded) is not read again: the lock keeps
    it from changing until the transaction ends, so a service that locks what a verb it calls locks too
    pays for one read."""
    if not ids:
        return []
    wanted = sorted({int(i) for i in ids})
    held = _locked_in_transaction()
    found = {}
    for object_id in wanted:
        if (model, object_id) in held:
            row = _already_loaded(model, object_id, org)
            if row is not None:
                found[object_id] = row
    rest = [object_id for object_id in wanted if object_id not in found]
    if rest:
        stmt = (
            scoped(model, org)
            .where(model.id.in_(rest))
            .order_by(model.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        for row in db.session.scalars(stmt):
            found[row.id] = row
            held.add((model, row.id))
    return [found[object_id] for object_id in wanted if object_id in found]


def _locked_in_transaction() -> set:
    """The (model, id) pairs locked by lock_for_org in the session's current transaction."""
    session = db.session()
    transaction = session.get_transaction()
    current = session.info.get(_LOCKED_KEY)
    if current is None or current[0] is not transaction:
        current = session.info[_LOCKED_KEY] = (transaction, set())
    return current[1]


def _org_id(org) -> int:
    return org if isinstance(org, int) else org.id


def _label(model) -> str:
    return getattr(model, "__label__", None) or model.__name__


def count_by_organization(model, org_ids=None) -> dict[int, int]:
    """Platform-wide row counts of a tenant model per organization (developer console only), one query."""
    from sqlalchemy import func

    stmt = select(model.organization_id, func.count(model.id)).group_by(model.organization_id)
    if org_ids is not None:
        stmt = stmt.where(model.organization_id.in_(list(org_ids)))
    return {org_id: count for org_id, count in db.session.execute(stmt)}


def count_per_day(model, since) -> dict[str, int]:
    """Platform-wide rows of a tenant model created per UTC day since `since` (developer console only)."""
    from sqlalchemy import func

    day = func.date(model.created_at)
    stmt = select(day, func.count(model.id)).where(model.created_at >= since).group_by(day)
    return {str(d): count for d, count in db.session.execute(stmt)}


PUBLIC_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def find_by_public_token(model: type[T], token: Any) -> T | None:
    """The row of `model` whose unguessable `public_token` is `token`, or None. Public pages only: the
    token itself is the right to see what the page shows, so no organization scopes this read."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64 or not set(token) <= PUBLIC_TOKEN_CHARS:
        return None
    return db.session.scalars(select(model).where(model.public_token == token).limit(1)).first()


def held_elsewhere(model: type[T], org, **criteria: Any) -> bool:
    """Does another organization hold a row of `model` matching these column == value criteria? Only a yes or
    no, never the row: for values that must be unique across organizations (a connected shop's domain)."""
    stmt = select(model.id).where(model.organization_id != _org_id(org))
    for column, value in criteria.items():
        stmt = stmt.where(getattr(model, column) == value)
    return db.session.scalar(stmt.limit(1)) is not None
