"""Outgoing mail through Flask-Mail; in development and tests it is suppressed and logged."""
from __future__ import annotations

import logging

from flask import current_app
from flask_mail import Message

from ..extensions import mail

log = logging.getLogger("batchtrack.mail")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send (or, when MAIL_SUPPRESS_SEND, log) a plain-text email. Call after the transaction commits."""
    if current_app.config.get("MAIL_SUPPRESS_SEND"):
        log.info("Mail to %s — %s\n%s", to, subject, body)
    mail.send(Message(subject=subject, recipients=[to], body=body))
