"""Reading an uploaded CSV file into rows: the one reader behind every CSV import (app.services.imports and the
sales import). The header is row 1 and matches case-insensitively; every problem is reported through the
caller's `problem(row, column, message)` with the file's own line number, so each import keeps its wording."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Callable

from .units.quantities import decimal_comma_number, ungroup_number

Problem = Callable[[int, str, str], None]

# Columns that hold a number in every import: read as the file's spreadsheet wrote them — thousands grouped as the
# app prints them ("2,000", "12,345.5") in a comma- or tab-separated file, a decimal comma ("2,5", "1.234,5") in
# one separated by semicolons. Anything else reaches the import's own number check unchanged.
NUMBER_COLUMNS = frozenset({"quantity", "unit_cost", "unit_price", "density", "shelf_life_days", "reorder_point"})


@dataclass
class CsvRows:
    """The data rows of a file: (line number, {column: value}) with values trimmed; `count` counts every
    non-blank data line, including lines refused for carrying too many values."""

    records: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    count: int = 0


def read_rows(file_text, problem: Problem, *, columns: tuple[str, ...], required: tuple[str, ...] = (),
              one_of: tuple[tuple[str, ...], str] | None = None, max_rows: int, max_chars: int,
              too_large: str, no_rows: str = "The file has a header but no rows.") -> CsvRows | None:
    """The file's rows, or None when it cannot be read at all (the problems were reported).

    `required` columns must be in the header; `one_of` = (columns, message): at least one of them must be;
    any other header is an unknown column. More than `max_rows` data rows, or more than `max_chars`
    characters (`too_large` says so), stop the reading."""
    text = _text(file_text, problem, max_chars=max_chars, too_large=too_large)
    if text is None:
        return None
    separator = delimiter(text)
    plain_number = decimal_comma_number if separator == ";" else ungroup_number
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (csv.Error, StopIteration) as error:
        problem(1, "file", f"Not a readable CSV file ({error or 'no header row'}).")
        return None
    failed = False
    for column in required:
        if column not in header:
            problem(1, column, f"Missing column “{column}”.")
            failed = True
    if one_of is not None and not any(column in header for column in one_of[0]):
        problem(1, one_of[0][0], one_of[1])
        failed = True
    for column in header:
        if column and column not in columns:
            problem(1, column, f"Unknown column “{column}”; expected {', '.join(columns)}.")
            failed = True
    if failed:
        return None
    rows = CsvRows()
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            number = reader.line_num
            rows.count += 1
            if rows.count > max_rows:
                problem(number, "file", f"At most {max_rows} rows per file.")
                return None
            if len(values) > len(header):
                problem(number, "file", f"{len(values)} values but {len(header)} columns.")
                continue
            rows.records.append((number, {k: plain_number(v.strip()) if k in NUMBER_COLUMNS else v.strip()
                                          for k, v in zip(header, values) if k}))
    except csv.Error as error:
        problem(reader.line_num, "file", f"Not a readable CSV line ({error}).")
        return None
    if not rows.count:
        problem(2, "file", no_rows)
    return rows


def delimiter(text: str) -> str:
    """The file's separator: a comma, unless its header line has none but semicolons (a spreadsheet saved as CSV
    where the decimal mark is a comma) or tabs (a copied table)."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    if "," in header:
        return ","
    for other in (";", "\t"):
        if other in header:
            return other
    return ","


def _text(file_text, problem: Problem, *, max_chars: int, too_large: str) -> str | None:
    """The file as text (bytes decoded as UTF-8, a byte-order mark dropped), or None with the problem reported."""
    if isinstance(file_text, bytes):
        if len(file_text) > max_chars * 4:
            problem(1, "file", too_large)
            return None
        try:
            file_text = file_text.decode("utf-8-sig")
        except UnicodeDecodeError:
            problem(1, "file", "The file is not UTF-8 text; save it as CSV (UTF-8).")
            return None
    if not isinstance(file_text, str) or not file_text.strip():
        problem(1, "file", "The file is empty.")
        return None
    if len(file_text) > max_chars:
        problem(1, "file", too_large)
        return None
    if "\x00" in file_text:
        problem(1, "file", "The file contains NUL characters; save it as CSV (UTF-8) and try again.")
        return None
    return file_text.lstrip("\ufeff")
