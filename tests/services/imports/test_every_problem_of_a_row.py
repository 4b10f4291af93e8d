"""Issue 13: a CSV row with several problems reports each of them (one entry per row and column, once), not only
the first — except a problem that only follows from another failed cell (no conversion of a quantity that is not
a number); and the file is still written all or nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import InventoryEvent, InventoryItem, InventoryLot, Sale
from app.services.errors import ValidationFailed
from app.services.imports import import_csv
from tests.factories import make_item, make_supplier, stocked_sku

pytestmark = pytest.mark.usefixtures("reference_data")


def _count(model, org):
    return db.session.scalar(select(func.count()).select_from(model).where(model.organization_id == org.id))


def _report(problems) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in problems]


def _each_cell_once(problems) -> None:
    cells = [(p.row, p.column) for p in problems]
    assert len(cells) == len(set(cells)), cells
    assert [p.row for p in problems] == sorted(p.row for p in problems)


def test_an_items_row_reports_each_of_its_problems(org, owner):
    """Unknown unit with a bad number; a taken name with a bad density; a bad kind, shelf life and supplier on
    one row; a name repeated after a row that failed otherwise: every problem, each on its own cell."""
    make_item(org, owner, name="Soy wax", unit="g")
    make_supplier(org, name="Wax & Wick")
    text = ("name,kind,unit,density,shelf_life_days,reorder_point,supplier\n"
            "Jar,container,furlongs,,,ten,\n"
            "soy wax,ingredient,g,heavy,,,\n"
            "Oil,potion,g,,-3,,Nobody\n"
            "Oil,ingredient,g,,,,wax & wick\n"
            ",ingredient,g,x,,,\n")
    with pytest.raises(ValidationFailed) as excinfo:
        import_csv(org, owner, "items", text)
    problems = excinfo.value.result.problems
    assert {(row, column) for row, column, _ in _report(problems)} == {
        (2, "unit"), (2, "reorder_point"), (3, "density"), (3, "name"), (4, "kind"), (4, "shelf_life_days"),
        (4, "supplier"), (5, "name"), (6, "name"), (6, "density")}
    messages = {(row, column): message for row, column, message in _report(problems)}
    assert messages[(2, "unit")] == "Unknown unit “furlongs”."
    assert messages[(2, "reorder_point")] == "Enter a number."
    assert messages[(3, "name")] == "Already in use."
    assert messages[(4, "supplier")] == "Unknown supplier “Nobody”."
    assert messages[(5, "name")] == "Named twice in the file."
    _each_cell_once(problems)
    assert _count(InventoryItem, org) == 1
    dry = import_csv(org, owner, "items", text, dry_run=True)
    assert _report(dry.problems) == _report(problems) and (dry.rows, dry.valid, dry.created) == (5, 0, 0)


def test_a_stock_row_reports_each_independent_problem_and_none_that_follows(org, owner):
    """Bad number + unknown unit: both. Bad number + a unit that cannot convert (no density): only the number.
    Unknown item + bad number + bad date: all three (no unit complaint for an item that is not known). Bad cost,
    expiry and location on one row: all three. The good row is not written either."""
    make_item(org, owner, name="Soy wax", unit="g")
    text = ("item,quantity,unit,unit_cost,received_at,expires_at,supplier_lot_code,location\n"
            "Soy wax,lots,parsecs,,,,,\n"
            "Soy wax,lots,mL,,,,,\n"
            "Nope,abc,parsecs,,someday,,,\n"
            "Soy wax,1,g,-1,,never,,Moon\n"
            "Soy wax,,mL,,,,,\n"
            "Soy wax,5,g,1,,,,\n")
    with pytest.raises(ValidationFailed) as excinfo:
        import_csv(org, owner, "stock", text)
    problems = excinfo.value.result.problems
    assert _report(problems) == [
        (2, "quantity", "Enter a number."), (2, "unit", "Unknown unit “parsecs”."),
        (3, "quantity", "Enter a number."),
        (4, "item", "Unknown item “Nope”."), (4, "quantity", "Enter a number."),
        (4, "received_at", "Enter a date as YYYY-MM-DD (e.g. 2026-03-14)."),
        (5, "location", "Unknown location “Moon”."), (5, "unit_cost", "Zero or more."),
        (5, "expires_at", "Enter a date as YYYY-MM-DD."),
        (6, "quantity", "Give a quantity."),
    ]
    assert "Row 2, column quantity: Enter a number (and 9 more problem(s))." in excinfo.value.message
    assert _count(InventoryLot, org) == 0 and _count(InventoryEvent, org) == 0
    dry = import_csv(org, owner, "stock", text, dry_run=True)
    assert _report(dry.problems) == _report(problems) and (dry.rows, dry.valid) == (6, 1)


def test_an_archived_item_with_a_bad_number_reports_both(org, owner):
    """The archived item on its item cell, the bad quantity on its own."""
    from app.services.inventory import archive_item

    old = make_item(org, owner, name="Old wax", unit="g")
    archive_item(org, owner, old.id)
    report = import_csv(org, owner, "stock", "item,quantity\nOld wax,zero\n", dry_run=True)
    assert [(p.row, p.column) for p in report.problems] == [(2, "item"), (2, "quantity")]
    assert "archived" in report.problems[0].message


def test_a_sales_row_reports_an_unknown_item_with_its_other_problems(org, owner):
    """Unknown item name + bad date; a known SKU with a bad quantity and price; an unknown SKU with a bad price:
    every problem of every row (an unknown name no longer hides the rest of the file); no sale written."""
    stocked = stocked_sku(org, owner, quantity="10")
    code = stocked["sku"].code
    text = ("sku,item,quantity,unit_price,date\n"
            ",Ghost,1,2.00,11/28/2026\n"
            f"{code},,many,free,\n"
            "NOPE-1,,1,x,\n"
            f"{code},,1,8.00,\n")
    with pytest.raises(ValidationFailed) as excinfo:
        import_csv(org, owner, "sales", text)
    problems = excinfo.value.result.problems
    assert _report(problems) == [
        (2, "item", "Unknown item “Ghost”."), (2, "date", "Enter a date as YYYY-MM-DD (e.g. 2026-03-14)."),
        (3, "quantity", "Enter a number."), (3, "unit_price", "Enter a number."),
        (4, "sku", "Unknown SKU code “NOPE-1”."), (4, "unit_price", "Enter a number."),
    ]
    assert _count(Sale, org) == 0
    dry = import_csv(org, owner, "sales", text, dry_run=True)
    assert _report(dry.problems) == _report(problems) and (dry.rows, dry.valid) == (4, 1)
