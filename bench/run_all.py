"""`make bench`: every benchmark in bench/, then a summary table of issue 11's goals, each with its figure,
target, ratio and verdict.

SQLite always (a scratch file per benchmark). PostgreSQL + Redis when TEST_DATABASE_URL and TEST_REDIS_URL
(or DATABASE_URL and REDIS_URL) are set: the tail-latency benchmark (goal 2) runs there too, with gevent
workers as gunicorn.conf.py picks; BENCH_PG_ALL=1 runs every benchmark there. The benchmarks drop and
rebuild that database's public schema: point it at a scratch (test) database.

Benchmarks report through SUMMARY lines (bench/common.py summary()). bench_imports.py (issue 13: a
10,000-row CSV import on SQLite) is run when it exists and its goal lines are read; until then the table
says it was skipped. ROUNDS=2 and WARM_UPS=1 (bench_pages) and BATCH_RUNS=3 (bench_batches) by default here,
to keep the whole run to a few minutes.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVER_VARIABLES = ("DATABASE_URL", "REDIS_URL")
SUMMARY_PREFIX = "SUMMARY|"
IMPORTS_BENCH = HERE / "bench_imports.py"
# bench_imports.py's goal line: "goal: 10,000-row items import under 10 s on SQLite: 3.21 s (met)"
IMPORT_GOAL = re.compile(r"goal:\s*([\d,]+)-row (.+?) import under ([\d.]+) s on ([^:]+):\s*([\d.]+) s")
TAIL_BENCH = "bench_tail_latency.py"
GOAL_NAMES = {"1": "1 CPU vs floor", "2": "2 tail latency", "3": "3 statements", "4": "4 work once",
              "5": "5 growth"}


def server_urls() -> tuple[str | None, str | None]:
    """(PostgreSQL URL, Redis URL) for the server run: the test suite's variables first, then the app's."""
    database = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    redis = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    return (database if database and database.startswith("postgres") else None), redis


def backends() -> list[tuple[str, dict, list[Path]]]:
    """(label, environment, scripts) per run: SQLite with every benchmark; PostgreSQL + Redis when configured."""
    scripts = sorted(HERE.glob("bench_*.py"))
    base = {key: value for key, value in os.environ.items() if key not in SERVER_VARIABLES}
    base.setdefault("ROUNDS", "2")  # bench_pages: 10,000-item pages of the control tower take seconds each
    base.setdefault("WARM_UPS", "1")
    base.setdefault("BATCH_RUNS", "3")
    runs = [("SQLite", base, scripts)]
    database, redis = server_urls()
    if database and redis:
        server = dict(base, DATABASE_URL=database, REDIS_URL=redis)
        chosen = scripts if os.environ.get("BENCH_PG_ALL") else [HERE / TAIL_BENCH]
        runs.append(("PostgreSQL + Redis", server, chosen))
    return runs


def run(script: Path, env: dict) -> tuple[list[list[str]], list[str], int]:
    """Run one benchmark, echoing its output: (its SUMMARY rows, its other goal lines, exit code)."""
    process = subprocess.Popen([sys.executable, str(script)], cwd=HERE, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    rows, goal_lines = [], []
    for line in process.stdout:
        if line.startswith(SUMMARY_PREFIX):
            rows.append(line.strip()[len(SUMMARY_PREFIX):].split("|"))
            continue
        print(line, end="", flush=True)
        if IMPORT_GOAL.search(line):
            goal_lines.append(line.strip())
    return rows, goal_lines, process.wait()


def import_rows(goal_lines: list[str]) -> list[list[str]]:
    """Summary rows from bench_imports.py's goal lines (goal 5: a 10,000-row CSV import under 10 s)."""
    rows = []
    for line in goal_lines:
        match = IMPORT_GOAL.search(line)
        rows_count, kind, limit, backend, seconds = match.groups()
        ratio = float(seconds) / float(limit)
        rows.append(["5", f"{rows_count}-row CSV {kind} import ({backend.strip()})", f"{float(seconds):.2f} s",
                     f"< {limit} s", f"{ratio:.2f}x", "ok" if float(seconds) < float(limit) else "MISSED"])
    return rows


def main() -> int:
    """Run the benchmarks, then print the summary table; exit 1 when a benchmark failed or a goal was missed."""
    started = time.monotonic()
    table: list[list[str]] = []
    for label, env, scripts in backends():
        for script in scripts:
            print(f"\n=== {script.name} ({label}) ===", flush=True)
            rows, goal_lines, code = run(script, env)
            table.extend(rows)
            if script == IMPORTS_BENCH:
                parsed = import_rows(goal_lines)
                table.extend(parsed or [["5", f"10,000-row CSV import ({label})", "no goal line printed", "< 10 s",
                                         "", "MISSED"]])
            if code != 0:
                table.append(["-", f"{script.name} ({label})", f"FAILED (exit {code})", "", "", "MISSED"])
    if not IMPORTS_BENCH.exists():
        table.append(["5", "10,000-row CSV import (SQLite)", "skipped: bench/bench_imports.py is not there yet "
                      "(run_all runs it as soon as it exists)", "< 10 s", "", "skipped"])
    database, redis = server_urls()
    if not (database and redis):
        table.append(["2", "tail latency on PostgreSQL + Redis (gevent)", "skipped: set TEST_DATABASE_URL and "
                      "TEST_REDIS_URL (a scratch database: its schema is rebuilt)", "p99 <= 3x p50", "", "skipped"])
    print_table(table, time.monotonic() - started)
    return 1 if any(row[5] == "MISSED" for row in table) else 0


def print_table(table: list[list[str]], seconds: float) -> None:
    """The goals of issue 11 in order (1, 2, 3, 4, 5), each row: goal, measure, figure, target, ratio, status."""
    order = {goal: index for index, goal in enumerate(GOAL_NAMES)}
    table = sorted(table, key=lambda row: order.get(row[0], len(order)))  # stable: a goal's rows keep their order
    header = ["goal", "measure", "figure", "target", "ratio", "status"]
    shown = [[GOAL_NAMES.get(row[0], row[0]), *row[1:]] for row in table]
    widths = [max(len(str(row[i])) for row in [header, *shown]) for i in range(len(header))]
    widths[1] = min(widths[1], 90)
    rule = "-+-".join("-" * width for width in widths)
    print(f"\n=== issue 11: goals, figures and ratios (make bench, {seconds:.0f} s) ===")
    print(" | ".join(cell.ljust(width) for cell, width in zip(header, widths)))
    print(rule)
    for row in shown:
        print(" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))
    missed = sum(1 for row in table if row[5] == "MISSED")
    met = sum(1 for row in table if row[5] == "ok")
    print(rule)
    print(f"{met} met, {missed} missed, {sum(1 for row in table if row[5] == 'skipped')} skipped; rows without a "
          f"verdict are figures to read (growth ratios: the larger size over the smaller).")


if __name__ == "__main__":
    sys.exit(main())
