"""Fixtures: app, db, client, org, other_org, owner, member, login(user); SQLite by default,
PostgreSQL + Redis when TEST_DATABASE_URL / TEST_REDIS_URL are set."""
from __future__ import annotations

import os
import warnings

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import cache, limiter
from app.extensions import db as _db

from .factories import make_org, make_user

warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively.*")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
IS_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgres"))


def _test_config(**extra) -> dict:
    from app.config import normalize_database_url, use_redis

    config = {"TESTING": True, "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"LIMITS-test-{os.getpid()}"}}
    if TEST_DATABASE_URL:
        config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(_worker_database_url())
    if TEST_REDIS_URL:
        use_redis(config, TEST_REDIS_URL)
        config["CACHE_KEY_PREFIX"] = f"test-{os.getpid()}-"
        config["SESSION_KEY_PREFIX"] = f"test-{os.getpid()}-session:"
    config.update(extra)
    return config


def _worker_database_url() -> str:
    """With pytest-xdist each worker gets its own PostgreSQL schema-less database (test_gw0, …)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not IS_POSTGRES:
        return TEST_DATABASE_URL
    base, _, name = TEST_DATABASE_URL.rpartition("/")
    return f"{base}/{name}_{worker}"


def _ensure_worker_database():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not IS_POSTGRES:
        return
    import sqlalchemy as sa

    from app.config import normalize_database_url

    admin = sa.create_engine(normalize_database_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    name = _worker_database_url().rpartition("/")[2]
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def app():
    _ensure_worker_database()
    application = create_app("testing", _test_config())
    # Tests keep an app context pushed, which Flask reuses for every test-client request; clear
    # `g` first thing in each request so requests stay as isolated as they are in production.
    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    with application.app_context():
        _reset_schema()
        from app.cli.seed import REFERENCE_SEEDERS

        for _, seeder in REFERENCE_SEEDERS:  # what `flask init-production` seeds
            seeder()
        _db.session.remove()
    yield application
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _fresh_request_globals():
    from flask import g

    for key in list(vars(g)):
        delattr(g, key)


def _reset_schema():
    if IS_POSTGRES:
        _db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        _db.session.commit()
    else:
        _db.drop_all()
    _db.create_all()


REFERENCE_TABLES = {"permissions", "subscription_tiers", "role_permissions", "tier_permissions", "global_items",
                    "alembic_version"}
# Reference tables that also hold organizations' own rows (custom roles, custom units).
SHARED_TABLES = {"roles", "units"}


@pytest.fixture(autouse=True)
def _limiter_stays_bound_to_the_suite_app():
    """create_app() re-binds the one module-level rate limiter to the app it builds (a production config
    test points it at an unreachable Redis); put it back after every test so no test leaks into the next."""
    saved = dict(limiter.__dict__)
    yield
    if limiter.__dict__ != saved:
        limiter.__dict__.clear()
        limiter.__dict__.update(saved)


@pytest.fixture()
def db(app):
    """A clean database for each test; reference data (permissions, roles, tiers, units, library) is kept."""
    ctx = app.app_context()
    ctx.push()
    yield _db
    _db.session.rollback()
    _db.session.remove()
    _truncate()
    limiter.reset()  # rate-limit counters never leak from one test into the next
    cache.clear()  # nor cached permissions of a role id the next test's database reuses
    ctx.pop()


def _truncate():
    """Delete every tenant row, children first (DELETE, not TRUNCATE … CASCADE, which would empty the
    reference tables that reference organizations too)."""
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            if table.name in REFERENCE_TABLES:
                continue
            if table.name in SHARED_TABLES:
                conn.execute(table.delete().where(table.c.organization_id.isnot(None)))
            else:
                conn.execute(table.delete())


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def org(db):
    return make_org(name="Juniper Soap Co.", tier="team")


@pytest.fixture()
def other_org(db):
    return make_org(name="Other Candle Works", tier="team")


@pytest.fixture()
def owner(org):
    return make_user(org, email="owner@juniper.test", role="owner")


@pytest.fixture()
def member(org):
    return make_user(org, email="maker@juniper.test", role="maker")


@pytest.fixture()
def viewer(org):
    return make_user(org, email="viewer@juniper.test", role="viewer")


@pytest.fixture()
def other_owner(other_org):
    return make_user(other_org, email="owner@other.test", role="owner")


@pytest.fixture()
def login(client):
    """login(user) signs the test client in (through the real login form)."""
    from .factories import PASSWORD
    from .helpers import csrf_token

    def _login(user, password: str = PASSWORD):
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture()
def api_token(db):
    """api_token(user) → a raw Bearer token for that user."""
    from app.services import accounts

    def _token(user):
        return accounts.create_api_token(user, "test")[1]

    return _token


@pytest.fixture()
def api(client, api_token):
    """api(user) → a small JSON client that sends the user's Bearer token."""
    from .helpers import ApiClient

    def _api(user):
        return ApiClient(client, api_token(user))

    return _api


@pytest.fixture()
def reference_data(db):
    """Units, the global library and the system roles; a module opts in with
    `pytestmark = pytest.mark.usefixtures("reference_data")`."""
    from .factories import ensure_inventory_reference_data

    ensure_inventory_reference_data()


@pytest.fixture()
def make_app():
    """make_app(**config) → a separate app (own database, own Redis settings) for configuration tests.

    The rate limiter is one module-level object that every create_app() re-binds to its app's storage;
    its state is put back afterwards so the suite's own app keeps working.
    """
    saved = dict(limiter.__dict__)
    made = []

    def _make(**config):
        application = create_app("testing", {"TESTING": True, **config})
        made.append(application)
        return application

    yield _make
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)
    for application in made:
        with application.app_context():
            _db.session.remove()
            _db.engine.dispose()
