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

from .conftest import IS_POSTGRES, TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent


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
