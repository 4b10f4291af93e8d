"""`Cache-Control: no-store` on every response made for a signed-in user or an API token.

Pages of a signed-in user show stock, costs and customers; a shared computer's browser cache or a
proxy must not keep them after sign-out. Public pages and static assets stay cacheable.
"""
from __future__ import annotations

from flask import g, request
from flask_login import current_user


def mark_private_responses(response):
    """after_request hook: no-store when the request was made as a signed-in user or with a token."""
    if request.endpoint == "static":
        return response
    if _is_private_request():
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def _is_private_request() -> bool:
    if getattr(g, "api_user", None) is not None or request.headers.get("Authorization"):
        return True
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # the session store is unreachable: err on the private side
        return True
