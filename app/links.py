"""Absolute links that leave the site (mail, payment provider return URLs, printed QR codes).

They are always built from the BASE_URL setting and never from the request's Host header, which a
client controls: a reset link mailed with `Host: evil.example` must still point at this site.
"""
from __future__ import annotations

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    """BASE_URL (without its trailing slash) + the path of `endpoint`; works with or without a request.

    `_anchor` is supported like url_for's; the path is built the same way in a request, a CLI command
    or a job, so a link never depends on who asked for it.
    """
    anchor = values.pop("_anchor", None)
    app = current_app._get_current_object()
    app.inject_url_defaults(endpoint, values)
    path = app.url_map.bind("base.invalid", script_name="/").build(endpoint, values)
    if anchor:
        path += "#" + anchor
    return base_url() + path


def base_url() -> str:
    """The configured site root, e.g. https://app.batchtrack.example (no trailing slash)."""
    return str(current_app.config["BASE_URL"]).rstrip("/")
