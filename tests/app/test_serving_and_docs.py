"""The deployment story the README tells is true: `gunicorn -k gevent wsgi:app` serves the app with
gunicorn.conf.py, and every command, make target, script and document the README names exists."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed in this environment")
def test_gunicorn_gevent_worker_serves_the_app(tmp_path):
    """Does `gunicorn -k gevent wsgi:app` (reading gunicorn.conf.py) boot and answer pages and the API?"""
    port = _free_port()
    env = {**os.environ, "FLASK_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    env.pop("REDIS_URL", None)
    upgrade = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert upgrade.returncode == 0, upgrade.stderr[-2000:]
    server = subprocess.Popen([str(GUNICORN), "-k", "gevent", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        status, body = None, ""
        for _ in range(120):
            if server.poll() is not None:
                break
            try:
                status, body = _get(f"http://127.0.0.1:{port}/login")
                break
            except OSError:
                time.sleep(0.25)
        assert server.poll() is None, f"gunicorn exited:\n{server.stdout.read()[-3000:]}"
        assert status == 200 and "csrf_token" in body
        status, body = _get(f"http://127.0.0.1:{port}/api/v1/openapi.json")
        assert status == 200 and '"openapi"' in body
        status, body = _get(f"http://127.0.0.1:{port}/api/v1/inventory")
        assert status == 401 and '"unauthorized"' in body
    finally:
        server.terminate()
        try:
            output = server.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            server.kill()
            output = server.communicate()[0]
    assert "Using worker: gevent" in output, output[-3000:]


def _flask_top_level_help() -> str:
    """`flask --app wsgi --help`, exactly as an operator types it."""
    env = {**os.environ, "FLASK_ENV": "development"}
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_every_cli_command_in_the_readme_exists(app):
    """Does `flask --app wsgi --help` list every command of the README's CLI reference, and do the options the
    README shows exist on those commands?"""
    runner = app.test_cli_runner()

    def _flask_commands(*group: str) -> str:
        result = runner.invoke(args=[*group, "--help"])
        assert result.exit_code == 0, result.output
        return result.output

    table = README.split("## CLI reference", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for cell in re.findall(r"^\| `([^`]+)`", table, flags=re.M):
        documented.add(cell.split()[0])
    documented |= set(re.findall(r"/ `([a-z-]+)`", table))
    top = _flask_top_level_help()
    listed = set(re.findall(r"^  ([a-z][a-z-]+)\s", top.split("Commands:", 1)[1], flags=re.M))
    assert {"db", "init-production", "seed-permissions", "seed-sub-tiers", "seed-units", "seed-users",
            "create-developer", "orgs", "jobs"} <= documented
    assert documented <= listed, documented - listed
    orgs_create = _flask_commands("orgs", "create")
    for option in ("--name", "--owner-email", "--password", "--tier"):
        assert option in orgs_create
    for option in ("--email", "--reset-password"):
        assert option in _flask_commands("seed-users")
    for option in ("--email", "--password", "--role"):
        assert option in _flask_commands("create-developer")


def test_every_make_target_script_and_document_the_readme_names_exists():
    """Do the make targets, scripts, files and relative links the README mentions exist in the repository?"""
    makefile = (ROOT / "Makefile").read_text()
    for target in set(re.findall(r"\bmake ([a-z-]+)", README)):
        assert re.search(rf"^{target}:", makefile, flags=re.M), f"make {target}"
    for path in set(re.findall(r"`((?:scripts|docs|bench|\.ci)/[\w./-]+)`", README)) | {"gunicorn.conf.py",
                                                                                          "settings.json"}:
        assert (ROOT / path).exists(), path
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), target
    build = (ROOT / "scripts" / "build.sh").read_text()
    assert "db upgrade" in build and "init-production" in build
