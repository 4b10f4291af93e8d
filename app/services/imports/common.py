"""CSV import plumbing shared by every kind: read the file (header = row 1, case-insensitive), collect
problems with their row and column, and run the rows in ONE transaction that is kept only when every row
went through (and never on a dry run)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func

from ...extensions import db
from ..base import transaction
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

    @property
    def ok(self) -> bool:
        """No problem anywhere in the file."""
        return not self.problems

    def add(self, row: int, column: str, message: str) -> None:
        """Record one problem."""
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


def read_csv(file_text, result: ImportResult, *, columns: tuple[str, ...], required: tuple[str, ...]):
    """[(row number, {column: value})] of the file, or None (problems recorded) when it cannot be read."""
    if isinstance(file_text, bytes):
        try:
            file_text = file_text.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.add(1, "file", "The file is not UTF-8 text; save it as CSV (UTF-8)")
            return None
    if not isinstance(file_text, str) or not file_text.strip():
        result.add(1, "file", "The file is empty")
        return None
    if len(file_text) > MAX_CHARS or "\x00" in file_text:
        result.add(1, "file", "The file is too large or not a text CSV file")
        return None
    reader = csv.reader(io.StringIO(file_text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as error:
        result.add(1, "file", f"Not a readable CSV file ({error})")
        return None
    for column in required:
        if column not in header:
            result.add(1, column, f"Missing column “{column}”")
    for column in header:
        if column and column not in columns:
            result.add(1, column, f"Unknown column “{column}”; expected {', '.join(columns)}")
    if result.problems:
        return None
    records = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            number = reader.line_num
            result.rows += 1
            if len(values) > len(header):
                result.add(number, "file", f"{len(values)} values but {len(header)} columns")
                continue
            records.append((number, {k: v.strip() for k, v in zip(header, values) if k}))
            if result.rows > MAX_ROWS:
                result.add(number, "file", f"At most {MAX_ROWS} rows per file")
                return None
    except csv.Error as error:
        result.add(reader.line_num, "file", f"Not a readable CSV line ({error})")
        return None
    if not records and not result.problems:
        result.add(2, "file", "The file has a header but no rows")
    return records


def by_name(org, model, names) -> dict[str, object]:
    """{lower-cased name: row} of this organization's `model` rows with those names."""
    from .. import tenancy

    wanted = sorted({n.lower() for n in names if n})
    if not wanted:
        return {}
    rows = db.session.scalars(tenancy.scoped(model, org).where(func.lower(model.name).in_(wanted)))
    found: dict[str, object] = {}
    for row in rows:
        found.setdefault(row.name.lower(), row)
    return found


class _Discard(Exception):
    """Roll the import's transaction back (a dry run, or a file with problems)."""


def run_rows(result: ImportResult, records, prepare, write, *, default_column: str, dry_run: bool) -> None:
    """Prepare (parse) and write every row inside one transaction, each row in a savepoint so that every
    problem is reported; keep the transaction only when every row went through and this is no dry run."""
    try:
        with transaction():
            for index, (number, record) in enumerate(records):
                if index % PROGRESS_EVERY == 0:
                    report_progress(index, len(records))  # a background import's progress bar
                before = len(result.problems)
                values = prepare(number, record)
                if len(result.problems) > before:
                    continue
                try:
                    with db.session.begin_nested():
                        write(values)
                except DomainError as error:
                    _add_error(result, number, record, error, default_column)
                    continue
                result.valid += 1
            if dry_run or result.problems:
                raise _Discard
            result.created = result.valid
    except _Discard:
        pass


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
