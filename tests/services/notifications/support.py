"""Shared set-up for the notification tests: an organization with something to say, mail capture, links."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.extensions import mail
from app.services import notifications
from app.services.notifications import digest as digest_module

from ...factories import make_item, make_lot

URL_RE = re.compile(r"""https?://[^\s"'<>)]+""")


@pytest.fixture()
def any_hour(monkeypatch):
    """The digest is due from 07:00 local time; these tests run at any hour of the day."""
    monkeypatch.setattr(digest_module, "DIGEST_LOCAL_HOUR", 0)


def something_to_say(org, name="Shea butter"):
    """An item at or below its reorder point (an open alert and a reorder line)."""
    item = make_item(org, name=name, reorder_point=Decimal("5"))
    make_lot(org, item, "2", "1")
    return item


def daily(org, owner):
    notifications.update_digest_setting(org, owner, frequency="daily")


def links_in(text: str) -> list[str]:
    """Every absolute URL in a mail body."""
    return URL_RE.findall(text)


class Outbox:
    """Mail recorded while the block runs (Flask-Mail's record_messages)."""

    def __enter__(self):
        self._ctx = mail.record_messages()
        self.messages = self._ctx.__enter__()
        return self.messages

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)
