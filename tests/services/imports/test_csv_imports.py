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


def test_the_separator_is_found_from_the_header_line():
    """Commas unless the header has none: then semicolons (a spreadsheet with comma decimals) or tabs."""
    from app.services.csv_rows import delimiter

    assert delimiter("name,kind;x\nA;b,c\n") == ","
    assert delimiter("\ufeffname;kind;unit\r\nSoy wax;ingredient;g\r\n") == ";"
    assert delimiter("name\tkind\tunit\n") == "\t"
    assert delimiter("name\nSoy wax; the good one\n") == ","  # one column: nothing to split on


def test_a_date_in_another_format_names_the_format_to_use(org, owner):
    """A sales file with a US date (11/28/2026): the problem on its date column says how to write it."""
    make_item(org, owner, name="Jar", unit="each")
    with pytest.raises(ValidationFailed) as error:
        import_csv(org, owner, "sales", "item,quantity,unit_price,date\nJar,1,2.00,11/28/2026\n")
    [problem] = [p for p in error.value.result.problems if p.column == "date"]
    assert problem.row == 2 and "YYYY-MM-DD" in problem.message


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


def test_item_names_are_unique_against_the_organization_and_within_the_file(org, owner):
    """A name already in use, and a name on two rows of the file: both reported on their rows; none written."""
    make_item(org, owner, name="Soy wax")
    text = "name,kind,unit\nsoy WAX,ingredient,g\nJar,container,each\njar,container,each\n"
    with pytest.raises(ValidationFailed) as excinfo:
        import_csv(org, owner, "items", text)
    assert _errors(excinfo) == {(2, "name"), (4, "name")}
    assert _count(InventoryItem, org) == 1


def test_a_bulk_stock_import_keeps_the_ledger_invariants_and_codes(org, owner):
    """Many rows over several items: one lot and one restock event per row with fresh codes, quantities summed
    per item, item quantity = Σ lots = Σ ledger; the next restock continues the lot counter."""
    from app.services.inventory import restock

    oil = make_item(org, owner, name="Olive oil", unit="g")
    jars = make_item(org, owner, name="Jar", unit="each")
    rows = "".join(f"Olive oil,{n + 1},g,0.02\nJar,1,dozen,6\n" for n in range(30))
    result = import_csv(org, owner, "stock", "item,quantity,unit,unit_cost\n" + rows)
    assert result.created == 60
    db.session.expire_all()
    assert db.session.get(InventoryItem, oil.id).quantity == Decimal(sum(range(1, 31)))
    assert db.session.get(InventoryItem, jars.id).quantity == Decimal(360)
    lots = list(db.session.scalars(tenancy.scoped(InventoryLot, org)))
    events = list(db.session.scalars(tenancy.scoped(InventoryEvent, org)))
    assert len({lot.code for lot in lots}) == 60 and len({event.code for event in events}) == 60
    assert {event.lot_id for event in events} == {lot.id for lot in lots}
    assert all(lot.notes == "Imported from CSV" and lot.location_id is not None for lot in lots)
    jar_lot = next(lot for lot in lots if lot.item_id == jars.id)
    assert jar_lot.unit_cost == Decimal("0.5")  # 6 per dozen = 0.50 each
    later = restock(org, owner, oil.id, quantity="1")
    assert later.lot.code not in {lot.code for lot in lots}
    assert_invariants(org)


def test_a_dry_run_checks_every_row_like_the_real_import_and_writes_nothing(org, owner):
    """Archived item, a future date, a whole-count item given a fraction: reported by the dry run too."""
    from app.services.inventory import archive_item

    old = make_item(org, owner, name="Old wax", unit="g")
    archive_item(org, owner, old.id)
    make_item(org, owner, name="Jar", unit="each")
    text = "item,quantity,received_at\nJar,1.5,\nJar,1,2999-01-01\nJar,2,\nOld wax,1,\n"
    report = import_csv(org, owner, "stock", text, dry_run=True)
    assert {(p.row, p.column) for p in report.problems} == {(2, "quantity"), (3, "received_at"), (5, "item")}
    assert (report.rows, report.valid) == (4, 1)
    assert _count(InventoryLot, org) == 0


def test_numbers_are_read_as_the_files_spreadsheet_wrote_them(org, owner):
    """'2,000' (thousands, as the app prints them) in a comma file; '2,5' and '1.234,5' (decimal comma) in a file
    separated by semicolons; a name with a comma in it stays as written."""
    wax = make_item(org, owner, name="Soy wax, refined", unit="g")
    import_csv(org, owner, "stock", 'item,quantity,unit_cost\n"Soy wax, refined","2,000",0.01\n')
    import_csv(org, owner, "stock", "item;quantity;unit_cost\nSoy wax, refined;1.234,5;0,02\nSoy wax, refined;2,5;1\n")
    lots = list(db.session.scalars(tenancy.scoped(InventoryLot, org).order_by(InventoryLot.id)))
    assert [(lot.original_quantity, lot.unit_cost) for lot in lots] == [
        (Decimal("2000"), Decimal("0.01")), (Decimal("1234.5"), Decimal("0.02")), (Decimal("2.5"), Decimal("1"))]
    assert_invariants(org, wax.id)
    with pytest.raises(ValidationFailed) as error:  # not a well-grouped number: the import's own message
        import_csv(org, owner, "stock", 'item,quantity\n"Soy wax, refined","1,00"\n')
    assert _errors(error) == {(2, "quantity")}
