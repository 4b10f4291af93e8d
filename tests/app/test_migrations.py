"""Migrations: one Alembic head; `flask db upgrade` takes an empty database to head, matching the models."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.config import normalize_database_url
from app.extensions import db

from ..conftest import IS_POSTGRES, TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ScriptDirectory:
    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def test_there_is_exactly_one_head():
    assert len(_script().get_heads()) == 1


def _upgrade(database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_ENV": "development"}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _assert_matches_models(url: str):
    engine = sa.create_engine(normalize_database_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            assert context.get_current_revision() == _script().get_current_head()
            diff = [d for d in compare_metadata(context, db.metadata) if not _ignorable(d)]
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()


def _ignorable(diff) -> bool:
    return isinstance(diff, tuple) and diff[0] in ("remove_table",) and diff[1].name == "alembic_version"


def test_upgrade_empty_sqlite_database_to_head(tmp_path, app):
    url = f"sqlite:///{tmp_path / 'migrate.db'}"
    result = _upgrade(url)
    assert result.returncode == 0, result.stderr[-3000:]
    _assert_matches_models(url)


@pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL (set TEST_DATABASE_URL)")
def test_upgrade_empty_postgres_database_to_head(app):
    name = f"migrate_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalize_database_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = TEST_DATABASE_URL.rpartition("/")[0] + "/" + name
    try:
        result = _upgrade(url)
        assert result.returncode == 0, result.stderr[-3000:]
        _assert_matches_models(url)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_an_existing_sqlite_database_keeps_its_numbers_and_holds(tmp_path, app):
    """Does upgrading a database written before exact decimals keep every number, each hold's date, and
    place every lot in the organization's new default location?"""
    import sqlite3

    path = tmp_path / "existing.db"
    url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url, "FLASK_ENV": "development"}
    env.pop("REDIS_URL", None)
    first = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade", "b5e62bb7c337"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    conn = sqlite3.connect(path)
    now = "2026-11-01 10:00:00.000000"
    conn.execute("INSERT INTO organizations (id, name, tier_id, timezone, currency, expiring_soon_days, "
                 "consumption_order, billing_status, created_at) VALUES (1, 'Old Co', 1, 'America/Chicago', 'USD', "
                 "30, 'fifo', 'free', ?)", (now,))
    conn.execute("INSERT INTO units (id, organization_id, name, label, dimension, factor, is_custom, created_at) "
                 "VALUES (1, 1, 'sack', 'sack', 'weight', 453.59237, 1, ?)", (now,))
    conn.execute("INSERT INTO inventory_items (id, name, kind, unit, quantity, allergens, notes, updated_at, "
                 "organization_id, created_at) VALUES (1, 'Lye', 'ingredient', 'g', 0.3, '', '', ?, 1, ?)", (now, now))
    for lot_id, hold in ((1, "2026-12-26 00:00:00.000000"), (2, "2026-12-25 18:00:00.000000")):
        conn.execute("INSERT INTO inventory_lots (id, item_id, code, received_at, original_quantity, "
                     "remaining_quantity, unit_cost, hold_until, notes, organization_id, created_at) "
                     "VALUES (?, 1, ?, ?, 0.1, 0.15, 0.0112, ?, '', 1, ?)", (lot_id, f"LOT-{lot_id}", now, hold, now))
    conn.commit()
    conn.close()

    result = _upgrade(url)
    assert result.returncode == 0, result.stderr[-3000:]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT quantity FROM inventory_items").fetchone() == (300000,)
    assert conn.execute("SELECT factor FROM units WHERE name = 'sack'").fetchone() == ("453.59237",)
    lots = conn.execute("SELECT id, remaining_quantity, unit_cost, hold_until, public_token FROM inventory_lots "
                        "ORDER BY id").fetchall()
    workshop = conn.execute("SELECT id FROM locations WHERE organization_id = 1 AND is_default").fetchall()
    placed = conn.execute("SELECT DISTINCT location_id FROM inventory_lots").fetchall()
    conn.close()
    assert len(workshop) == 1 and placed == workshop  # every existing lot sits in the new default location
    assert [lot[:4] for lot in lots] == [(1, 150000, 112000000, "2026-12-26"), (2, 150000, 112000000, "2026-12-26")]
    assert all(len(lot[4]) >= 20 for lot in lots) and lots[0][4] != lots[1][4]
    _assert_matches_models(url)
