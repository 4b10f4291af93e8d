"""`flask doctor`: check that this deployment can serve (database, Redis, mail, Stripe, BASE_URL).

Each check answers OK or FAIL with what was found and, on a failure, what to do. Nothing is written.
"""
from __future__ import annotations

import logging
import smtplib
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import text

from ..extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "migrations"
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    advice: str = ""

    def line(self) -> str:
        """`OK   database: …` or `FAIL redis: … → what to do`."""
        text_ = f"{'OK  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"
        return text_ if self.ok or not self.advice else f"{text_} → {self.advice}"


def run_checks(config: Mapping, *, production: bool) -> list[CheckResult]:
    """Every deployment check, in a fixed order; `production` makes mail delivery mandatory."""
    return [check_database(), check_migrations(), check_redis(config), check_mail(config, production=production),
            check_stripe(config), check_base_url(config, production=production)]


def check_database() -> CheckResult:
    """Can we connect and run a query?"""
    url = db.engine.url
    where = f"{url.get_backend_name()} {url.database or ''}".strip() if url.host is None else \
        f"{url.get_backend_name()} at {url.host}:{url.port or ''}/{url.database or ''}"
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any driver error is the answer here
        return CheckResult("database", False, f"cannot connect to {where} ({_first_line(error)})",
                           "check DATABASE_URL and that the database server is running")
    return CheckResult("database", True, f"connected to {where}")


def check_migrations() -> CheckResult:
    """Is the schema at the newest Alembic revision?"""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    alembic_log = logging.getLogger("alembic.runtime.migration")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)  # its "Context impl …" lines are noise between the check lines
    try:
        heads = set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as error:
        return CheckResult("migrations", False, f"cannot read the schema revision ({_first_line(error)})",
                           "fix the database connection first, then run `flask --app wsgi db upgrade`")
    finally:
        alembic_log.setLevel(level)
    if not current:
        return CheckResult("migrations", False, "the database has no schema revision (never migrated)",
                           "run `flask --app wsgi db upgrade`")
    if current != heads:
        return CheckResult("migrations", False,
                           f"the schema is at {', '.join(sorted(current))}, the code expects "
                           f"{', '.join(sorted(heads))}", "run `flask --app wsgi db upgrade`")
    return CheckResult("migrations", True, f"at head ({', '.join(sorted(heads))})")


def check_redis(config: Mapping) -> CheckResult:
    """When REDIS_URL is set, does Redis answer PING?"""
    import redis

    from ..redis_outage import redis_label

    url = config.get("REDIS_URL")
    if not url:
        return CheckResult("redis", True, "not configured (sessions, cache and rate limits stay in this process)")
    label = redis_label(url)
    client = None
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        return CheckResult("redis", False, f"{label} does not answer ({_first_line(error)})",
                           "start Redis or fix REDIS_URL; until then every page answers 503")
    finally:
        if client is not None:
            client.close()
    return CheckResult("redis", True, f"{label} answers PING")


def check_mail(config: Mapping, *, production: bool) -> CheckResult:
    """Production must send mail (resets, invitations): sending on, and the SMTP server answering."""
    if config.get("MAIL_SUPPRESS_SEND"):
        if production:
            return CheckResult("mail", False, "sending is switched off (MAIL_SUPPRESS_SEND)",
                               "set MAIL_SERVER / MAIL_PORT (and MAIL_USERNAME / MAIL_PASSWORD) and turn sending on")
        return CheckResult("mail", True, "not sent in this environment (outgoing mail is written to the log)")
    host, port = config.get("MAIL_SERVER") or "", int(config.get("MAIL_PORT") or 25)
    if not host:
        return CheckResult("mail", False, "MAIL_SERVER is not set", "set MAIL_SERVER and MAIL_PORT")
    try:
        smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        with smtp_class(host, port, timeout=TIMEOUT_SECONDS) as smtp:
            code, _ = smtp.noop()
    except (OSError, smtplib.SMTPException) as error:
        return CheckResult("mail", False, f"SMTP server {host}:{port} does not answer ({_first_line(error)})",
                           "check MAIL_SERVER / MAIL_PORT and that this host may reach it")
    if code != 250:
        return CheckResult("mail", False, f"SMTP server {host}:{port} answered {code} to NOOP",
                           "check MAIL_SERVER / MAIL_PORT")
    return CheckResult("mail", True, f"SMTP server {host}:{port} answers")


def check_stripe(config: Mapping) -> CheckResult:
    """Billing is on when either Stripe setting is given; then both must be there and look right."""
    key, secret = config.get("STRIPE_SECRET_KEY") or "", config.get("STRIPE_WEBHOOK_SECRET") or ""
    if not key and not secret:
        return CheckResult("stripe", True, "billing is off (no STRIPE_SECRET_KEY): plans cannot be paid by card")
    problems = []
    if not key:
        problems.append("STRIPE_SECRET_KEY is missing")
    elif not key.startswith(("sk_", "rk_")):
        problems.append("STRIPE_SECRET_KEY does not look like a secret key (sk_… or rk_…)")
    if not secret:
        problems.append("STRIPE_WEBHOOK_SECRET is missing (subscription changes would never arrive)")
    elif not secret.startswith("whsec_"):
        problems.append("STRIPE_WEBHOOK_SECRET does not look like a webhook signing secret (whsec_…)")
    if problems:
        return CheckResult("stripe", False, "; ".join(problems),
                           "copy both from the Stripe dashboard (API keys; Webhooks → signing secret)")
    mode = "test mode" if key.startswith(("sk_test_", "rk_test_")) else "live mode"
    return CheckResult("stripe", True, f"secret key and webhook secret set ({mode})")


def check_base_url(config: Mapping, *, production: bool) -> CheckResult:
    """Links in mail start with BASE_URL: it must be an absolute http(s) address."""
    base = (config.get("BASE_URL") or "").strip()
    if not base:
        return CheckResult("base_url", False, "BASE_URL is not set",
                           "set BASE_URL to the address makers use, e.g. https://batchtrack.example.com")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return CheckResult("base_url", False, f"BASE_URL {base!r} is not an absolute http(s) address",
                           "set BASE_URL to the full address, e.g. https://batchtrack.example.com")
    host = parts.hostname or ""
    if production and host in ("localhost", "127.0.0.1", "::1"):
        return CheckResult("base_url", False, f"BASE_URL {base} points at this machine: links in mail would not "
                           "open for anyone else", "set BASE_URL to the public address")
    return CheckResult("base_url", True, base)


def _first_line(error: BaseException) -> str:
    text_ = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if isinstance(error, socket.timeout):
        text_ = "timed out"
    return text_[:200]
