"""CSV import plumbing shared by every kind: read the file (header = row 1, case-insensitive; csv_rows), collect
problems with their row and column, match names once for the whole file, and hand every row to one bulk call of
the inventory service: all rows written in ONE transaction, only when no row has a problem (never on a dry run)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func

from ...extensions import db
from ..csv_rows import read_rows
from ..errors import DomainError
from ..jobs.runner import report_progress

MAX_ROWS = 10_000
MAX_CHARS = 5_000_000
PROGRESS_EVERY = 100  # rows between progress reports (a no-op outside a background job)
# service field names → the CSV column that carries them
FIELD_COLUMNS = {"supplier_id": "supplier", "location_id": "location", "expires_on": "expires_at",
                 "item_id": "item", "requested": "quantity"}


@dataclass
class Problem:
    row: int  # line number in the file; the header is row 1
    column: str
    message: str

    def as_json(self) -> dict:
        """{"row", "column", "message"} (API.md)."""
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    valid: int = 0
    created: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    _cells: set = field(default_factory=set, repr=False, compare=False)  # (row, column) already reported

    @property
    def ok(self) -> bool:
        """No problem anywhere in the file."""
        return not self.problems

    def add(self, row: int, column: str, message: str) -> None:
        """Record one problem — the first one of its row and column: a cell is reported once (a later check of
        the same cell only repeats, or follows from, what is already said)."""
        if (row, column) in self._cells:
            return
        self._cells.add((row, column))
        message = message.strip() or "Invalid value."
        self.problems.append(Problem(row, column, message if message.endswith(".") else f"{message}."))

    def report(self) -> dict:
        """The dry-run answer: {"kind", "rows", "valid", "errors"}."""
        return {"kind": self.kind, "rows": self.rows, "valid": self.valid,
                "errors": [p.as_json() for p in self.problems]}

    def fields(self) -> dict[str, str]:
        """{"row 3 quantity": "…"}: the API error's `fields`."""
        result: dict[str, str] = {}
        for problem in self.problems:
            key = f"row {problem.row} {problem.column}"
            result[key] = f"{result[key]} {problem.message}" if key in result else problem.message
        return result


def read_csv(file_text, result: ImportResult, *, columns: tuple[str, ...], required: tuple[str, ...],
             one_of: tuple[tuple[str, ...], str] | None = None):
    """[(row number, {column: value})] of the file, or None (problems recorded) when it cannot be read."""
    rows = read_rows(file_text, result.add, columns=columns, required=required, one_of=one_of, max_rows=MAX_ROWS,
                     max_chars=MAX_CHARS, too_large=f"The file is too large (at most {MAX_CHARS // 1_000_000} MB)")
    if rows is None:
        return None
    result.rows = rows.count
    return rows.records


def by_name(org, model, names) -> dict[str, object]:
    """{lower-cased name: row} of this organization's `model` rows with those names."""
    from .. import tenancy

    wanted = sorted({n.lower() for n in names if n})
    if not wanted:
        return {}
    stmt = tenancy.scoped(model, org).where(func.lower(model.name).in_(wanted))
    if hasattr(model, "archived_at"):  # an active row wins over an archived one of the same name
        stmt = stmt.order_by(model.archived_at.is_not(None), model.id)
    rows = db.session.scalars(stmt)
    found: dict[str, object] = {}
    for row in rows:
        found.setdefault(row.name.lower(), row)
    return found


def named(result: ImportResult, number: int, column: str, name: str, known: dict, label: str):
    """The row `name` (from by_name's `known`), or None with “Unknown <label> “name”” on that row and column."""
    found = known.get(name.lower())
    if found is None:
        result.add(number, column, f"Unknown {label} “{name}”")
    return found


def run_bulk(result: ImportResult, records, prepare, write, *, default_column: str, dry_run: bool) -> None:
    """Prepare (parse and match) every row, then hand them all to the inventory service's bulk call
    `write(values_list, write=bool)` (a BulkOutcome): it checks every row as its one-row verb does — a row whose
    name did not match is checked too, so each of its other problems is reported with it — and writes them all
    in one transaction, only when no row of the file has a problem and this is no dry run."""
    prepared = []
    for index, (number, record) in enumerate(records):
        if index % PROGRESS_EVERY == 0:
            report_progress(index, len(records))  # a background import's progress bar
        prepared.append((number, record, prepare(number, record)))
    outcome = write([values for _, _, values in prepared], write=not dry_run and not result.problems)
    for index, error in sorted(outcome.errors.items()):
        number, record, _ = prepared[index]
        _add_error(result, number, record, error, default_column)
    result.problems.sort(key=lambda problem: problem.row)
    bad = {problem.row for problem in result.problems}
    result.valid = sum(1 for number, _ in records if number not in bad)
    if not dry_run and result.ok:
        result.created = len(outcome.written)


def _add_error(result: ImportResult, number: int, record: dict, error: DomainError, default_column: str) -> None:
    fields = error.fields or {}
    if not fields:
        result.add(number, default_column, error.message)
        return
    for key, message in fields.items():
        column = FIELD_COLUMNS.get(key, key)
        if column not in record:
            column = default_column
        result.add(number, column, str(message) if str(message) else error.message)
