"""Server-side sessions are written only when they change, plus a sliding renewal at most once a day.

Flask renews a permanent session on every response (SESSION_REFRESH_EACH_REQUEST): Flask-Session then
rewrites the stored session (a file, or a Redis SET) and sends a new Set-Cookie on every page view,
GETs included. Here a request that changes nothing in the session (a plain page view) writes nothing;
a session is still kept alive while it is used, because the first request after RENEW_AFTER (a
fourteenth of PERMANENT_SESSION_LIFETIME, at most a day) stores it again with a fresh lifetime.
Sign-in, sign-out, flash messages, CSRF tokens and view-as change the session and are saved as before.
"""
from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask

RENEWED_AT_KEY = "_renewed_at"  # epoch seconds of the last store of this session
MAX_RENEW_INTERVAL = timedelta(days=1)


def _now() -> float:
    return time.time()


class RenewSessionWhenStale:
    """Mixed into Flask-Session's interface class: store when modified, or when the last store is old."""

    def should_set_storage(self, app: Flask, session) -> bool:
        if session.modified:
            session[RENEWED_AT_KEY] = int(_now())  # a write is happening anyway: renew with it
            return True
        if not session.permanent:
            return False
        renewed_at = session.get(RENEWED_AT_KEY)
        interval = min(app.permanent_session_lifetime / 14, MAX_RENEW_INTERVAL).total_seconds()
        if isinstance(renewed_at, int) and _now() - renewed_at < interval:
            return False
        session[RENEWED_AT_KEY] = int(_now())  # marks the session modified: stored and cookie renewed
        return True

    def should_set_cookie(self, app: Flask, session) -> bool:
        return session.modified


def renew_sessions_only_when_needed(app: Flask) -> None:
    """Give the app's server-side session interface the write-on-change policy above."""
    interface = app.session_interface
    base = type(interface)
    if isinstance(interface, RenewSessionWhenStale) or not hasattr(base, "should_set_storage"):
        return  # already done, or not a Flask-Session interface
    interface.__class__ = type(f"Renewing{base.__name__}", (RenewSessionWhenStale, base), {})
