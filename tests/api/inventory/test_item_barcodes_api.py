"""Items' barcodes over the JSON API: returned on the Item, spaces removed, unique per organization (422)."""
from __future__ import annotations

import pytest

from ...factories import make_item

pytestmark = pytest.mark.usefixtures("reference_data")


def test_item_barcode_is_created_and_returned(api, owner):
    """Does POST /api/v1/inventory take an optional barcode, store it without spaces and return it?"""
    response = api(owner).post("/api/v1/inventory", json={"name": "Shea butter", "kind": "ingredient", "unit": "g",
                                                          "barcode": "5 012345 678900"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["barcode"] == "5012345678900"
    plain = api(owner).post("/api/v1/inventory", json={"name": "Cocoa butter", "kind": "ingredient", "unit": "g"})
    assert plain.status_code == 201 and plain.get_json()["barcode"] is None


def test_duplicate_barcode_is_a_422_naming_the_field(api, owner, org, other_org, other_owner):
    """Is a barcode already on an item of the organization refused with 422 and fields.barcode, while another
    organization may use it?"""
    make_item(org, owner, name="Shea butter", barcode="5012345678900")
    response = api(owner).post("/api/v1/inventory", json={"name": "Cocoa butter", "kind": "ingredient", "unit": "g",
                                                          "barcode": "5012345678900"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and "Shea butter" in error["fields"]["barcode"]
    theirs = api(other_owner).post("/api/v1/inventory", json={"name": "Shea butter", "kind": "ingredient",
                                                              "unit": "g", "barcode": "5012345678900"})
    assert theirs.status_code == 201
