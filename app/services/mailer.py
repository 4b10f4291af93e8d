"""Outgoing mail through Flask-Mail.

- Production (MAIL_SUPPRESS_SEND false) sends through the configured SMTP server and logs only that a
  mail went out (recipient and subject): never the body, which may hold a one-time link.
- Development and tests suppress sending; development writes the whole mail, links included, to the
  log (stdout/stderr) so a developer can follow a reset or invitation link (MAIL_LOG_BODIES).
- Tests record every message (flask_mail's `mail.record_messages()`), sent or not.
"""
from __future__ import annotations

import logging

from flask import current_app
from flask_mail import Message

from ..extensions import mail

log = logging.getLogger("batchtrack.mail")


def send_mail(to: str, subject: str, body: str, *, html: str | None = None) -> bool:
    """Send an email (plain text, with an HTML alternative when `html` is given); True when it was handed
    to the SMTP server (or suppressed on purpose).

    Call after the transaction commits. A mail server failure is logged (without the body) and answered
    False, never raised: the caller tells the user what to do (e.g. resend an invitation).
    """
    state = current_app.extensions["mail"]
    if current_app.config.get("MAIL_LOG_BODIES"):
        log.info("Mail to %s — %s\n%s", to, subject, body)
    try:
        mail.send(Message(subject=subject, recipients=[to], body=body, html=html))
    except Exception as exc:  # SMTP refused, unreachable, bad credentials …
        log.error("Mail to %s (%s) could not be sent via %s:%s: %s: %s", to, subject, state.server, state.port,
                  type(exc).__name__, exc)
        return False
    if not state.suppress:
        log.info("Mail sent to %s — %s", to, subject)
    return True
