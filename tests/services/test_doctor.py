"""`flask --app wsgi doctor` checks a deployment and says what is wrong (issue 9, item 7).

One line per check (OK / FAIL with what to do); the exit code is non-zero when any check fails.
"""
from __future__ import annotations

import socketserver
import threading

import pytest
from sqlalchemy import text

from app.extensions import db as _db
from app.services import doctor

GOOD = {"MAIL_SUPPRESS_SEND": False, "MAIL_SERVER": "127.0.0.1", "STRIPE_SECRET_KEY": "sk_test_doctor",
        "STRIPE_WEBHOOK_SECRET": "whsec_doctor", "BASE_URL": "https://batchtrack.example.com", "REDIS_URL": None}


class _SmtpSink(socketserver.StreamRequestHandler):
    """Just enough SMTP for a reachability check: greeting, NOOP, QUIT."""

    def handle(self):
        self.wfile.write(b"220 sink.test ESMTP ready\r\n")
        for raw in self.rfile:
            command = raw.strip().upper()
            if command.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            self.wfile.write(b"250 ok\r\n")


@pytest.fixture()
def smtp_port():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _migrated_app(make_app, tmp_path, **config):
    """An app on a fresh SQLite file whose schema revision is Alembic's head (as after `db upgrade`)."""
    from alembic.script import ScriptDirectory

    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'doctor.db'}", **config)
    head = ScriptDirectory(str(doctor.MIGRATIONS_DIR)).get_current_head()
    with application.app_context():
        with _db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
            connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
    return application, head


def _run(application, *args):
    result = application.test_cli_runner().invoke(args=["doctor", *args])
    lines = [line for line in result.output.splitlines() if line.startswith(("OK", "FAIL"))]
    return result, {line.split()[1].rstrip(":"): line for line in lines}


def test_a_good_production_configuration_passes_every_check(make_app, tmp_path, smtp_port):
    """With a migrated database, a reachable SMTP server, both Stripe secrets and an https BASE_URL, does
    doctor print one OK line per check and exit 0?"""
    application, head = _migrated_app(make_app, tmp_path, **{**GOOD, "MAIL_PORT": smtp_port})
    result, lines = _run(application, "--production")
    assert result.exit_code == 0, result.output
    assert set(lines) == {"database", "migrations", "redis", "mail", "stripe", "base_url"}, result.output
    assert all(line.startswith("OK") for line in lines.values()), result.output
    assert head in lines["migrations"]
    assert f"127.0.0.1:{smtp_port} answers" in lines["mail"]
    assert "test mode" in lines["stripe"]
    assert "All checks passed." in result.output


def test_a_bad_configuration_fails_with_what_to_do(make_app, tmp_path):
    """With an unmigrated database, Redis and SMTP unreachable, a missing webhook secret and a relative
    BASE_URL, does doctor print FAIL lines that say what to do and exit non-zero?"""
    application = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'bare.db'}",
                           REDIS_URL="redis://:hunter2@127.0.0.1:6390/0", MAIL_SUPPRESS_SEND=False,
                           MAIL_SERVER="127.0.0.1", MAIL_PORT=9, STRIPE_SECRET_KEY="sk_live_x",
                           STRIPE_WEBHOOK_SECRET=None, BASE_URL="batchtrack.example.com")
    result, lines = _run(application, "--production")
    assert result.exit_code == 1
    assert lines["database"].startswith("OK")
    assert lines["migrations"].startswith("FAIL") and "flask --app wsgi db upgrade" in lines["migrations"]
    assert lines["redis"].startswith("FAIL") and "127.0.0.1:6390/0 does not answer" in lines["redis"]
    assert "hunter2" not in result.output
    assert lines["mail"].startswith("FAIL") and "127.0.0.1:9" in lines["mail"] and "MAIL_SERVER" in lines["mail"]
    assert lines["stripe"].startswith("FAIL") and "STRIPE_WEBHOOK_SECRET is missing" in lines["stripe"]
    assert lines["base_url"].startswith("FAIL") and "not an absolute" in lines["base_url"]
    assert "5 check(s) failed" in result.output


def test_production_without_mail_or_with_a_local_base_url_fails(make_app, tmp_path):
    """Does production with mail switched off, or links pointing at localhost, fail (development passes)?"""
    application, _ = _migrated_app(make_app, tmp_path, **{**GOOD, "MAIL_SUPPRESS_SEND": True,
                                                            "BASE_URL": "http://127.0.0.1:5000"})
    result, lines = _run(application, "--production")
    assert result.exit_code == 1
    assert lines["mail"].startswith("FAIL") and "MAIL_SUPPRESS_SEND" in lines["mail"]
    assert lines["base_url"].startswith("FAIL") and "public address" in lines["base_url"]
    result, lines = _run(application, "--no-production")
    assert result.exit_code == 0, result.output
    assert "written to the log" in lines["mail"]


def test_an_outdated_schema_and_an_unreachable_database_are_named(make_app, tmp_path):
    """Does doctor tell an old schema revision from a database it cannot open?"""
    application, head = _migrated_app(make_app, tmp_path, **GOOD, MAIL_PORT=9)
    with application.app_context():
        with _db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'old0rev'"))
        assert doctor.check_migrations() == doctor.CheckResult(
            "migrations", False, f"the schema is at old0rev, the code expects {head}",
            "run `flask --app wsgi db upgrade`")
    missing = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    with missing.app_context():
        result = doctor.check_database()
    assert not result.ok and "DATABASE_URL" in result.line()


def test_stripe_settings_are_checked_only_when_billing_is_on():
    """Is billing with no Stripe settings OK (off), and a malformed key a failure?"""
    assert doctor.check_stripe({}).ok
    assert "billing is off" in doctor.check_stripe({}).detail
    wrong = doctor.check_stripe({"STRIPE_SECRET_KEY": "pk_live_public", "STRIPE_WEBHOOK_SECRET": "whsec_x"})
    assert not wrong.ok and "does not look like a secret key" in wrong.detail
    assert doctor.check_stripe({"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}).detail \
        .endswith("(live mode)")
