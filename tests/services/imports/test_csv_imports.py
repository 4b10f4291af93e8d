"""CSV import of items, stock and sales: every problem with its row and column before anything is written,
then every row in one transaction — or nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import InventoryEvent, InventoryItem, InventoryLot, Sale
from app.services import tenancy
from app.services.errors import NotFound, PermissionDenied, ValidationFailed
from app.services.imports import import_csv
from app.services.inventory import create_location
from tests.factories import assert_invariants, make_item, make_supplier, stocked_sku

pytestmark = pytest.mark.usefixtures("reference_data")


def _count(model, org):
    return db.session.scalar(select(func.count()).select_from(model).where(model.organization_id == org.id))


def _errors(excinfo):
    return {(p.row, p.column) for p in excinfo.value.result.problems}


def test_a_good_items_file_creates_every_item_with_its_supplier(org, owner):
    """Are all items created in one call, supplier matched by name (any case), headers in any case?"""
    make_supplier(org, name="Wax & Wick")
    text = ("Name,KIND,Unit,density,shelf_life_days,reorder_point,supplier\n"
            "Soy wax,ingredient,g,,365,500,wax & wick\n"
            "Jar 8oz,container,each,,,,\n")
    result = import_csv(org, owner, "items", text)
    assert (result.rows, result.valid, result.created) == (2, 2, 2)
    items = {i.name: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org))}
    assert set(items) == {"Soy wax", "Jar 8oz"}
    assert items["Soy wax"].supplier is not None and items["Soy wax"].supplier.name == "Wax & Wick"
    assert items["Soy wax"].reorder_point == Decimal("500") and items["Soy wax"].shelf_life_days == 365


def test_a_bad_items_file_writes_nothing_and_names_each_row_and_column(org, owner):
    """Missing required value, bad number, unknown unit and unknown supplier: each reported, none written."""
    text = ("name,kind,unit,reorder_point,supplier\n"
            "Good wax,ingredient,g,10,\n"
            "Bad unit,ingredient,furlongs,,\n"
            "Bad number,ingredient,g,ten,\n"
            "Ghost,ingredient,g,,Nobody Ltd\n"
            ",ingredient,g,,\n")
    with pytest.raises(ValidationFailed) as excinfo:
        import_csv(org, owner, "items", text)
    assert _errors(excinfo) == {(3, "unit"), (4, "reorder_point"), (5, "supplier"), (6, "name")}
    assert _count(InventoryItem, org) == 0
    dry = import_csv(org, owner, "items", text, dry_run=True)
    assert (dry.rows, dry.valid, dry.created) == (5, 1, 0) and len(dry.problems) == 4
    assert _count(InventoryItem, org) == 0


def test_a_missing_column_is_reported_on_the_header_row(org, owner):
    """A file without the `quantity` column: row 1, column quantity; nothing written."""
    make_item(org, owner, name="Wax")
    with pytest.raises(ValidationFailed) as excinfo:
        import_csv(org, owner, "stock", "item,unit\nWax,g\n")
    assert _errors(excinfo) == {(1, "quantity")}
    assert _count(InventoryLot, org) == 0


def test_a_good_stock_file_restocks_every_row_in_units_and_locations(org, owner):
    """One lot and one restock ledger row per line, converted to the item's unit, at the named location."""
    wax = make_item(org, owner, name="Soy wax", unit="g")
    shed = create_location(org, owner, name="Shed")
    text = ("item,quantity,unit,unit_cost,received_at,expires_at,supplier_lot_code,location\n"
            "soy wax,2,kg,10,2026-01-05,2027-01-05,SUP-1,shed\n"
            "Soy wax,500,g,0.01,,,,\n")
    result = import_csv(org, owner, "stock", text)
    assert result.created == 2
    db.session.expire_all()
    assert db.session.get(InventoryItem, wax.id).quantity == Decimal("2500")
    lots = list(db.session.scalars(tenancy.scoped(InventoryLot, org).order_by(InventoryLot.id)))
    assert [lot.original_quantity for lot in lots] == [Decimal("2000"), Decimal("500")]
    assert lots[0].location_id == shed.id and lots[0].supplier_lot_code == "SUP-1"
    events = list(db.session.scalars(tenancy.scoped(InventoryEvent, org)))
    assert sorted(e.change_type for e in events) == ["restock", "restock"]
    assert_invariants(org)


def test_a_bad_stock_file_writes_nothing(org, owner, other_org, other_owner):
    """Unknown item (another org's name too), bad number, unknown unit, unknown location: each reported; the
    good rows are not written either."""
    make_item(org, owner, name="Wax", unit="g")
    make_item(other_org, other_owner, name="Their oil", unit="g")
    text = ("item,quantity,unit,location\n"
            "Wax,100,g,\n"
            "Nope,1,g,\n"
            "Wax,lots,g,\n"
            "Wax,1,parsecs,\n"
            "Their oil,1,g,\n"
            "Wax,1,g,Moon base\n")
    with pytest.raises(ValidationFailed) as excinfo:
        import_csv(org, owner, "stock", text)
    assert _errors(excinfo) == {(3, "item"), (4, "quantity"), (5, "unit"), (6, "item"), (7, "location")}
    assert _count(InventoryLot, org) == 0 and _count(InventoryEvent, org) == 0


def test_sales_import_by_item_name_or_sku(org, owner):
    """Sales name their item by SKU code or by item name; all recorded together."""
    stocked = stocked_sku(org, owner, quantity="10")
    text = (f"sku,item,quantity,unit_price,order_ref\n"
            f"{stocked['sku'].code},,2,8.00,A-1\n"
            f",{stocked['item'].name},3,8.00,A-2\n")
    result = import_csv(org, owner, "sales", text)
    assert result.created == 2
    assert _count(Sale, org) == 2
    with pytest.raises(ValidationFailed) as excinfo:
        import_csv(org, owner, "sales", "item,quantity,unit_price\nNo such thing,1,2\n")
    assert _errors(excinfo) == {(2, "item")}
    assert _count(Sale, org) == 2


def test_viewer_and_unknown_kind_are_refused(org, owner, viewer):
    """A viewer may not import; an unknown kind is not found."""
    with pytest.raises(PermissionDenied):
        import_csv(org, viewer, "items", "name,kind,unit\nX,ingredient,g\n")
    with pytest.raises(NotFound):
        import_csv(org, owner, "recipes", "name\nX\n")
