"""Redis outages: a branded 503 (page or `service_unavailable` JSON, with Retry-After) instead of 500s.

With `REDIS_URL` set, sessions, rate limits and the cache live in Redis. When it cannot be reached:
- the session store answers an empty session instead of raising, and the request is answered 503 before
  CSRF or rate limiting run (no misleading "CSRF session token is missing");
- a Redis error anywhere else (rate limiter, cache) is answered 503 too;
- one clear log line says Redis is unreachable (repeated at most once a minute while it stays down, and
  one line when it is back) — never a traceback per request;
- while it is down, one request every few seconds checks it again (PING), so the app recovers by itself.
"""
from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from flask.sessions import SessionInterface
from redis.exceptions import RedisError

log = logging.getLogger("batchtrack.redis")

RETRY_AFTER_SECONDS = 30
ENVIRON_FLAG = "batchtrack.redis_unavailable"
EXTENSION_KEY = "batchtrack_redis_health"


def redis_label(url: str | None) -> str:
    """host:port/db of a Redis URL, without the password (it goes to the log)."""
    if not url:
        return "(not configured)"
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or '/0'}"


def is_redis_error(error: BaseException | None) -> bool:
    """Is this exception (or its cause) Redis being unreachable?"""
    return isinstance(error, RedisError)


class RedisHealth:
    """Per-process outage state: when Redis went away, when it was last checked and last logged."""

    def __init__(self, client, label: str, *, recheck_seconds: float = 2.0, log_every_seconds: float = 60.0):
        self.client = client
        self.label = label
        self.recheck_seconds = recheck_seconds
        self.log_every_seconds = log_every_seconds
        self.down_since: float | None = None
        self._last_check = 0.0
        self._last_log = 0.0
        self._lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return self.down_since is not None

    def mark_down(self, error: BaseException) -> None:
        """Record an outage; log one line when it starts, then at most one line a minute."""
        now = time.monotonic()
        with self._lock:
            self._last_check = now
            if self.down_since is None:
                self.down_since = now
                self._last_log = now
                log.error("Redis at %s is unreachable (%s): answering 503 until it is back; no restart needed.",
                          self.label, _reason(error))
            elif now - self._last_log >= self.log_every_seconds:
                self._last_log = now
                log.error("Redis at %s is still unreachable after %d s (%s).", self.label,
                          now - self.down_since, _reason(error))

    def mark_up(self) -> None:
        with self._lock:
            if self.down_since is not None:
                log.warning("Redis at %s is reachable again after %d s.", self.label,
                            time.monotonic() - self.down_since)
            self.down_since = None

    def recovered(self) -> bool:
        """While down: PING at most once every `recheck_seconds`; True (and marked up) when it answers."""
        with self._lock:
            if time.monotonic() - self._last_check < self.recheck_seconds:
                return False
            self._last_check = time.monotonic()
        try:
            self.client.ping()
        except RedisError as error:
            self.mark_down(error)
            return False
        self.mark_up()
        return True


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}"[:200]


class OutageTolerantSessionInterface(SessionInterface):
    """Wraps Flask-Session's Redis interface: a Redis error gives an empty session and flags the request
    (answered 503 by the gate) instead of a 500 before any handler runs."""

    def __init__(self, inner: SessionInterface, health: RedisHealth):
        self.inner = inner
        self.health = health

    def __getattr__(self, name):  # regenerate(), serializer, … stay reachable
        return getattr(self.inner, name)

    def open_session(self, app, request_):
        try:
            return self.inner.open_session(app, request_)
        except RedisError as error:
            self.health.mark_down(error)
            request_.environ[ENVIRON_FLAG] = True
            return self.inner.session_class(sid="", permanent=self.inner.permanent)

    def save_session(self, app, session, response):
        if request.environ.get(ENVIRON_FLAG):
            return None  # nothing was loaded; never overwrite the stored session with an empty one
        try:
            return self.inner.save_session(app, session, response)
        except RedisError as error:
            # The answer is already built but its session (a sign-in, a CSRF token) was not kept: turn the
            # response itself into the 503, since raising here would log a traceback and give a 500.
            self.health.mark_down(error)
            request.environ[ENVIRON_FLAG] = True
            _become_unavailable(response)
            return None

    def is_null_session(self, obj) -> bool:
        return self.inner.is_null_session(obj)


def service_unavailable_response():
    """503 with Retry-After: `service_unavailable` JSON under /api/, the branded page elsewhere."""
    from .web import is_api_request, json_error

    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if is_api_request():
        return json_error(503, "service_unavailable",
                          "BatchTrack is briefly unavailable (its session store cannot be reached); "
                          f"try again in {RETRY_AFTER_SECONDS} seconds. Nothing was changed.", headers=headers)
    return render_template("errors/503.html", retry_after=RETRY_AFTER_SECONDS), 503, headers


def _become_unavailable(response) -> None:
    from flask import make_response

    answer = make_response(service_unavailable_response())
    response.status_code = answer.status_code
    response.set_data(answer.get_data())
    for name in ("Location", "Set-Cookie", "Content-Type", "Retry-After", "Cache-Control"):
        response.headers.pop(name, None)
    for name in ("Content-Type", "Retry-After", "Cache-Control"):
        response.headers[name] = answer.headers[name]


def _gate():
    """First before-request hook: answer 503 while Redis is down (rechecking it now and then)."""
    health: RedisHealth = current_app.extensions[EXTENSION_KEY]
    if request.endpoint == "static":
        return None  # assets (the 503 page's own stylesheet) never need Redis
    if request.environ.get(ENVIRON_FLAG):
        return service_unavailable_response()
    if health.is_down and not health.recovered():
        request.environ[ENVIRON_FLAG] = True
        return service_unavailable_response()
    return None


def handle_redis_error(error: RedisError):
    """A Redis error raised anywhere in a request (rate limiter, cache): 503, one log line, no traceback."""
    from .extensions import db

    health = current_app.extensions.get(EXTENSION_KEY)
    if health is not None:
        health.mark_down(error)
    else:
        log.error("Redis is unreachable (%s).", _reason(error))
    request.environ[ENVIRON_FLAG] = True
    db.session.rollback()
    return service_unavailable_response()


def outage_response_for(error) -> object | None:
    """For app.web's 500 handler: the 503 answer when a Redis outage caused the 500 (e.g. saving the session)."""
    original = getattr(error, "original_exception", None)
    if is_redis_error(original) or request.environ.get(ENVIRON_FLAG):
        if is_redis_error(original):
            health = current_app.extensions.get(EXTENSION_KEY)
            if health is not None:
                health.mark_down(original)
        return service_unavailable_response()
    return None


def register_redis_outage(app: Flask) -> None:
    """Install the outage handling when sessions live in Redis (REDIS_URL set)."""
    app.register_error_handler(RedisError, handle_redis_error)
    if app.config.get("SESSION_TYPE") != "redis" or not app.config.get("SESSION_REDIS"):
        return
    health = RedisHealth(app.config["SESSION_REDIS"], redis_label(app.config.get("REDIS_URL")),
                         recheck_seconds=float(app.config.get("REDIS_RECHECK_SECONDS", 2.0)),
                         log_every_seconds=float(app.config.get("REDIS_OUTAGE_LOG_EVERY_SECONDS", 60.0)))
    app.extensions[EXTENSION_KEY] = health
    app.session_interface = OutageTolerantSessionInterface(app.session_interface, health)
    app.before_request_funcs.setdefault(None, []).insert(0, _gate)
