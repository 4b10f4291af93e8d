"""Global library seeding and browsing; suppliers (validation, archive, tenancy)."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import GlobalItem
from app.services import library, suppliers
from app.services.errors import NotFound, PermissionDenied, ValidationFailed

from ...factories import make_org, make_user

pytestmark = pytest.mark.usefixtures("reference_data")



def test_seed_library_is_idempotent_and_updates_by_name(db, tmp_path):
    """Does seeding twice keep one row per name, and a changed file update the entry in place?"""
    count = len(json.loads(library.LIBRARY_FILE.read_text()))
    assert count >= 200
    assert library.seed_library() == count
    assert library.seed_library() == count
    assert db.session.scalar(select(func.count(GlobalItem.id))) == count
    olive = library.list_library(q="olive oil").items[0]
    assert olive.density == Decimal("0.915") and olive.sap_naoh == Decimal("0.135449") and olive.fatty_acids["oleic"]
    data = json.loads(library.LIBRARY_FILE.read_text())
    data[0]["shelf_life_days"] = 1
    changed = tmp_path / "library.json"
    changed.write_text(json.dumps(data))
    try:
        library.seed_library(changed)
        assert library.get_library_item(olive.id).shelf_life_days == 1
    finally:
        library.seed_library()
    assert library.get_library_item(olive.id).shelf_life_days == 730


def test_list_library_search_category_and_pages(db):
    page = library.list_library(category="container", per_page=5)
    assert page.total == 13 and len(page.items) == 5 and page.has_next
    assert all(entry.kind == "container" for entry in page.items)
    by_inci = library.list_library(q="Butyrospermum")
    assert by_inci.total >= 1
    assert "oil" in library.list_categories()
    with pytest.raises(NotFound):
        library.get_library_item(999999)
    with pytest.raises(NotFound):
        library.get_library_item("abc")


def test_suppliers_validate_and_stay_in_their_organization(org, owner, viewer):
    supplier = suppliers.create_supplier(org, owner, name=" Bramble Berry ", lead_time_days="7", email="a@b.test")
    assert supplier.name == "Bramble Berry" and supplier.lead_time_days == 7
    for fields, key in [(dict(name=""), "name"), (dict(name="bramble berry"), "name"),
                        (dict(name="X", lead_time_days=366), "lead_time_days"),
                        (dict(name="X", lead_time_days=-1), "lead_time_days"),
                        (dict(name="X", lead_time_days="2.5"), "lead_time_days"),
                        (dict(name="X", lead_time_days=True), "lead_time_days")]:
        with pytest.raises(ValidationFailed) as err:
            suppliers.create_supplier(org, owner, **fields)
        assert key in err.value.fields
    with pytest.raises(PermissionDenied):
        suppliers.create_supplier(org, viewer, name="Nope")
    assert [s.name for s in suppliers.list_suppliers(org, viewer)] == ["Bramble Berry"]
    suppliers.update_supplier(org, owner, supplier.id, lead_time_days=None, phone="555")
    assert suppliers.get_supplier(org, viewer, supplier.id).lead_time_days is None
    suppliers.archive_supplier(org, owner, supplier.id)
    assert suppliers.list_suppliers(org, viewer) == []
    assert len(suppliers.list_suppliers(org, viewer, include_archived=True)) == 1
    suppliers.restore_supplier(org, owner, supplier.id)
    stranger_org = make_org("Elsewhere")
    stranger = make_user(stranger_org, role="owner")
    with pytest.raises(NotFound):
        suppliers.get_supplier(stranger_org, stranger, supplier.id)
    with pytest.raises(NotFound):
        suppliers.update_supplier(stranger_org, stranger, supplier.id, name="Mine")
