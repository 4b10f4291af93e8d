"""Redis unreachable → a branded 503 with Retry-After, one log line, and recovery without a restart (issue 9,
item 7).

The shared Redis server is never touched: "down" is a Redis URL on a port nobody listens on, and "recovers"
runs a throwaway `redis-server` of its own on another port, stopped and started again by the test.
"""
from __future__ import annotations

import logging
import re
import shutil
import subprocess
import time

import pytest
import redis

from app.config import use_redis
from app.extensions import db as _db

DOWN_URL = "redis://127.0.0.1:6390/0"  # nothing listens here
OWN_PORT = 6391
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture()
def make_redis_app(make_app):
    """make_redis_app(url) → an app (empty in-memory database) whose sessions, cache and rate limits use that
    Redis; while Redis is down it is checked again on every request (no wait in tests)."""

    def _make(url: str):
        config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_RECHECK_SECONDS": 0,
                  "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": "LIMITS-test-redis-down"}}
        use_redis(config, url)
        config["SESSION_KEY_PREFIX"] = "test-redis-down-session:"
        application = make_app(**config)
        with application.app_context():
            _db.create_all()
        return application

    return _make


def _redis_log_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "batchtrack.redis"]


def test_pages_answer_a_branded_503_with_retry_after_when_redis_is_down(make_redis_app, caplog):
    """With Redis unreachable, is every page a branded 503 page with Retry-After (signed in or not), instead
    of a bare 500 or a misleading CSRF error?"""
    client = make_redis_app(DOWN_URL).test_client()
    caplog.set_level(logging.INFO)
    first = client.get("/login")
    assert first.status_code == 503
    assert first.headers["Retry-After"] == "30"
    page = first.get_data(as_text=True)
    assert "BatchTrack is briefly unavailable" in page and "BatchTrack</strong>" in page  # the app's own shell
    client.set_cookie("batchtrack_session", "someone-signed-in")
    for response in (client.get("/dashboard"), client.get("/inventory"),
                     client.post("/login", data={"email": "a@example.test", "password": "x", "csrf_token": "t"})):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "CSRF" not in response.get_data(as_text=True)
    assert client.get("/static/css/app.css").status_code == 200  # the 503 page keeps its stylesheet


def test_the_api_answers_service_unavailable_json_including_the_token_endpoint(make_redis_app):
    """Is every API answer with Redis down 503 `service_unavailable` JSON with Retry-After — the token endpoint
    (whose throttle lives in Redis) too?"""
    client = make_redis_app(DOWN_URL).test_client()
    token = client.post("/api/v1/auth/token", json={"email": "a@example.test", "password": "wrong"})
    assert token.status_code == 503
    assert token.headers["Retry-After"] == "30"
    error = token.get_json()["error"]
    assert error["code"] == "service_unavailable" and "try again" in error["message"]
    listing = client.get("/api/v1/inventory", headers={"Authorization": "Bearer nope"})
    assert listing.status_code == 503
    assert listing.get_json()["error"]["code"] == "service_unavailable"


def test_an_outage_is_logged_once_not_as_a_traceback_per_request(make_redis_app, caplog):
    """Do twenty requests during an outage give one clear log line naming Redis — no traceback, no per-request
    error, and no password from the URL?"""
    client = make_redis_app(DOWN_URL.replace("redis://", "redis://:s3cret@")).test_client()
    caplog.set_level(logging.INFO)
    client.set_cookie("batchtrack_session", "x")
    for _ in range(10):
        assert client.get("/dashboard").status_code == 503
        assert client.post("/api/v1/auth/token", json={"email": "a@b.test", "password": "x"}).status_code == 503
    lines = _redis_log_lines(caplog)
    assert len(lines) == 1, [r.getMessage() for r in lines]
    message = lines[0].getMessage()
    assert "Redis at 127.0.0.1:6390/0 is unreachable" in message and "no restart needed" in message
    assert "s3cret" not in message
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name != "batchtrack.redis"]


@pytest.fixture()
def own_redis(tmp_path):
    """A throwaway redis-server on port 6391 (never the shared one): start() / stop() it at will."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: the recovery test needs a Redis it may stop and start")
    probe = redis.Redis.from_url(f"redis://127.0.0.1:{OWN_PORT}/0", socket_connect_timeout=1)  # no retry backoff

    class Server:
        url = f"redis://127.0.0.1:{OWN_PORT}/0"

        def start(self):
            subprocess.run([binary, "--port", str(OWN_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                            "no", "--daemonize", "yes", "--dir", str(tmp_path),
                            "--pidfile", str(tmp_path / "redis.pid")], check=True, capture_output=True)
            for _ in range(100):
                try:
                    if probe.ping():
                        return
                except redis.RedisError:
                    time.sleep(0.05)
            pytest.fail("the throwaway redis-server did not start")

        def stop(self):
            try:
                probe.shutdown(nosave=True)
            except redis.RedisError:
                pass  # a shutdown drops the connection; that is the expected answer
            for _ in range(100):
                try:
                    probe.ping()
                except redis.RedisError:
                    return
                time.sleep(0.05)
            pytest.fail("the throwaway redis-server did not stop")

    try:
        probe.ping()
        pytest.skip(f"port {OWN_PORT} is already in use by another Redis")
    except redis.RedisError:
        pass
    server = Server()
    server.start()
    yield server
    server.stop()


def test_the_app_recovers_by_itself_when_redis_comes_back(make_redis_app, own_redis, caplog):
    """When Redis goes away and comes back, do pages and the API go 200 → 503 → 200 with no restart, and
    does the log say so in two lines (down, back)?"""
    caplog.set_level(logging.INFO)
    application = make_redis_app(own_redis.url)
    client = application.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    assert CSRF_RE.search(page.get_data(as_text=True))
    assert client.post("/api/v1/auth/token", json={"email": "a@b.test", "password": "x"}).status_code == 401

    own_redis.stop()
    assert client.get("/login").status_code == 503
    assert client.post("/api/v1/auth/token", json={"email": "a@b.test", "password": "x"}).status_code == 503

    own_redis.start()
    page = client.get("/login")
    assert page.status_code == 200
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    signed_out = client.post("/login", data={"email": "nobody@example.test", "password": "wrong",
                                             "csrf_token": token})
    assert signed_out.status_code in (200, 401, 422)  # the form answers (wrong password), CSRF holds again
    assert "CSRF" not in signed_out.get_data(as_text=True)
    assert client.post("/api/v1/auth/token", json={"email": "a@b.test", "password": "x"}).status_code == 401
    messages = [r.getMessage() for r in _redis_log_lines(caplog)]
    assert len(messages) == 2, messages
    assert "unreachable" in messages[0] and "reachable again" in messages[1]
