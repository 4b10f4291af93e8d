"""Run every benchmark in bench/ on SQLite, and again on PostgreSQL (+ Redis) when DATABASE_URL (and
REDIS_URL) are set; stream their figures, then list every goal line (issue 11) with its figure and ratio."""
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_LINE = re.compile(r"\bgoal\b|\bratio\b", re.IGNORECASE)
SERVER_VARIABLES = ("DATABASE_URL", "REDIS_URL")


def backends() -> list[tuple[str, dict]]:
    sqlite = {key: value for key, value in os.environ.items() if key not in SERVER_VARIABLES}
    runs = [("SQLite", sqlite)]
    if os.environ.get("DATABASE_URL"):
        runs.append(("PostgreSQL" + (" + Redis" if os.environ.get("REDIS_URL") else ""), dict(os.environ)))
    return runs


def run(script: Path, env: dict) -> list[str]:
    """Run one benchmark, echoing its output; return its goal and ratio lines."""
    process = subprocess.Popen([sys.executable, str(script)], cwd=HERE, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    found = []
    for line in process.stdout:
        print(line, end="", flush=True)
        if GOAL_LINE.search(line):
            found.append(line.strip())
    if process.wait() != 0:
        found.append(f"FAILED (exit {process.returncode})")
    return found


def main() -> int:
    summary = []
    for label, env in backends():
        for script in sorted(HERE.glob("bench_*.py")):
            print(f"\n=== {script.name} ({label}) ===", flush=True)
            summary.extend(f"{script.stem} ({label}): {line}" for line in run(script, env))
    print("\n=== goals and ratios ===")
    for line in summary:
        print(line)
    return 1 if any("FAILED" in line for line in summary) else 0


if __name__ == "__main__":
    sys.exit(main())
