"""BatchTrack application factory: wires extensions, blueprints, CLI and error handlers (no I/O)."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask

from . import database
from .config import INSTANCE_DIR, config_for
from .extensions import bcrypt, cache, csrf, db, limiter, login_manager, mail, migrate, session_store


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app for FLASK_ENV (or `config_name`), with optional config overrides (tests)."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    config_class = config_for(config_name or os.environ.get("FLASK_ENV"))
    app.config.from_object(config_class)
    config_class.apply_environment(app.config)
    if overrides:
        app.config.update(overrides)
    _finish_config(app)

    from .services.features import load_settings

    app.extensions["batchtrack_flags"] = load_settings(app.config["SETTINGS_FILE"], app.config.get("BATCHTRACK_FEATURES"))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    bcrypt.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    session_store.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    database.init_app(app)

    from . import models  # noqa: F401  (every table registered before anything queries)
    from .blueprints import register_blueprints
    from .cli import register_cli
    from .web import register_web

    register_web(app)
    register_blueprints(app)
    register_cli(app)
    from .redis_outage import register_redis_outage

    register_redis_outage(app)  # last: its gate must run before CSRF, rate limits and the API's token check
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _finish_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key()
    if app.config["SESSION_TYPE"] in ("filesystem", "cachelib") and not app.config.get("SESSION_CACHELIB"):
        from cachelib import FileSystemCache, SimpleCache

        app.config["SESSION_TYPE"] = "cachelib"
        if app.testing:
            app.config["SESSION_CACHELIB"] = SimpleCache(threshold=5000)
        else:
            app.config["SESSION_CACHELIB"] = FileSystemCache(app.config["SESSION_FILE_DIR"], threshold=2000)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        if uri in ("sqlite://", "sqlite:///:memory:"):
            from sqlalchemy.pool import StaticPool

            options.setdefault("poolclass", StaticPool)
        else:
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _instance_secret_key() -> str:
    """Development only: a random key kept in instance/ so sessions survive restarts.

    Created atomically (write a temp file, then link it into place) because several gunicorn
    workers may start at once and must all end up with the same key.
    """
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        temp = INSTANCE_DIR / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        temp.write_text(secrets.token_hex(32))
        temp.chmod(0o600)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
    return path.read_text().strip()
