"""Configuration: FLASK_ENV, environment overrides, production secrets, feature flags."""
from __future__ import annotations

import json

import pytest

from app import create_app
from app.config import ConfigError, ProductionConfig, config_for, normalize_database_url
from app.services.features import UnknownFeatureFlag, feature_enabled, load_settings


def test_production_refuses_to_start_without_secrets(monkeypatch):
    """Does the Production config refuse to start, naming what is missing?"""
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as error:
        create_app("production")
    assert "SECRET_KEY" in str(error.value) and "DATABASE_URL" in str(error.value)
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@localhost/db")
    with pytest.raises(ConfigError) as error:
        ProductionConfig.apply_environment({})
    assert "REDIS_URL" in str(error.value) and "SECRET_KEY" not in str(error.value)


def test_production_with_secrets_uses_postgres_redis_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/prod")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6379/0")
    app = create_app("production")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://u@db.example/prod"
    assert app.config["SESSION_TYPE"] == "redis"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/0"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "s3cret"


def test_flask_env_picks_the_config_and_rejects_unknown_names():
    assert config_for(None).__name__ == "DevelopmentConfig"
    assert config_for("testing").__name__ == "TestingConfig"
    with pytest.raises(ConfigError):
        config_for("staging")


def test_database_url_spellings_all_use_psycopg2():
    assert normalize_database_url("postgres://a@b/c") == "postgresql+psycopg2://a@b/c"
    assert normalize_database_url("postgresql://a@b/c") == "postgresql+psycopg2://a@b/c"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_development_defaults_to_embedded_sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    app = create_app("development")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/batchtrack.db")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["SECRET_KEY"]


def test_unknown_feature_flag_is_an_error(tmp_path, app):
    """Is an unknown flag in settings.json, or asked for in code, an error rather than a silent false?"""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"feature_flags": {"fifo_tracking": True, "teleportation": True}}))
    with pytest.raises(UnknownFeatureFlag):
        load_settings(path)
    with app.app_context(), pytest.raises(UnknownFeatureFlag):
        feature_enabled(None, "teleportation")


def test_tier_overrides_a_feature_flag(org, db):
    from ..factories import make_org

    free = make_org(tier="free")
    assert feature_enabled(org, "custom_roles") is True
    assert feature_enabled(free, "custom_roles") is False


def _gunicorn_settings(monkeypatch, **env) -> dict:
    import runpy
    from pathlib import Path

    for name in ("WEB_CONCURRENCY", "GUNICORN_WORKER_CLASS", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))


def test_gunicorn_runs_one_process_when_rate_limits_live_in_memory(monkeypatch):
    """Without Redis, does `gunicorn wsgi:app` run one process, so the failed-login throttle counts every attempt?"""
    embedded = _gunicorn_settings(monkeypatch, DATABASE_URL="sqlite:////tmp/x.db")
    assert embedded["workers"] == 1 and embedded["worker_class"] == "gthread" and embedded["threads"] >= 2
    scaled = _gunicorn_settings(monkeypatch, DATABASE_URL="postgresql://u@h/db", REDIS_URL="redis://h:6379/0")
    assert scaled["workers"] >= 2 and scaled["worker_class"] == "gevent"
