"""Global library browser: search, category filter, pagination, add to inventory."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("reference_data")


def test_library_lists_entries_with_their_facts(client, owner, login):
    """Does the library show INCI, density, shelf life, SAP and an add link?"""
    login(owner)
    html = client.get("/library?q=olive").get_data(as_text=True)
    assert "Olea Europaea" in html and "0.915 g/mL" in html and "0.1354" in html
    assert "/inventory/new?library_id=" in html


def test_library_search_category_and_pagination(client, owner, login):
    """Do search, category filter and junk arguments behave?"""
    from app.services import library

    login(owner)
    category = library.list_categories()[0]
    assert client.get(f"/library?category={category}").status_code == 200
    assert client.get("/library?category=nonsense&page=-3").status_code == 200
    html = client.get("/library?q=zzzz-no-such-thing").get_data(as_text=True)
    assert "Nothing in the library matches" in html
    total = library.list_library().total
    if total > 50:
        assert "Page 1 of" in client.get("/library").get_data(as_text=True)
        assert client.get("/library?page=2").status_code == 200


def test_viewer_sees_the_library_without_add_buttons(client, viewer, login):
    """Does a viewer browse the library without 'Add to my inventory'?"""
    login(viewer)
    html = client.get("/library").get_data(as_text=True)
    assert "Add to my inventory" not in html


def test_signed_out_is_sent_to_sign_in(client, db):
    response = client.get("/library")
    assert response.status_code == 302


def test_entries_already_in_the_inventory_are_marked(client, org, owner, login):
    """Does the library mark an entry the organization already stocks, linking to that item?"""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import GlobalItem

    from ...factories import make_item

    entry = db.session.scalar(select(GlobalItem).where(GlobalItem.name == "Olive Oil"))
    item = make_item(org, owner, entry.name, global_item_id=entry.id)
    login(owner)
    html = client.get("/library?q=olive").get_data(as_text=True)
    assert "in your inventory" in html and f"/inventory/{item.id}" in html
