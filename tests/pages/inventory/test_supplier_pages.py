"""Supplier pages: list, create, edit, archive/restore, detail with the lots received from them."""
from __future__ import annotations

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models.inventory import Supplier
from app.services import suppliers, tenancy

from ...factories import make_item, restock
from ...helpers import csrf_token, post_form

pytestmark = pytest.mark.usefixtures("reference_data")



def _suppliers(org) -> int:
    return db.session.scalar(tenancy.scoped(Supplier, org, func.count(Supplier.id))) or 0


def test_empty_supplier_list_explains_why(client, owner, login):
    """Does an empty supplier list explain what suppliers are for and offer to add one?"""
    login(owner)
    html = client.get("/suppliers").get_data(as_text=True)
    assert "Add your first supplier" in html


def test_create_edit_archive_and_restore(client, org, owner, login):
    """Do create, edit, archive and restore work through the pages?"""
    login(owner)
    response = post_form(client, "/suppliers/new", {"name": "Bramble Berry", "email": "orders@bb.test",
                                                    "lead_time_days": "7"})
    assert response.status_code == 302
    supplier = tenancy.find_for_org(Supplier, org, name="Bramble Berry")
    assert supplier.lead_time_days == 7
    assert "Bramble Berry" in client.get("/suppliers").get_data(as_text=True)
    response = post_form(client, f"/suppliers/{supplier.id}/edit", {"name": "Bramble Berry Inc", "lead_time_days": "5"})
    assert response.status_code == 302
    db.session.expire_all()
    assert supplier.name == "Bramble Berry Inc" and supplier.lead_time_days == 5
    response = post_form(client, f"/suppliers/{supplier.id}/archive", {}, form_url=f"/suppliers/{supplier.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert supplier.archived_at is not None
    assert "archived." in client.get(response.headers["Location"]).get_data(as_text=True)  # the flash
    assert "Bramble Berry Inc" not in client.get("/suppliers").get_data(as_text=True)
    assert "Bramble Berry Inc" in client.get("/suppliers?archived=1").get_data(as_text=True)
    response = post_form(client, f"/suppliers/{supplier.id}/restore", {}, form_url=f"/suppliers/{supplier.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert supplier.archived_at is None


@pytest.mark.parametrize("data", [
    {"name": ""},
    {"name": "X", "email": "not an email"},
    {"name": "X", "lead_time_days": "soon"},
    {"name": "X", "lead_time_days": "9999"},
    {"name": "X" * 500},
])
def test_bad_supplier_input_is_422_and_writes_nothing(client, org, owner, login, data):
    """Is bad supplier input a 422 with nothing written?"""
    login(owner)
    assert post_form(client, "/suppliers/new", data).status_code == 422
    assert _suppliers(org) == 0


def test_duplicate_supplier_name_is_shown_on_the_field(client, org, owner, login):
    """Is a duplicate name refused by the service and shown on the form (422)?"""
    suppliers.create_supplier(org, owner, name="Wholesale Supplies Plus")
    login(owner)
    response = post_form(client, "/suppliers/new", {"name": "wholesale supplies plus"})
    assert response.status_code == 422
    assert "Already in use." in response.get_data(as_text=True)
    assert _suppliers(org) == 1


def test_detail_lists_lots_received_from_the_supplier(client, org, owner, login):
    """Does a supplier's page list the lots received from them, most recent first?"""
    supplier = suppliers.create_supplier(org, owner, name="Mountain Rose")
    item = make_item(org, owner, "Calendula Petals")
    restock(org, owner, item, 100, supplier_id=supplier.id, supplier_lot_code="MR-2024-1")
    restock(org, owner, item, 50)  # no supplier: not listed
    login(owner)
    html = client.get(f"/suppliers/{supplier.id}").get_data(as_text=True)
    assert "Calendula Petals" in html and "MR-2024-1" in html
    assert html.count("<code>LOT-") == 1


def test_another_organizations_supplier_is_404(client, other_org, owner, other_owner, login):
    """Are another organization's supplier pages and actions 404?"""
    theirs = suppliers.create_supplier(other_org, other_owner, name="Their Supplier")
    login(owner)
    assert client.get(f"/suppliers/{theirs.id}").status_code == 404
    assert client.get(f"/suppliers/{theirs.id}/edit").status_code == 404
    token = csrf_token(client, "/suppliers/new")
    assert client.post(f"/suppliers/{theirs.id}/archive", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/suppliers/{theirs.id}/edit", data={"csrf_token": token, "name": "Mine"}).status_code == 404


def test_viewer_gets_403_on_writes(client, org, owner, viewer, login):
    """Does a viewer see suppliers but get 403 when creating or archiving one?"""
    supplier = suppliers.create_supplier(org, owner, name="Soapers Choice")
    login(viewer)
    assert client.get("/suppliers").status_code == 200
    token = csrf_token(client, "/settings")
    assert client.post("/suppliers/new", data={"csrf_token": token, "name": "Nope"}).status_code == 403
    assert client.post(f"/suppliers/{supplier.id}/archive", data={"csrf_token": token}).status_code == 403
    assert _suppliers(org) == 1


def test_missing_csrf_is_400(client, org, owner, login):
    """Is a supplier POST without CSRF refused?"""
    login(owner)
    assert client.post("/suppliers/new", data={"name": "No Token"}).status_code == 400
    assert _suppliers(org) == 0
