"""The "import" job: a CSV import run in the background (big files from the import page). Params
{"kind": "items|stock|sales", "csv_text", "filename"}; result {"kind", "created", "rows", "filename"}, or a
failure with the file's problems (the first 50) in result {"errors": [{"row", "column", "message"}]}."""
from __future__ import annotations

from ..errors import ValidationFailed
from ..jobs import JobFailed, handler
from . import IMPORT_KINDS, import_csv, import_kind

MAX_PROBLEMS_KEPT = 50


def _kind(params: dict) -> str:
    return import_kind(params.get("kind"))


def _permission(params: dict) -> str:
    """inventory.import for items and stock, sales.import for sales."""
    return IMPORT_KINDS[_kind(params)][1]


def _check(params: dict) -> None:
    if not isinstance(params.get("csv_text"), str):
        raise ValidationFailed("Choose a CSV file to import.", fields={"file": "Choose a CSV file."})
    if params.get("filename") is not None and not isinstance(params["filename"], str):
        raise ValidationFailed("The file name must be text.", fields={"file": "Invalid file name."})


@handler("import", permission=_permission, check=_check, drop_on_success=("csv_text",))
def run_import(ctx) -> dict:
    """Import the file in one transaction (all rows or none), for the job's creator."""
    kind = _kind(ctx.params)
    filename = ctx.params.get("filename") or f"{kind}.csv"
    try:
        result = import_csv(ctx.org, ctx.actor, kind, ctx.params.get("csv_text") or "")
    except ValidationFailed as error:
        found = getattr(error, "result", None)
        if found is None:
            raise
        raise JobFailed(error.message, result={
            "kind": kind, "filename": filename, "rows": found.rows, "problems": len(found.problems),
            "errors": [problem.as_json() for problem in found.problems[:MAX_PROBLEMS_KEPT]]}) from None
    ctx.progress(result.rows, result.rows)
    return {"kind": kind, "created": result.created, "rows": result.rows, "filename": filename}
