"""Shared set-up for benchmarks: a scratch database (SQLite file, or PostgreSQL when DATABASE_URL is
set), reference data, one organization and its owner. Benchmarks print figures; they assert nothing."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text  # noqa: E402

from app import create_app  # noqa: E402
from app.config import normalize_database_url  # noqa: E402
from app.extensions import db  # noqa: E402


def make_bench_app():
    """(app, backend label). Uses DATABASE_URL (PostgreSQL) when set, else a temporary SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if url:
        uri, label = normalize_database_url(url), "PostgreSQL"
    else:
        uri, label = f"sqlite:///{tempfile.mkdtemp()}/bench.db", "SQLite"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": uri, "RATELIMIT_ENABLED": False})
    with app.app_context():
        if label == "PostgreSQL":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
            db.session.commit()
        db.create_all()
        from app.cli.seed import REFERENCE_SEEDERS

        for _, seeder in REFERENCE_SEEDERS:
            seeder()
    return app, label


def make_org_and_owner(name: str = "Bench Soap Co."):
    from app.services import accounts

    org = accounts.create_organization(name=name, owner_email=f"owner{time.time_ns()}@bench.test",
                                       password="bench-password", tier_key="enterprise")
    return org, org and next(u for u in _members(org))


def _members(org):
    from app.models import User

    return db.session.scalars(db.select(User).where(User.organization_id == org.id))


def bulk_items(org, total: int, prefix: str = "Bulk ingredient") -> None:
    """Bring the organization to `total` items, each with one lot of 40 g at 0.01, inserted through the
    models in one transaction (10,000 items take seconds, where the services would take minutes)."""
    from decimal import Decimal

    from sqlalchemy import func, select

    from app.models import InventoryItem, InventoryLot
    from app.services.base import transaction

    with transaction():
        existing = db.session.scalar(select(func.count(InventoryItem.id)).where(InventoryItem.organization_id == org.id))
        items = [InventoryItem(organization_id=org.id, name=f"{prefix} {n:05d}", kind="ingredient", unit="g",
                               quantity=Decimal("40"), reorder_point=Decimal("50"), allergens="", notes="")
                 for n in range(existing, total)]
        db.session.add_all(items)
        db.session.flush()
        db.session.add_all([InventoryLot(organization_id=org.id, item_id=item.id, code=f"BULK-{item.id:06d}",
                                         original_quantity=Decimal("40"), remaining_quantity=Decimal("40"),
                                         unit_cost=Decimal("0.01"), notes="") for item in items])


@contextmanager
def counting_queries():
    class Counter:
        count = 0

    counter = Counter()

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            counter.count += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


SUMMARY_PREFIX = "SUMMARY|"


def summary(goal: str, measure: str, figure: str, target: str = "", ratio: float | None = None,
            ok: bool | None = None) -> None:
    """One line for run_all's final table: the goal of issue 11 it reports (1, 2, 3, 5), what was measured,
    the figure, the target, the ratio (figure / target, or the growth ratio) and ok / MISSED (None: a figure
    to read, no pass mark)."""
    status = "-" if ok is None else ("ok" if ok else "MISSED")
    shown = "" if ratio is None else f"{ratio:.2f}x"
    cells = (goal, measure, figure, target, shown, status)
    print(SUMMARY_PREFIX + "|".join(str(cell).replace("|", "/") for cell in cells), flush=True)


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    """(median ms, min ms) of `repeat` calls of fn()."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)
