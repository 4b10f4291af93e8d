#!/usr/bin/env python3
"""CSV import benchmark (issue 13, item 5): a 10,000-row items file, then a 10,000-row opening-stock file,
each imported through app.services.imports.import_csv in one transaction (goal: under 10 s each on SQLite).

    python bench/bench_imports.py                      # SQLite scratch file in a temp directory
    DATABASE_URL=postgresql://…/scratch python bench/bench_imports.py   # PostgreSQL scratch database

Prints the seconds of a dry run (validation only) and of the real import of each file, and a goal line.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROWS = 10_000
GOAL_SECONDS = 10.0


def items_file(rows: int = ROWS) -> str:
    """`rows` items: ingredients in g with a supplier and reorder point, containers counted in each."""
    lines = ["name,kind,unit,density,shelf_life_days,reorder_point,supplier"]
    for n in range(rows):
        if n % 4 == 3:
            lines.append(f"Jar {n:05d},container,each,,,24,")
        else:
            lines.append(f"Oil {n:05d},ingredient,g,0.92,365,500,{'Wax & Wick' if n % 2 else 'bramble berry'}")
    return "\n".join(lines) + "\n"


def stock_file(rows: int = ROWS) -> str:
    """`rows` restocks of the items above: other units (kg, lb, dozen), costs, dates, lot codes, locations."""
    lines = ["item,quantity,unit,unit_cost,received_at,expires_at,supplier_lot_code,location"]
    for n in range(rows):
        if n % 4 == 3:
            lines.append(f"Jar {n:05d},2,dozen,9.60,2026-01-{1 + n % 28:02d},,BOX-{n},shed")
        else:
            unit, qty = (("kg", "1.5"), ("g", "750"), ("lb", "2"))[n % 3]
            lines.append(f"oil {n:05d},{qty},{unit},4.25,2026-02-{1 + n % 28:02d},2027-02-01,SUP-{n},"
                         f"{'Shed' if n % 5 == 0 else ''}")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Time both imports; print seconds and the goal line; exit 1 if an import fails."""
    from common import make_bench_app, make_org_and_owner

    from app.extensions import db

    app, label = make_bench_app()
    with app.app_context():
        from app.services import imports, suppliers
        from app.services.inventory import create_location

        org, owner = make_org_and_owner()
        suppliers.create_supplier(org, owner, name="Wax & Wick")
        suppliers.create_supplier(org, owner, name="Bramble Berry")
        create_location(org, owner, name="Shed")
        print(f"database: {label}, {ROWS:,} rows per file")
        figures = {}
        for kind, text in (("items", items_file()), ("stock", stock_file())):
            start = time.perf_counter()
            report = imports.import_csv(org, owner, kind, text, dry_run=True)
            checked = time.perf_counter() - start
            if report.problems:
                print(f"{kind}: {len(report.problems)} problems, first {report.problems[:3]}")
                return 1
            start = time.perf_counter()
            result = imports.import_csv(org, owner, kind, text)
            figures[kind] = time.perf_counter() - start
            print(f"{kind}: check {checked:.2f} s, import {figures[kind]:.2f} s ({result.created:,} rows written)")
        for kind, seconds in figures.items():
            print(f"goal: {ROWS:,}-row {kind} import under {GOAL_SECONDS:.0f} s on {label}: {seconds:.2f} s "
                  f"({'met' if seconds < GOAL_SECONDS else 'MISSED'})")
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
