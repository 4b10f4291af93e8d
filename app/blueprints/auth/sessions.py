"""Signing a user in under a fresh session id (sign-in, sign-up, joining from an invitation, password change)."""
from __future__ import annotations

from flask import current_app, session
from flask_login import login_user

from ...services import accounts


def renew_session(user) -> None:
    """Sign `user` in under a fresh session id (defeats session fixation; after a password change the
    new id also carries the new session version, so this session outlives the others)."""
    interface = current_app.session_interface
    if hasattr(interface, "regenerate"):
        interface.regenerate(session)
    session.clear()
    login_user(user)


def start_session(user) -> None:
    """Sign in with a fresh session id and remember the sign-in."""
    renew_session(user)
    accounts.record_login(user)
