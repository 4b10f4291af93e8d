"""Lots and ledger rows are written only by the inventory package (app/services/inventory/)."""
from __future__ import annotations

import ast
from pathlib import Path

from app.models import InventoryEvent, InventoryLot

SERVICES = Path(__file__).resolve().parents[3] / "app" / "services"
PACKAGE = SERVICES / "inventory"
WRITE_HELPERS = {"new_lot", "move_lot", "apply_plan"}  # inventory.fifo: the raw lot and event writes
MODELS = {"InventoryLot", "InventoryEvent"}


def _lot_and_event_columns() -> set[str]:
    """Attribute names only lots and ledger rows have (an assignment to one of them is a lot/event write)."""
    from app.extensions import db

    ours = {c.key for model in (InventoryLot, InventoryEvent) for c in model.__table__.columns}
    others = {c.key for mapper in db.Model.registry.mappers if mapper.class_ not in (InventoryLot, InventoryEvent)
              for c in mapper.class_.__table__.columns}
    return ours - others


def _from_fifo(func) -> bool:
    """fifo.new_lot(…) / inventory.fifo.new_lot(…) (a bare new_lot is caught by its import from fifo)."""
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    return (isinstance(owner, ast.Name) and owner.id == "fifo") or (isinstance(owner, ast.Attribute)
                                                                    and owner.attr == "fifo")


def _offences(path: Path, columns: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        where = f"{path}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in MODELS:
                found.append(f"{where}: constructs {name}")
            elif name in WRITE_HELPERS and _from_fifo(func):
                found.append(f"{where}: calls the lot writer {name}()")
            elif name in {"insert", "update", "delete"} and any(
                    isinstance(arg, ast.Name) and arg.id in MODELS for arg in node.args):
                found.append(f"{where}: {name}() on {node.args[0].id}")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and sub.attr in columns and isinstance(sub.ctx, ast.Store):
                        found.append(f"{where}: sets .{sub.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("inventory.fifo"):
            for alias in node.names:
                if alias.name in WRITE_HELPERS:
                    found.append(f"{where}: imports the lot writer {alias.name}")
    return found


def test_no_service_outside_the_inventory_package_writes_lots_or_ledger_rows(app):
    """Does any service module outside app/services/inventory/ construct, update or delete a lot or an
    event (InventoryLot(…), lot.remaining_quantity = …, lot.hold_reason = …, fifo.new_lot(…))?"""
    columns = _lot_and_event_columns()
    assert {"remaining_quantity", "original_quantity", "hold_reason", "hold_until", "change_type"} <= columns
    offenders = []
    for path in sorted(SERVICES.rglob("*.py")):
        if PACKAGE in path.parents:
            continue
        offenders += _offences(path, columns)
    assert not offenders, "Write lots and ledger rows through app.services.inventory:\n" + "\n".join(offenders)


def test_the_scan_catches_each_kind_of_write(app, tmp_path):
    """The scan is not vacuous: each way of writing a lot or an event outside the package is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from app.services.inventory.fifo import new_lot\n"
        "def f(org, lot, item):\n"
        "    InventoryLot(organization_id=org.id)\n"
        "    lot.remaining_quantity -= 1\n"
        "    lot.hold_reason = 'recall'\n"
        "    fifo.move_lot(org, None, item, lot, 1, change_type='use')\n"
        "    db.session.execute(update(InventoryEvent).values(notes=''))\n", encoding="utf-8")
    found = _offences(bad, _lot_and_event_columns())
    assert len(found) == 6, found
    assert any("constructs InventoryLot" in f for f in found) and any("update() on InventoryEvent" in f for f in found)
    assert any(".hold_reason" in f for f in found) and any(".remaining_quantity" in f for f in found)
