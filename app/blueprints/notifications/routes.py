"""The Notifications page (/settings/notifications) and the organization's digest setting."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import jobs, notifications
from ...services.authz import has_permission
from ...tenant import current_org
from ..decorators import require_permission, signed_in
from ..forms_support import EmptyForm, submit, submit_action
from . import bp
from .forms import DigestSettingsForm, PreferencesForm


def _developer_page(status=200):
    """Developers belong to no organization: the page says so (and refuses a POST)."""
    return render_template("notifications/preferences.html", prefs=None), status


def _render(form=None, status=200):
    org = current_org()
    prefs = notifications.get_preferences(org, current_user)
    if form is None:
        form = PreferencesForm(formdata=None, data={"digest": prefs.digest, "alert_types": prefs.alert_types})
    return render_template("notifications/preferences.html", form=form, prefs=prefs,
                           setting=notifications.digest_setting(org), now_form=EmptyForm(),
                           can_edit_org=has_permission(current_user, "organization.settings")), status


@bp.route("/settings/notifications", methods=["GET", "POST"])
@signed_in
def preferences():
    """Your e-mail choices: the digest, and (owners and managers) which alerts are mailed as they open."""
    if current_user.is_developer:
        return _developer_page(200 if request.method == "GET" else 403)
    if request.method == "GET":
        return _render()
    org = current_org()
    form = PreferencesForm()
    result = submit(form, lambda: notifications.update_preferences(
        org, current_user, digest=bool(form.digest.data), alert_types=form.alert_types.data or []))
    if result.ok:
        flash("Notification settings saved.", "success")
        return redirect(url_for("notifications.preferences"))
    return _render(form, result.status)


@bp.route("/settings/notifications/digest-now", methods=["POST"])
@signed_in
def digest_now():
    """Send me a digest now (whatever the period; "nothing to report" rather than an empty mail). It runs as a
    "digest" job: finished at once without a queue, else (or when the mail server refused it) its page."""
    if current_user.is_developer:
        return _developer_page(403)
    result = submit_action(lambda: jobs.start(current_org(), current_user, "digest", {}, title="Digest e-mail"))
    if result.ok:
        job = result.value
        if job.status != "succeeded":
            return redirect(url_for("jobs.detail", job_id=job.id))
        flash(_message(jobs.result_of(job)), "success")
    return redirect(url_for("notifications.preferences"))


def _message(value: dict) -> str:
    if value.get("reason") == "nothing_to_report":
        return "Nothing to report: no open alerts, nothing to reorder, nothing expiring and no stock movements."
    return f"Digest sent to {value.get('email', 'you')}."


@bp.route("/organization/settings/digest", methods=["POST"])
@require_permission("organization.settings")
def digest_settings():
    """How often the organization's digest goes out (daily, weekly on a weekday, or off)."""
    org = current_org()
    form = DigestSettingsForm()
    result = submit(form, lambda: notifications.update_digest_setting(
        org, current_user, frequency=form.frequency.data, weekday=form.weekday.data))
    if result.ok:
        flash("Digest e-mail setting saved.", "success")
        return redirect(url_for("organization.settings") + "#digest")
    from ..organization.forms import SettingsForm

    return render_template("organization/settings.html", form=SettingsForm(obj=org), digest_form=form), result.status


@bp.app_template_global()
def digest_settings_form():
    """The organization's digest setting form (current values) for the organization settings page."""
    return DigestSettingsForm(formdata=None, data=notifications.digest_setting(current_org()))
