"""Notifications: the member's own e-mail choices (digest, alert e-mails), "send me a digest now", and the
organization's digest frequency on the organization settings page."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__)
