"""Run every benchmark in bench/ (SQLite, and PostgreSQL too when DATABASE_URL is set) and print figures."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in sorted(HERE.glob("bench_*.py")):
    print(f"\n=== {script.name} ===", flush=True)
    subprocess.run([sys.executable, str(script)], cwd=HERE, check=False)
