"""CSV import of items, stock (restocks) and sales (API.md, "Control tower"): a report of every problem
with its row and column before anything is written, then all rows in one transaction or none."""
from __future__ import annotations

from ..authz import authorize
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..features import feature_enabled
from .common import ImportResult, Problem
from .items import import_items
from .sales import import_sales
from .stock import import_stock

IMPORT_KINDS = {"items": (import_items, "inventory.import"), "stock": (import_stock, "inventory.import"),
                "sales": (import_sales, "sales.import")}


def import_kind(kind) -> str:
    """`kind` when it is one of the import kinds, else NotFound naming them."""
    if not isinstance(kind, str) or kind not in IMPORT_KINDS:
        raise NotFound(f"Unknown import kind “{str(kind)[:40]}”; expected items, stock or sales.")
    return kind


def import_csv(org, actor, kind: str, file_text, *, dry_run: bool = False) -> ImportResult:
    """Check (dry_run) or import a CSV file of `kind`. With problems (and not dry_run) raises ValidationFailed
    carrying the result as `.result`; nothing is written then, nor on a dry run."""
    run, permission = IMPORT_KINDS[import_kind(kind)]
    authorize(actor, org, permission)
    if not feature_enabled(org, "csv_import"):
        raise PermissionDenied("CSV import is not part of this plan.")
    result = ImportResult(kind=kind, dry_run=dry_run)
    run(org, actor, file_text, result, dry_run=dry_run)
    if not result.ok:
        result.created = 0
        if not dry_run:
            first = result.problems[0]
            more = f" (and {len(result.problems) - 1} more problem(s))" if len(result.problems) > 1 else ""
            error = ValidationFailed(f"Nothing was imported. Row {first.row}, column {first.column}: "
                                     f"{first.message.rstrip('.')}{more}.", fields=result.fields())
            error.result = result
            raise error
    return result


__all__ = ["IMPORT_KINDS", "import_kind", "ImportResult", "Problem", "import_csv"]
