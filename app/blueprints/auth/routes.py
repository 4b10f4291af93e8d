"""Sign-up, sign-in, sign-out and password reset pages."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from ...extensions import limiter
from ...links import absolute_url
from ...services import accounts
from ...services.errors import Unauthorized
from ...services.mailer import send_mail
from ..forms_support import submit
from ..pages import safe_next
from . import bp
from .forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignupForm
from .sessions import start_session
from .throttle import login_throttle


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an organization and its owner account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignupForm()
    result = submit(form, lambda: accounts.signup(
        organization_name=form.organization_name.data, name=form.name.data, email=form.email.data,
        password=form.password.data, timezone_name=form.timezone.data))
    if result.ok:
        start_session(result.value)
        # Coming back to save a calculation, "start by adding your ingredients" pointed away from the save form.
        then = "Save your calculation below." if request.args.get("next", "").startswith("/tools/save") \
            else "Start by adding your ingredients."
        flash(f"Welcome to BatchTrack, {result.value.display_name}! {then}", "success")
        return redirect(safe_next(request.args.get("next")))  # e.g. back to save a calculation
    return render_template("auth/signup.html", form=form), result.status


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
            start_session(user)
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
    if accounts.find_token_user(token, "reset") is None:
        flash(accounts.LINK_GONE, "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    result = submit(form, lambda: accounts.reset_password(token, form.password.data))
    if result.ok:
        flash("Password changed. Sign in with the new password.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), result.status
