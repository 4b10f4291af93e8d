"""No dead links and no server errors: starting at the dashboard, every link a signed-in owner can see is followed
(breadth-first, same site) and must answer — on the Free tier, where gated features show an upgrade prompt, and
on the Team tier with real data (issue 6: "gated features show an upgrade prompt, never a 500 or a dead link")."""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

from ..factories import finished_batch, make_org, make_user

HREF = re.compile(r'href="([^"]+)"')
MAX_PAGES = 400


def _crawl(client, start: str = "/dashboard") -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/") or href.startswith("/static/"):
                continue
            if href not in seen:
                queue.append(href)
    return seen


@pytest.mark.parametrize("tier", ["free", "team"])
def test_every_link_an_owner_sees_answers_without_an_error(client, login, tier):
    """Does every internal link reachable from the dashboard answer with a page (no 404 dead link, no 5xx)?"""
    org = make_org(name=f"Crawl {tier}", tier=tier)
    owner = make_user(org, role="owner", email=f"crawl-{tier}@example.test")
    finished_batch(org, owner)  # items, lots, a recipe, a batch, a product: detail pages to link to
    login(owner)
    seen = _crawl(client)
    broken = {url: status for url, status in seen.items() if status == 404 or status >= 500}
    assert not broken, broken
    assert len(seen) > 30, sorted(seen)  # the crawl really walked the app
    assert "/pricing" in seen and "/billing" in seen
