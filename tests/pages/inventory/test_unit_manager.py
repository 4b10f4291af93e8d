"""Unit manager: units by dimension, organization units, densities, item unit mappings."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.models.inventory import InventoryItem
from app.models.units import ItemUnitMapping
from app.services import tenancy, units

from ...factories import bulk_items, make_item
from ...helpers import count_queries, csrf_token, post_form

pytestmark = pytest.mark.usefixtures("reference_data")



def test_unit_manager_lists_units_by_dimension(client, org, owner, login):
    """Does the unit manager show every dimension with its units?"""
    login(owner)
    html = client.get("/units").get_data(as_text=True)
    for text in ("Weight", "Volume", "Count", "fl oz", "kg"):
        assert text in html


def test_add_and_delete_an_organization_unit(client, org, owner, login):
    """Can a maker add their own unit and delete it again?"""
    login(owner)
    response = post_form(client, "/units/custom", {"name": "scoop", "dimension": "volume", "factor": "30"},
                         form_url="/units")
    assert response.status_code == 302
    unit = next(u for u in units.list_units(org, owner) if u.name == "scoop")
    assert unit.factor == Decimal("30")
    assert units.convert(org, Decimal("2"), "scoop", "mL") == Decimal("60")
    response = post_form(client, f"/units/custom/{unit.id}/delete", {}, form_url="/units")
    assert response.status_code == 302
    db.session.expire_all()
    assert "scoop" not in [u.name for u in units.list_units(org, owner)]


@pytest.mark.parametrize("data", [
    {"name": "", "dimension": "volume", "factor": "30"},
    {"name": "scoop", "dimension": "volume", "factor": "-3"},
    {"name": "scoop", "dimension": "volume", "factor": "lots"},
    {"name": "scoop", "dimension": "time", "factor": "3"},
    {"name": "g", "dimension": "weight", "factor": "3"},
])
def test_bad_unit_input_is_422(client, org, owner, login, data):
    """Is a bad organization unit a 422 with nothing written?"""
    login(owner)
    before = len(units.list_units(org, owner))
    assert post_form(client, "/units/custom", data, form_url="/units").status_code == 422
    assert len(units.list_units(org, owner)) == before


def test_set_density_and_mappings_from_the_unit_manager(client, org, owner, login):
    """Can densities and item units be set and removed from the unit manager?"""
    item = make_item(org, owner, "Soy Wax")
    login(owner)
    response = post_form(client, f"/units/items/{item.id}/density", {"density": "0.9"}, form_url="/units")
    assert response.status_code == 302 and response.headers["Location"].endswith("/units#densities")
    db.session.expire_all()
    assert tenancy.get_for_org(InventoryItem, item.id, org).density == Decimal("0.9")
    response = post_form(client, "/units/mappings", {"item_id": item.id, "unit_name": "bag", "quantity": "25",
                                                     "in_unit": "kg"}, form_url="/units")
    assert response.status_code == 302
    mapping = units.list_item_unit_mappings(org, owner, item.id)[0]
    assert "1 bag = 25 kg" in client.get("/units").get_data(as_text=True)
    response = post_form(client, f"/units/mappings/{mapping.id}/delete", {}, form_url="/units")
    assert response.status_code == 302
    assert units.list_item_unit_mappings(org, owner, item.id) == []


def test_density_is_set_from_the_items_own_form_and_the_table_is_cards(client, org, owner, login):
    """An item without a density: does its "set it" open its own edit form at the Density field (the units page
    lists every item, paginated, so the maker had to hunt for it), and is the density table a card list on a phone
    with labelled cells (its "Stock unit" header broke a letter per line)?"""
    item = make_item(org, owner, "Soy Wax")
    login(owner)
    html = client.get(f"/inventory/{item.id}").get_data(as_text=True)
    assert f'href="/inventory/{item.id}/edit#density" data-testid="set-density">set it</a>' in html
    assert 'id="density"' in client.get(f"/inventory/{item.id}/edit").get_data(as_text=True)
    units_page = client.get("/units").get_data(as_text=True)
    assert 'class="striped cards" data-testid="density-table"' in units_page
    assert '<td data-label="Stock unit">g</td>' in units_page


def test_bad_density_and_mapping_are_422(client, org, owner, login):
    """Are a bad density and a bad mapping 422s with nothing written?"""
    item = make_item(org, owner, "Stearic Acid")
    login(owner)
    assert post_form(client, f"/units/items/{item.id}/density", {"density": "500"}, form_url="/units").status_code == 422
    assert post_form(client, f"/units/items/{item.id}/density", {"density": "x"}, form_url="/units").status_code == 422
    for data in ({"item_id": item.id, "unit_name": "bag", "quantity": "0", "in_unit": "kg"},
                 {"item_id": item.id, "unit_name": "bag", "quantity": "5", "in_unit": "furlong"},
                 {"item_id": item.id, "unit_name": "", "quantity": "5", "in_unit": "kg"},
                 {"item_id": "", "unit_name": "bag", "quantity": "5", "in_unit": "kg"}):
        assert post_form(client, "/units/mappings", data, form_url="/units").status_code == 422, data
    db.session.expire_all()
    assert tenancy.get_for_org(InventoryItem, item.id, org).density is None
    assert units.list_item_unit_mappings(org, owner, item.id) == []


def test_another_organizations_item_and_mapping_are_404(client, org, other_org, owner, other_owner, login):
    """Are another organization's items and mappings out of reach (404)?"""
    theirs = make_item(other_org, other_owner, "Their Wax")
    mapping = units.add_item_unit_mapping(other_org, other_owner, theirs.id, unit_name="slab", quantity="2",
                                          in_unit="kg")
    login(owner)
    token = csrf_token(client, "/units")
    assert client.post(f"/units/items/{theirs.id}/density",
                       data={"density": "0.9", "csrf_token": token}).status_code == 404
    assert client.post(f"/units/mappings/{mapping.id}/delete", data={"csrf_token": token}).status_code == 404
    assert client.post("/units/mappings", data={"item_id": theirs.id, "unit_name": "bar", "quantity": "1",
                                                "in_unit": "g", "csrf_token": token}).status_code == 404
    assert tenancy.find_for_org(ItemUnitMapping, other_org, id=mapping.id) is not None


def test_viewer_sees_units_but_cannot_change_them(client, org, owner, viewer, login):
    """Does a viewer see the unit manager without forms and get 403 on writes?"""
    item = make_item(org, owner, "Glycerin")
    login(viewer)
    html = client.get("/units").get_data(as_text=True)
    assert 'data-testid="unit-form"' not in html
    token = csrf_token(client, "/settings")
    assert client.post("/units/custom", data={"name": "x", "dimension": "count", "factor": "2",
                                              "csrf_token": token}).status_code == 403
    assert client.post(f"/units/items/{item.id}/density", data={"density": "1.2",
                                                                "csrf_token": token}).status_code == 403


def test_unit_manager_query_count_does_not_grow(client, org, owner, login):
    """Does the unit manager cost the same number of queries with 5 and 300 items?"""
    bulk_items(org, 5)
    login(owner)
    db.session.expire_all()
    with count_queries() as small:
        assert client.get("/units").status_code == 200
    bulk_items(org, 295, start=5)
    db.session.expire_all()
    with count_queries() as large:
        assert client.get("/units").status_code == 200
    assert large.count == small.count
