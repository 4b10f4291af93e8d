"""Test helpers: CSRF token scraping, a JSON API client, query counting."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """GET a page and return the CSRF token of its first form."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no csrf_token on {url}"
    return match.group(1)


def post_form(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """POST a form with a valid CSRF token scraped from `form_url` (default: the same url)."""
    payload = dict(data)
    payload["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=payload, **kwargs)


class ApiClient:
    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url, **kwargs):
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url, json=None, **kwargs):
        return self.client.post(url, json=json, headers=self.headers, **kwargs)

    def put(self, url, json=None, **kwargs):
        return self.client.put(url, json=json, headers=self.headers, **kwargs)

    def patch(self, url, json=None, **kwargs):
        return self.client.patch(url, json=json, headers=self.headers, **kwargs)

    def delete(self, url, **kwargs):
        return self.client.delete(url, headers=self.headers, **kwargs)


@contextmanager
def count_queries():
    """Count SQL statements executed inside the block: `with count_queries() as q: ...; q.count`."""

    class Counter:
        count = 0
        statements: list[str] = []

    counter = Counter()
    counter.statements = []
    engine = db.engine

    def _before(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "PRAGMA")):
            return
        counter.count += 1
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _before)
