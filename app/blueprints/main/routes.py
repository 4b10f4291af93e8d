"""Dashboard and personal settings (profile, time zone, password, API tokens)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ...services import accounts
from ...tenant import find_current_org
from ..auth.sessions import renew_session
from ..decorators import signed_in
from ..forms_support import EmptyForm, submit, submit_action
from . import bp
from .dashboard import compose
from .forms import PasswordForm, ProfileForm, TokenForm


@bp.route("/")
def index():
    """Send visitors to sign in, members to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("main/landing.html")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask every site for /favicon.ico: point them at the SVG icon (a permanent redirect)."""
    response = redirect(url_for("static", filename="favicon.svg"), code=301)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/dashboard")
@signed_in
def dashboard():
    """The organization's dashboard: real counts and alerts."""
    org = find_current_org()  # a developer viewing an organization read-only sees that organization's dashboard
    if current_user.is_developer and org is None:
        return render_template("main/developer_home.html")
    return render_template("main/dashboard.html", summary=compose(org, current_user))


@bp.route("/settings", methods=["GET"])
@signed_in
def settings():
    """Profile, password and API tokens."""
    return _render_settings()


def _render_settings(profile_form=None, password_form=None, token_form=None, new_token=None, status=200):
    profile_form = profile_form or ProfileForm(obj=current_user, formdata=None)
    return render_template(
        "main/settings.html",
        profile_form=profile_form,
        password_form=password_form or PasswordForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None),
        tokens=accounts.list_api_tokens(current_user),
        revoke_form=EmptyForm(),
        new_token=new_token,
    ), status


@bp.route("/settings/profile", methods=["POST"])
@signed_in
def settings_profile():
    """Save name and display time zone."""
    form = ProfileForm()
    result = submit(form, lambda: accounts.update_profile(current_user, name=form.name.data,
                                                          timezone_name=form.timezone.data))
    if result.ok:
        flash("Profile saved.", "success")
        return redirect(url_for("main.settings"))
    return _render_settings(profile_form=form, status=result.status)


@bp.route("/settings/password", methods=["POST"])
@signed_in
def settings_password():
    """Change the password: every other session ends; this one stays signed in under a new session id."""
    form = PasswordForm()
    result = submit(form, lambda: accounts.change_password(current_user, form.current_password.data,
                                                           form.new_password.data))
    if result.ok:
        renew_session(current_user._get_current_object())
        flash("Password changed. Your other sessions are signed out; this one stays signed in.", "success")
        return redirect(url_for("main.settings"))
    return _render_settings(password_form=form, status=result.status)


@bp.route("/settings/tokens", methods=["POST"])
@signed_in
def token_create():
    """Create a personal API token; its value is shown once."""
    form = TokenForm()
    result = submit(form, lambda: accounts.create_api_token(current_user, form.name.data))
    if result.ok:
        flash("Token created. Copy it now: it will not be shown again.", "success")
        return _render_settings(new_token=result.value[1])
    return _render_settings(token_form=form, status=result.status)


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
@signed_in
def token_revoke(token_id: int):
    """Revoke one of your API tokens."""
    submit_action(lambda: accounts.revoke_api_token(current_user, token_id),
                  "Token revoked. Scripts using it will get 401 from now on.")
    return redirect(url_for("main.settings"))
