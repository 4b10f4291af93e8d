"""E-mail notifications: who gets what (preferences), the digest (digest) and alert e-mails (alert_mail).

preferences  the organization's digest frequency; each member's digest opt-in/out and chosen alert types
digest       compose and send the daily/weekly digest (`flask jobs send-digest`), or one now for a member
alert_mail   mail newly opened alerts to the owners and managers who chose their type (`flask jobs send-alerts`)
runs         the per-organization loop both mail jobs share (suspended and cancelled organizations skipped)
mail         the text + HTML mails (templates/mail/), links from BASE_URL
"""
from __future__ import annotations

from .alert_mail import send_alert_mails
from .digest import compose, due_period, send_digest_now, send_digests
from .preferences import (
    ALERT_LABELS,
    FREQUENCIES,
    WEEKDAYS,
    digest_recipients,
    digest_setting,
    get_preferences,
    update_digest_setting,
    update_preferences,
)

__all__ = ["ALERT_LABELS", "FREQUENCIES", "WEEKDAYS", "compose", "digest_recipients", "digest_setting", "due_period",
           "get_preferences", "send_alert_mails", "send_digest_now", "send_digests", "update_digest_setting",
           "update_preferences"]
