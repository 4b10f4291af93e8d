#!/usr/bin/env bash
# Run the whole suite. pytest's exit code 5 ("no tests collected") is a failure here, never a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
echo "ruff check (pyflakes, import order, docstrings)"
.venv/bin/ruff check app tests bench scripts migrations || exit 1
workers=""
if .venv/bin/python -c "import xdist" 2>/dev/null; then workers="-n 2 --dist loadgroup"; fi  # loadgroup: xdist_group-marked tests share one worker
.venv/bin/python -m pytest $workers "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$code"
