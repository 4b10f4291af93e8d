"""Sign-up, sign-in, sign-out and password reset pages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ...extensions import limiter
from ...links import absolute_url
from ...services import accounts
from ...services.errors import Unauthorized, ValidationFailed
from ...services.mailer import send_mail
from ..forms_support import apply_field_errors
from ..pages import safe_next
from .forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from .throttle import login_throttle

bp = Blueprint("auth", __name__)


def renew_session(user) -> None:
    """Sign `user` in under a fresh session id (defeats session fixation; after a password change the
    new id also carries the new session version, so this session outlives the others)."""
    interface = current_app.session_interface
    if hasattr(interface, "regenerate"):
        interface.regenerate(session)
    session.clear()
    login_user(user)


def _start_session(user) -> None:
    """Sign in with a fresh session id and remember the sign-in."""
    renew_session(user)
    accounts.record_login(user)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an organization and its owner account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.signup(organization_name=form.organization_name.data, name=form.name.data,
                                   email=form.email.data, password=form.password.data,
                                   timezone_name=form.timezone.data)
        except ValidationFailed as exc:
            apply_field_errors(form, exc)
        else:
            _start_session(user)
            flash(f"Welcome to BatchTrack, {user.display_name}! Start by adding your ingredients.", "success")
            return redirect(safe_next(request.args.get("next")))  # e.g. back to save a calculation
    status = 422 if form.errors else 200
    return render_template("auth/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password (failed attempts are throttled: see auth/throttle.py)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = login_throttle.check(form.email.data)
        try:
            user = accounts.authenticate(form.email.data, form.password.data)
        except Unauthorized as exc:
            attempt.failed()
            form.password.errors.append(exc.message)
        else:
            _start_session(user)
            flash("Signed in.", "success")
            if user.is_developer:
                return redirect(_developer_home())
            return redirect(safe_next(request.args.get("next")))
    status = 401 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _developer_home() -> str:
    if "developer.console" in current_app.view_functions:
        return url_for("developer.console")
    return url_for("main.dashboard")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out and drop the session."""
    logout_user()
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per minute", methods=["POST"])
def forgot_password():
    """Email a single-use password reset link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        result = accounts.request_password_reset(form.email.data, current_app.config["PASSWORD_RESET_TTL"])
        if result is not None:
            user, token = result
            link = absolute_url("auth.reset_password", token=token)
            send_mail(user.email, "Reset your BatchTrack password",
                      f"Hello {user.display_name},\n\nOpen this link within an hour to choose a new password:\n"
                      f"{link}\n\nIf you did not ask for this, ignore this email.")
        flash("If that email has an account, a reset link is on its way.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with a reset link."""
    try:
        accounts.check_one_time_token(token, "reset")
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except ValidationFailed as exc:
            apply_field_errors(form, exc)
        else:
            flash("Password changed. Sign in with the new password.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200
