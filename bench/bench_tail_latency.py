"""Tail latency of the signed-in inventory list under a bounded concurrent load, served by gunicorn with
the default gunicorn.conf.py (issue 11, goal 2: p99 <= 3x p50, no errors).

SQLite by default: a temporary database seeded with 200 items, one gthread worker as gunicorn.conf.py
picks. With DATABASE_URL (PostgreSQL) and REDIS_URL set, that database and Redis instead (gevent workers,
as gunicorn.conf.py picks for PostgreSQL); the database's public schema is dropped and rebuilt, so point
it at a scratch database. The client is `ab -k` (apache2-utils) when installed, else Python threads
with keep-alive sessions; 8 concurrent for 10 s either way. Only 127.0.0.1 is ever contacted.

Run: .venv/bin/python bench/bench_tail_latency.py   [CONCURRENCY=8 BENCH_SECONDS=10 ITEMS=200]
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import bulk_items, make_bench_app, make_org_and_owner, summary

from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = int(os.environ.get("CONCURRENCY", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
ITEMS = int(os.environ.get("ITEMS", "200"))
GOAL_RATIO = 3.0
WARM_UP_SECONDS = 2


def seed() -> tuple[str, str, str]:
    """(database URL, owner email, backend label) for a database holding one organization with ITEMS items."""
    app, backend = make_bench_app()
    with app.app_context():
        org, owner = make_org_and_owner()
        bulk_items(org, ITEMS, prefix="Ingredient")
        url = db.engine.url.render_as_string(hide_password=False)
        email = owner.email
        db.engine.dispose()
    return url, email, backend


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, port: int, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)  # GUNICORN_THREADS / WEB_CONCURRENCY / … still override gunicorn.conf.py's defaults
    env.update({"DATABASE_URL": database_url, "GUNICORN_BIND": f"127.0.0.1:{port}", "FLASK_ENV": "development"})
    log = open(log_path, "wb")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    import requests

    deadline = time.monotonic() + 120  # the master listens at once; its workers may take a while to boot
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}); see {log_path}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=10).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer within 120 s; see {log_path}")


def sign_in(base: str, email: str):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    response = session.post(f"{base}/login", data={"email": email, "password": "bench-password",
                                                   "csrf_token": token.group(1) if token else ""},
                            allow_redirects=False, timeout=10)
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: {response.status_code}")
    session.get(f"{base}/inventory", timeout=10)  # shows the sign-in flash; the cookie is settled from here
    return session


def load_with_ab(url: str, cookie: str, seconds: float = SECONDS) -> dict:
    out = subprocess.run(["ab", "-k", "-q", "-c", str(CONCURRENCY), "-t", str(max(1, round(seconds))), "-n", "1000000",
                          "-C", cookie, url], capture_output=True, text=True, check=False).stdout

    def number(pattern: str, default: float = 0.0) -> float:
        match = re.search(pattern, out, re.MULTILINE)
        return float(match.group(1)) if match else default

    requests_done = int(number(r"^Complete requests:\s+(\d+)"))
    # ab counts a response whose length differs from the first as "failed" (a page's CSRF token may vary):
    # only connection, receive and exception failures and non-2xx answers are errors.
    errors = int(sum(number(rf"{kind}: (\d+)") for kind in ("Connect", "Receive", "Exceptions"))
                 + number(r"^Non-2xx responses:\s+(\d+)"))
    return {"client": "ab -k", "requests": requests_done, "errors": errors,
            "p50": number(r"^\s+50%\s+(\d+)"), "p99": number(r"^\s+99%\s+(\d+)"),
            "rps": number(r"^Requests per second:\s+([\d.]+)")}


def load_with_threads(url: str, session_template, seconds: float = SECONDS) -> dict:
    import requests

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        session = requests.Session()
        session.cookies.update(session_template.cookies)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = session.get(url, timeout=30, allow_redirects=False)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"client": "python threads", "requests": len(latencies), "errors": errors[0],
            "p50": statistics.median(latencies) if latencies else 0.0, "p99": cuts[98],
            "rps": len(latencies) / elapsed if elapsed else 0.0}


def main():
    url, email, backend = seed()
    if backend == "PostgreSQL" and os.environ.get("REDIS_URL"):
        backend = "PostgreSQL + Redis, gevent"
    elif backend == "SQLite":
        backend = "SQLite, gthread"
    work = Path(tempfile.mkdtemp(prefix="bench-tail-"))
    port = free_port()
    server = start_gunicorn(url, port, work / "gunicorn.log")
    try:
        base = f"http://127.0.0.1:{port}"
        session = sign_in(base, email)
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        load = load_with_ab if shutil.which("ab") else load_with_threads
        state = cookie if load is load_with_ab else session
        load(f"{base}/inventory", state, seconds=WARM_UP_SECONDS)  # every worker booted and warm; not counted
        result = load(f"{base}/inventory", state)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    shutil.rmtree(work, ignore_errors=True)  # kept (with gunicorn's log) only when the run failed
    ratio = result["p99"] / result["p50"] if result["p50"] else float("inf")
    verdict = "ok" if ratio <= GOAL_RATIO and result["errors"] == 0 else "MISSED"
    print(f"[{backend}] tail latency, GET /inventory signed in ({ITEMS} items), {CONCURRENCY} concurrent for "
          f"{SECONDS:g} s ({result['client']}): {result['requests']} requests, {result['rps']:.0f}/s, "
          f"p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, errors {result['errors']}; "
          f"ratio p99/p50 {ratio:.2f}x (goal <= {GOAL_RATIO:g}x, 0 errors): {verdict}")
    summary("2", f"tail latency GET /inventory, {CONCURRENCY} concurrent {SECONDS:g} s ({backend}; {result['client']})",
            f"p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms, {result['errors']} errors",
            f"p99 <= {GOAL_RATIO:g}x p50, 0 errors", ratio, verdict == "ok")


if __name__ == "__main__":
    main()
