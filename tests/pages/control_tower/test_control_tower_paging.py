"""Alerts and Reorder pages paginate (a workshop with thousands of low items rendered them all on one page);
the JSON lists stay complete."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.blueprints.reports import routes

from ...factories import make_item, make_lot

D = Decimal


@pytest.fixture
def five_low_items(org):
    items = [make_item(org, name=f"Low {n}", reorder_point=D("50")) for n in range(5)]
    for item in items:
        make_lot(org, item, "10", "1")
    return items


def _alert_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="alert-(\d+)"', html)


def test_the_alerts_page_shows_one_page_at_a_time_and_every_alert_on_some_page(client, owner, login, api,
                                                                              five_low_items, monkeypatch):
    monkeypatch.setattr(routes, "ALERTS_PER_PAGE", 2)
    login(owner)
    pages = [client.get(f"/alerts?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    ids = [_alert_ids(html) for html in pages]
    assert [len(page) for page in ids] == [2, 2, 1]
    assert len({i for page in ids for i in page}) == 5
    assert "Page 1 of 3 · 5 in all" in pages[0] and 'href="/alerts?page=2"' in pages[0]
    assert 'href="/alerts?page=2"' in pages[2] and "Next" not in pages[2]
    body = api(owner).get("/api/v1/alerts").get_json()  # the API keeps its own pages (50 a page)
    assert body["total"] == 5 and len(body["items"]) == 5


def test_a_page_past_the_last_shows_the_last_and_junk_shows_the_first(client, owner, login, five_low_items,
                                                                        monkeypatch):
    monkeypatch.setattr(routes, "ALERTS_PER_PAGE", 2)
    login(owner)
    last = client.get("/alerts?page=3").get_data(as_text=True)
    assert _alert_ids(client.get("/alerts?page=99").get_data(as_text=True)) == _alert_ids(last)
    assert _alert_ids(client.get("/alerts?page=x").get_data(as_text=True)) == \
        _alert_ids(client.get("/alerts").get_data(as_text=True))


def test_the_dismissed_view_keeps_its_filter_across_pages(client, owner, login, five_low_items, monkeypatch):
    monkeypatch.setattr(routes, "ALERTS_PER_PAGE", 2)
    login(owner)
    html = client.get("/alerts?dismissed=1").get_data(as_text=True)
    assert re.search(r'href="/alerts\?(page=2&amp;dismissed=1|dismissed=1&amp;page=2)"', html)


def test_the_reorder_page_paginates_its_lines_and_counts_them_all(client, owner, login, api, five_low_items,
                                                                 monkeypatch):
    monkeypatch.setattr(routes, "REORDER_PER_PAGE", 2)
    login(owner)
    seen = []
    for n in (1, 2, 3):
        html = client.get(f"/reorder?page={n}").get_data(as_text=True)
        seen.append(re.findall(r'data-testid="reorder-(\d+)"', html))
        assert "5 in all" in html
    assert [len(page) for page in seen] == [2, 2, 1]
    assert {int(i) for page in seen for i in page} == {item.id for item in five_low_items}
    body = api(owner).get("/api/v1/reorder").get_json()
    assert (body["total"] if isinstance(body, dict) else len(body)) == 5
