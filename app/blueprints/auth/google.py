"""Sign in with Google (OpenID Connect): /login/google, its callback, /signup/google, /login/google/link, and
linking/unlinking from the settings page. State, nonce and the verified identity waiting for a form live in
the (server-side) session; services.google_signin does the protocol and the writes."""
from __future__ import annotations

import secrets
import time

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ...links import absolute_url
from ...services import google_signin
from ...services.errors import DomainError, Unauthorized
from ..decorators import signed_in
from ..forms_support import EmptyForm, submit, submit_action
from . import bp
from .sessions import start_session
from .throttle import login_throttle

FLOW_KEY = "google_oidc"  # {"state", "nonce", "intent", "started"} while the browser is at the provider
PENDING_KEY = "google_pending"  # {"sub", "email", "name", "until"}: verified, waiting for signup/link form
FLOW_TTL = 600  # seconds


class GoogleSignupForm(FlaskForm):
    organization_name = StringField("Workshop or business name", validators=[DataRequired(), Length(max=120)])


class GoogleLinkForm(FlaskForm):
    password = PasswordField("Your BatchTrack password", validators=[DataRequired(), Length(max=200)])


def _require_enabled() -> None:
    if not google_signin.enabled():
        abort(404)


def _redirect_uri() -> str:
    return absolute_url("auth.google_callback")


def _refused(message: str, status: int = 400):
    """The error page (the message is on it, not flashed twice); nobody is signed in."""
    return render_template("auth/google_error.html", message=message), status


def _start(intent: str):
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    try:
        url = google_signin.authorization_url(state=state, nonce=nonce, redirect_uri=_redirect_uri())
    except DomainError as exc:
        return _refused(exc.message, exc.status)
    session[FLOW_KEY] = {"state": state, "nonce": nonce, "intent": intent, "started": int(time.time())}
    return redirect(url, code=302)


@bp.route("/login/google")
def google_login():
    """Send the browser to the provider's authorization endpoint (state and nonce kept in the session)."""
    _require_enabled()
    return _start("signin")


@bp.route("/login/google/callback")
def google_callback():
    """Check state, exchange the code, verify the ID token; then sign in, or ask to sign up / confirm a password."""
    _require_enabled()
    flow = session.pop(FLOW_KEY, None)
    session.pop(PENDING_KEY, None)
    state = request.args.get("state", "")
    if (not isinstance(flow, dict) or not state or not secrets.compare_digest(str(flow.get("state", "")), state)
            or int(time.time()) - int(flow.get("started", 0)) > FLOW_TTL):
        return _refused("That Google sign-in link is not valid for this browser (wrong or expired state). "
                        "Start again.")
    if request.args.get("error"):
        return _refused("Google sign-in was canceled or refused by the provider.")
    try:
        identity = google_signin.identity_from_code(code=request.args.get("code", ""), nonce=flow.get("nonce", ""),
                                                    redirect_uri=_redirect_uri())
    except DomainError as exc:
        return _refused(exc.message, exc.status)

    if flow.get("intent") == "link" and current_user.is_authenticated:
        result = submit_action_free(lambda: google_signin.link_google(current_user._get_current_object(), identity))
        if result is None:
            flash("Google account linked: you can now sign in with Google.", "success")
        return redirect(url_for("main.settings"))

    user = google_signin.user_for_identity(identity)
    if user is not None:
        try:
            google_signin.check_can_sign_in(user)
        except DomainError as exc:
            return _refused(exc.message, 403)
        start_session(user)
        flash("Signed in with Google.", "success")
        return redirect(url_for("main.dashboard"))
    session[PENDING_KEY] = {**identity.as_dict(), "until": int(time.time()) + FLOW_TTL}
    if google_signin.email_has_account(identity):
        return redirect(url_for("auth.google_link"))
    return redirect(url_for("auth.google_signup"))


def submit_action_free(call) -> DomainError | None:
    """Run a service call for a redirect-only step; a refusal is flashed and returned."""
    try:
        call()
    except DomainError as exc:
        flash(exc.message, "error")
        return exc
    return None


def _pending() -> google_signin.GoogleIdentity | None:
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict) or int(data.get("until", 0)) < int(time.time()):
        return None
    try:
        return google_signin.GoogleIdentity.from_dict(data)
    except (KeyError, TypeError):
        return None


def _no_pending():
    flash("Start with “Sign in with Google” first (the previous attempt expired).", "error")
    return redirect(url_for("auth.login"))


@bp.route("/signup/google", methods=["GET", "POST"])
def google_signup():
    """Create an organization and its owner for a new, verified Google account."""
    _require_enabled()
    identity = _pending()
    if identity is None:
        return _no_pending()
    form = GoogleSignupForm()
    result = submit(form, lambda: google_signin.signup_with_google(identity=identity,
                                                                   organization_name=form.organization_name.data))
    if result.ok:
        start_session(result.value)  # a fresh session id; the pending identity goes with the old session
        flash(f"Welcome to BatchTrack, {result.value.display_name}! Start by adding your ingredients.", "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/google_signup.html", form=form, identity=identity), result.status


@bp.route("/login/google/link", methods=["GET", "POST"])
def google_link():
    """An existing password account has this e-mail: link Google to it only after its password is confirmed."""
    _require_enabled()
    identity = _pending()
    if identity is None:
        return _no_pending()
    form = GoogleLinkForm()
    status = 200
    if form.validate_on_submit():
        attempt = login_throttle.check(identity.email)
        result = submit(form, lambda: google_signin.link_with_password(identity=identity,
                                                                       password=form.password.data),
                        validate=False, shown_by_page=(Unauthorized,))
        if result.ok:
            start_session(result.value)
            flash("Google account linked. Signed in.", "success")
            return redirect(url_for("main.dashboard"))
        if isinstance(result.error, Unauthorized):
            attempt.failed()
            form.password.errors.append("Wrong password.")
        status = 401 if isinstance(result.error, Unauthorized) else result.status
    elif request.method == "POST":
        status = 422
    return render_template("auth/google_link.html", form=form, identity=identity), status


@bp.route("/settings/google/link", methods=["POST"])
@signed_in
def google_settings_link():
    """Link a Google account to the signed-in user (goes through the provider)."""
    _require_enabled()
    if not EmptyForm().validate_on_submit():
        flash("That form had expired; please try again.", "error")
        return redirect(url_for("main.settings"))
    return _start("link")


@bp.route("/settings/google/unlink", methods=["POST"])
@signed_in
def google_settings_unlink():
    """Unlink the user's Google account (refused while it is their only way to sign in)."""
    submit_action(lambda: google_signin.unlink_google(current_user._get_current_object()),
                  "Google account unlinked.")
    return redirect(url_for("main.settings"))
