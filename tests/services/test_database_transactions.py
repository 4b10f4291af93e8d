"""SQLite transactions: reads never take the write lock; a write after a read never fails on a stale snapshot."""
from __future__ import annotations

import sqlite3
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db as _db
from app.models import InventoryItem

from ..conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(IS_POSTGRES, reason="SQLite locking behaviour (PostgreSQL uses row locks)")


@pytest.fixture()
def file_app(tmp_path):
    """An app on a SQLite file (WAL), the way `make run` serves it, with a short busy wait."""
    path = tmp_path / "locks.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                                 "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 2,
                                                                                "check_same_thread": False}}})
    with app.app_context():
        _db.create_all()
        from app.cli.seed import REFERENCE_SEEDERS

        for _, seeder in REFERENCE_SEEDERS:
            seeder()
        _db.session.remove()
    yield app, path
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _other_writer(path):
    """A second connection holding SQLite's write lock, as another request in the middle of a write would."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_read_does_not_wait_for_a_writer(file_app):
    """Can a page read while another request holds the write lock? (It used to queue behind it.)"""
    app, path = file_app
    other = _other_writer(path)
    try:
        with app.app_context():
            started = time.perf_counter()
            _db.session.execute(select(InventoryItem.id)).all()
            elapsed = time.perf_counter() - started
            _db.session.remove()
    finally:
        other.rollback()
        other.close()
    assert elapsed < 0.5


def test_a_write_after_a_read_survives_another_commit(file_app):
    """Does a service call still succeed when another connection committed after the request's first read?"""
    from tests.factories import make_item, make_org, make_user

    app, path = file_app
    with app.app_context():
        org = make_org(name="Lock Test Co")
        owner = make_user(org, role="owner")
        item = make_item(org, name="Olive oil", unit="g")
        org_id, item_id = org.id, item.id
        _db.session.remove()

        # The request reads first (deferred transaction, a snapshot) ...
        from app.models import Organization, User

        org = _db.session.get(Organization, org_id)
        owner = _db.session.scalars(select(User).where(User.organization_id == org_id)).first()
        assert _db.session.get(InventoryItem, item_id).quantity == 0
        # ... then another connection commits a write ...
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("UPDATE inventory_items SET notes = 'touched' WHERE id = ?", (item_id,))
        other.close()
        # ... and the request's own write must not fail with "database is locked".
        from app.services import inventory

        inventory.restock(org, owner, item_id, quantity=Decimal("100"), unit="g", unit_cost=Decimal("0.01"))
        _db.session.remove()
        assert _db.session.get(InventoryItem, item_id).quantity == Decimal("100")
        _db.session.remove()
