"""Mail really goes out in production (through a real local SMTP server, aiosmtpd), one-time links
never reach the log there, and development writes mail with its links to the log."""
from __future__ import annotations

import logging
import re
import socket
import time
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller

from app.config import DevelopmentConfig, ProductionConfig, TestingConfig
from app.extensions import mail
from app.services.reference import get_system_role

from ..helpers import post_form

BASE = "https://app.batchtrack.test"
TOKEN_RE = re.compile(r"/(?:reset-password|invite)/([A-Za-z0-9_\-]{20,})")


class _Sink:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def smtp_sink():
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def _class_config(config_class) -> dict:
    return {name: getattr(config_class, name) for name in dir(config_class) if name.isupper()}


@pytest.fixture()
def production_mail(app, smtp_sink, monkeypatch):
    """The test app with production's mail settings (read from the environment like a deployment),
    its SMTP server being the local sink."""
    sink, port = smtp_sink
    for name, value in {"SECRET_KEY": "prod-like-secret", "DATABASE_URL": "postgresql://unused/unused",
                        "REDIS_URL": "redis://127.0.0.1:6399/0", "MAIL_SERVER": "127.0.0.1",
                        "MAIL_PORT": str(port), "MAIL_USE_TLS": "false",
                        "MAIL_DEFAULT_SENDER": "BatchTrack <mail@batchtrack.test>"}.items():
        monkeypatch.setenv(name, value)
    config = _class_config(ProductionConfig)
    ProductionConfig.apply_environment(config)  # what create_app("production") does with the environment
    for name in ("MAIL_SUPPRESS_SEND", "MAIL_LOG_BODIES", "MAIL_SERVER", "MAIL_PORT", "MAIL_DEFAULT_SENDER",
                 "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_PASSWORD"):
        monkeypatch.setitem(app.config, name, config.get(name))
    monkeypatch.setitem(app.config, "BASE_URL", BASE)
    monkeypatch.setitem(app.extensions, "mail", mail.init_mail(config, debug=False, testing=False))
    return sink


def _wait_for(sink, count: int, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while len(sink.messages) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return sink.messages


def test_production_config_sends_mail_and_testing_does_not():
    """Does production send (not suppress) and keep bodies out of the log, while tests suppress?"""
    assert ProductionConfig.MAIL_SUPPRESS_SEND is False
    assert ProductionConfig.MAIL_LOG_BODIES is False
    assert TestingConfig.MAIL_SUPPRESS_SEND is True
    assert DevelopmentConfig.MAIL_LOG_BODIES is True


def test_production_sends_invitation_and_reset_over_smtp_and_logs_no_link(
        app, client, org, owner, login, production_mail, caplog):
    """In the production mail setup, do an invitation and a reset arrive at the SMTP server with
    BASE_URL links, while the log holds no token and no one-time link?"""
    caplog.set_level(logging.DEBUG)
    login(owner)
    invited = post_form(client, "/organization/users/invite",
                        {"email": "new.maker@juniper.test", "role_id": get_system_role("maker").id},
                        form_url="/organization/users")
    assert invited.status_code == 302
    assert "Invitation sent" in client.get("/organization/users").get_data(as_text=True)
    reset = post_form(app.test_client(), "/forgot-password", {"email": owner.email})
    assert reset.status_code == 302

    messages = _wait_for(production_mail, 2)
    assert len(messages) == 2
    by_recipient = {rcpts[0]: message for _, rcpts, message in messages}
    invitation = by_recipient["new.maker@juniper.test"].get_payload(decode=True).decode()
    reset_mail = by_recipient[owner.email].get_payload(decode=True).decode()
    assert f"{BASE}/invite/" in invitation
    assert f"{BASE}/reset-password/" in reset_mail
    assert all(sender == "mail@batchtrack.test" for sender, _, _ in messages)

    tokens = TOKEN_RE.findall(invitation) + TOKEN_RE.findall(reset_mail)
    assert len(tokens) == 2
    # Everything the application logged (the sink's own "mail.log" logger is the test's SMTP server).
    log_text = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))
    for token in tokens:
        assert token not in log_text
    assert "/reset-password/" not in log_text and "/invite/" not in log_text
    assert "Mail sent to new.maker@juniper.test" in log_text  # the fact of sending is still logged


def test_refused_mail_is_reported_not_a_500(client, org, owner, login, app, monkeypatch, caplog):
    """With production settings but no reachable SMTP server, is the invitation saved, the owner told,
    and the failure logged without the link?"""
    config = _class_config(ProductionConfig)
    config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())
    monkeypatch.setitem(app.config, "MAIL_SUPPRESS_SEND", False)
    monkeypatch.setitem(app.config, "MAIL_LOG_BODIES", False)
    monkeypatch.setitem(app.extensions, "mail", mail.init_mail(config, debug=False, testing=False))
    caplog.set_level(logging.DEBUG)
    login(owner)
    response = post_form(client, "/organization/users/invite",
                         {"email": "unlucky@juniper.test", "role_id": get_system_role("maker").id},
                         form_url="/organization/users", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could not be sent" in html and "unlucky@juniper.test" in html
    assert "could not be sent" in caplog.text
    assert "/invite/" not in caplog.text


def test_development_logs_mail_with_its_link(client, owner, app, monkeypatch, caplog):
    """With development's mail settings, is the mail (link included) written to the log, not sent?"""
    monkeypatch.setitem(app.config, "MAIL_LOG_BODIES", DevelopmentConfig.MAIL_LOG_BODIES)
    monkeypatch.setitem(app.config, "BASE_URL", BASE)
    caplog.set_level(logging.INFO, logger="batchtrack.mail")
    with mail.record_messages() as outbox:
        post_form(client, "/forgot-password", {"email": owner.email})
    assert len(outbox) == 1
    assert f"{BASE}/reset-password/" in caplog.text


def test_mail_settings_come_from_the_environment(monkeypatch):
    """Are MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_USE_TLS and the sender read at start-up?"""
    env = {"SECRET_KEY": "s", "DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://127.0.0.1:6399/0",
           "MAIL_SERVER": "smtp.example.test", "MAIL_PORT": "2525", "MAIL_USERNAME": "mailer",
           "MAIL_PASSWORD": "pw", "MAIL_USE_TLS": "true", "MAIL_DEFAULT_SENDER": "Shop <shop@example.test>"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = _class_config(ProductionConfig)
    ProductionConfig.apply_environment(config)
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USERNAME"], config["MAIL_PASSWORD"],
            config["MAIL_USE_TLS"], config["MAIL_DEFAULT_SENDER"]) == (
        "smtp.example.test", 2525, "mailer", "pw", True, "Shop <shop@example.test>")
    assert config["MAIL_SUPPRESS_SEND"] is False
