"""The main menu on every page: one entry marked as the current section, and the bench shortcuts."""
from __future__ import annotations

import re

from ..factories import make_item


def _current(html: str) -> list[str]:
    menu = html[html.index('id="main-nav"'):]
    menu = menu[:menu.index("</ul>")]
    return re.findall(r'aria-current="page">([^<]+)</a>', menu)


def test_settings_highlights_no_menu_entry(client, org, owner, login, reference_data):
    """Is Dashboard left unmarked on /settings (both pages live in the main blueprint)?"""
    login(owner)
    assert _current(client.get("/settings").get_data(as_text=True)) == []
    assert _current(client.get("/dashboard").get_data(as_text=True)) == ["Dashboard"]


def test_a_page_inside_a_section_highlights_that_section_once(client, org, owner, login, reference_data):
    """Does an item's page mark Inventory (not Expiring or Locations), and the reorder page only Reorder?"""
    item = make_item(org, name="Olive Oil")
    login(owner)
    assert _current(client.get(f"/inventory/{item.id}").get_data(as_text=True)) == ["Inventory"]
    reorder = client.get("/reorder")
    if reorder.status_code == 200:
        assert _current(reorder.get_data(as_text=True)) == ["Reorder"]
    assert _current(client.get("/batches/new").get_data(as_text=True)) == ["Batches"]


def test_bench_shortcuts_for_an_owner(client, org, owner, login, reference_data):
    """Does an owner get "Adjust stock", "Start a batch" and "Sell" (for the market stall) beside the menu toggle?"""
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "data-nav-toggle" in html and 'aria-controls="main-nav"' in html
    assert html.count('data-testid="quick-link"') == 3
    assert ">Adjust stock</a>" in html and ">Start a batch</a>" in html
    assert 'href="/sales/new" data-testid="quick-link">Sell</a>' in html


def test_adjust_stock_shortcut_opens_the_chosen_item_at_its_adjust_form(client, org, owner, login, reference_data):
    """"Adjust stock" lands on the inventory list: does it say to choose an item, and does each item open at its
    adjust form (it opened the top of the item page, the form a long scroll down), keeping that through a search?"""
    from ..factories import make_item

    item = make_item(org, owner, "Soy Wax")
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/inventory?pick=adjust" data-testid="quick-link">Adjust stock</a>' in html
    picking = client.get("/inventory?pick=adjust").get_data(as_text=True)
    assert 'data-testid="pick-to-adjust"' in picking and f'href="/inventory/{item.id}#adjust"' in picking
    assert 'name="pick" value="adjust"' in picking and 'data-testid="export-items"' not in picking
    searched = client.get("/inventory?pick=adjust&q=soy").get_data(as_text=True)
    assert f'href="/inventory/{item.id}#adjust"' in searched and 'href="/inventory?pick=adjust" class="small">Clear' in searched
    plain = client.get("/inventory").get_data(as_text=True)
    assert 'data-testid="pick-to-adjust"' not in plain and f'href="/inventory/{item.id}"' in plain
    assert 'data-testid="export-items"' in plain
    # the three downloads sit behind one "Export CSV" button (two loose links dangled beside the buttons)
    menu = plain.split('data-testid="export-menu"')[1].split("</details>")[0]
    assert all(f'data-testid="export-{name}"' in menu for name in ("items", "lots", "events"))


def test_a_viewer_gets_no_bench_shortcuts(client, org, viewer, login, reference_data):
    """Are the shortcuts left out for a role that may neither adjust stock nor start batches?"""
    login(viewer)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="quick-link"' not in html
