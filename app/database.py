"""Database engine behaviour: SQLite pragmas, read vs write transactions, no transaction while rendering.

SQLite allows one writer at a time. A deferred transaction that has read and then tries to write fails
at once (SQLITE_BUSY_SNAPSHOT) when another connection committed meanwhile, so a write transaction
must start with `BEGIN IMMEDIATE` and queue on the write lock (busy_timeout). Reads must not take
that lock, or every page view would queue behind every write. So: reads begin deferred; the outermost
unit of work (services.base.transaction) calls `begin_write()`, which turns the session's
transaction into an immediate one before its first statement (or, when the request already read
something, ends that read-only transaction and begins an immediate one on the same connection).
PostgreSQL needs none of this: row locks serialize writers there.
"""
from __future__ import annotations

from contextvars import ContextVar

from flask import Flask
from flask.signals import before_render_template
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db
from .models.types import ExactProductSum

_IMMEDIATE = "batchtrack_immediate"
_write_intent: ContextVar[bool] = ContextVar("batchtrack_write_intent", default=False)


def init_app(app: Flask) -> None:
    """Configure the engine for its dialect and end read transactions before templates render."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    before_render_template.connect(_end_read_transaction, app, weak=False)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a 30 s busy wait; BEGIN (deferred) for reads, BEGIN IMMEDIATE for writes."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        dbapi_connection.create_aggregate("exact_product_sum", 3, ExactProductSum)
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if _write_intent.get():
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.info[_IMMEDIATE] = True
        else:
            connection.exec_driver_sql("BEGIN")
            connection.info[_IMMEDIATE] = False

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        connection.info.pop(_IMMEDIATE, None)


def begin_write() -> None:
    """Make the session's transaction a write transaction before its first write (SQLite only)."""
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if not session.in_transaction():
        token = _write_intent.set(True)
        try:
            session.connection()  # autobegin now, through _on_begin, as BEGIN IMMEDIATE
        finally:
            _write_intent.reset(token)
        return
    connection = session.connection()
    if connection.info.get(_IMMEDIATE):
        return
    # The request has only read so far (writes happen only inside a unit of work): end that read
    # transaction and take the write lock on the same connection, keeping the ORM's loaded objects.
    driver = connection.connection.driver_connection
    driver.execute("COMMIT")
    driver.execute("BEGIN IMMEDIATE")
    connection.info[_IMMEDIATE] = True


def _end_read_transaction(_app, **_extra) -> None:
    """Before a template renders, end the request's read-only transaction (objects stay loaded)."""
    from .services.base import in_transaction

    session = db.session()
    if in_transaction() or not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
