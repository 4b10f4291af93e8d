"""The "export" job: one of the CSV exports built in the background, offered as a download on the job's page
(for large lists; small ones download at once). Params {"name"}; result {"name", "rows", "download"}."""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from ...extensions import db
from ...models import Batch, InventoryEvent, InventoryItem, InventoryLot, Sale, Supplier
from .. import tenancy
from ..authz import authorize
from ..errors import NotFound
from ..jobs import handler
from ..timezones import org_today
from .exports import EXPORTS, export_csv

BACKGROUND_ROWS = 5_000  # exports with more rows than this are offered as a background job
_COUNTED = {"items": InventoryItem, "lots": InventoryLot, "events": InventoryEvent, "batches": Batch, "sales": Sale,
            "suppliers": Supplier, "reorder": InventoryItem}
LABELS = {"events": "ledger"}


def _check(params: dict) -> None:
    name = params.get("name")
    if not isinstance(name, str) or name not in EXPORTS:
        raise NotFound(f"There is no {str(name)[:40]!r} export; exports: {', '.join(EXPORTS)}.")


def export_title(name: str) -> str:
    """"Export of items.csv" (the ledger is events.csv)."""
    return f"Export of {LABELS.get(name, name)}.csv"


def export_sizes(org, actor) -> dict[str, int]:
    """Rows each export would have (reorder: at most one per item), one query (a count per table)."""
    authorize(actor, org, "reports.export")
    models = list(dict.fromkeys(_COUNTED.values()))
    row = db.session.execute(select(*(tenancy.scoped(model, org, func.count(model.id)).scalar_subquery()
                                      for model in models))).one()
    counts = {model: count or 0 for model, count in zip(models, row)}
    return {name: counts[model] for name, model in _COUNTED.items()}


def large_exports(org, actor) -> set[str]:
    """The exports big enough to build in the background."""
    return {name for name, rows in export_sizes(org, actor).items() if rows > BACKGROUND_ROWS}


@handler("export", permission="reports.export", check=_check)
def run_export(ctx) -> dict:
    """Build the CSV for the job's creator; the file is kept on the job for its page to download."""
    _check(ctx.params)
    name = ctx.params["name"]
    text = export_csv(ctx.org, ctx.actor, name)
    rows = max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)
    ctx.progress(rows, rows)
    filename = f"{LABELS.get(name, name)}-{org_today(ctx.org).isoformat()}.csv"
    return {"name": name, "rows": rows,
            "download": {"filename": filename, "content_type": "text/csv", "text": text}}
