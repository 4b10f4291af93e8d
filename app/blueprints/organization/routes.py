"""Team pages: members and invitations, accepting an invitation, organization settings."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ...links import absolute_url
from ...services import organizations
from ...services.errors import DomainError, NotFound
from ...services.mailer import send_mail
from ...tenant import current_org
from ..auth.routes import _start_session
from ..decorators import require_permission
from ..forms_support import apply_field_errors
from ..main.forms import EmptyForm
from ..pages import error_status
from .forms import AcceptInviteForm, InviteForm, RoleChangeForm, SettingsForm

bp = Blueprint("organization", __name__)


def role_choices(org, actor) -> list[tuple[int, str]]:
    available = organizations.list_roles(org)
    is_owner = actor.role is not None and actor.role.is_owner
    return [(r.id, r.name + ("" if r.is_system else " (custom)")) for r in available if is_owner or not r.is_owner]


@bp.route("/organization")
@require_permission("organization.view")
def organization_home():
    """The organization section starts at the team page (or the roles page for members who only view)."""
    from ...services.authz import has_permission

    if has_permission(current_user, "organization.manage_users"):
        return redirect(url_for("organization.user_list"))
    return redirect(url_for("organization.role_list"))


@bp.route("/organization/users")
@require_permission("organization.manage_users")
def user_list():
    """Members, pending invitations and the plan's user limit."""
    return _render_users()


def _render_users(invite_form=None, status=200, limit_error=None):
    org = current_org()
    invite_form = invite_form or InviteForm(formdata=None)
    choices = role_choices(org, current_user)
    invite_form.role_id.choices = choices
    if invite_form.role_id.data is None:
        invite_form.role_id.data = next((rid for rid, label in choices if label == "Maker"), choices[0][0])
    return render_template(
        "organization/user_list.html", members=organizations.list_members(org, current_user),
        usage=organizations.seat_usage(org), invite_form=invite_form, role_choices=choices,
        action_form=EmptyForm(), limit_error=limit_error), status


def _send_invite(org, user, raw_token: str) -> bool:
    """Mail the invitation link; False (and an error flash) when the mail server refused it."""
    link = absolute_url("organization.accept_invite", token=raw_token)
    sent = send_mail(user.email, f"You're invited to {org.name} on BatchTrack",
                     f"Hello{(' ' + user.name) if user.name else ''},\n\n{current_user.display_name} invited "
                     f"you to join {org.name} on BatchTrack as {user.role.name if user.role else 'a member'}.\n\n"
                     f"Open this link within 7 days to choose your password and join:\n{link}\n\n"
                     "The link works once. If you were not expecting this, ignore this email.")
    if not sent:
        flash(f"The invitation for {user.email} is saved, but its email could not be sent; check the mail "
              "settings, then use Resend.", "error")
    return sent


@bp.route("/organization/users/invite", methods=["POST"])
@require_permission("organization.manage_users")
def user_invite():
    """Invite someone by email (counts toward the plan's user limit until they join or the link expires)."""
    org = current_org()
    form = InviteForm()
    form.role_id.choices = role_choices(org, current_user)
    if form.validate_on_submit():
        try:
            user, raw = organizations.invite_user(org, current_user, email=form.email.data,
                                                  role_id=form.role_id.data, name=form.name.data or "")
        except organizations.UserLimitReached as exc:
            return _render_users(form, 422, limit_error=exc.message)
        except DomainError as exc:
            apply_field_errors(form, exc)
            return _render_users(form, error_status(exc))
        if _send_invite(org, user, raw):
            flash(f"Invitation sent to {user.email}. The link works once and expires in 7 days.", "success")
        return redirect(url_for("organization.user_list"))
    return _render_users(form, 422)


def _member_action(action, success: str):
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            result = action()
        except organizations.UserLimitReached as exc:
            return _render_users(status=422, limit_error=exc.message)
        except NotFound:
            raise  # another organization's member is a 404 page, like any unknown id
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(success.format(user=getattr(result, "email", "")), "success")
    return redirect(url_for("organization.user_list"))


@bp.route("/organization/users/<int:user_id>/role", methods=["POST"])
@require_permission("organization.manage_users")
def user_role(user_id: int):
    """Give a member another role."""
    org = current_org()
    form = RoleChangeForm()
    form.role_id.choices = role_choices(org, current_user)
    if form.validate_on_submit():
        try:
            user = organizations.change_user_role(org, current_user, user_id, form.role_id.data)
        except NotFound:
            raise
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(f"{user.email} is now {user.role.name}.", "success")
    else:
        organizations.get_member(org, user_id)  # an unknown or foreign member is a 404 before the form matters
        flash("Choose a role from the list.", "error")
    return redirect(url_for("organization.user_list"))


@bp.route("/organization/users/<int:user_id>/deactivate", methods=["POST"])
@require_permission("organization.manage_users")
def user_deactivate(user_id: int):
    """Deactivate a member; their sessions and API tokens stop working at once."""
    org = current_org()
    return _member_action(lambda: organizations.deactivate_user(org, current_user, user_id),
                          "{user} is deactivated and signed out everywhere.")


@bp.route("/organization/users/<int:user_id>/reactivate", methods=["POST"])
@require_permission("organization.manage_users")
def user_reactivate(user_id: int):
    """Let a deactivated member sign in again."""
    org = current_org()
    return _member_action(lambda: organizations.reactivate_user(org, current_user, user_id),
                          "{user} can sign in again.")


@bp.route("/organization/users/<int:user_id>/resend", methods=["POST"])
@require_permission("organization.manage_users")
def user_resend_invite(user_id: int):
    """Send a fresh invitation link (the previous one stops working)."""
    org = current_org()
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            user, raw = organizations.resend_invite(org, current_user, user_id)
        except organizations.UserLimitReached as exc:
            return _render_users(status=422, limit_error=exc.message)
        except NotFound:
            raise
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            if _send_invite(org, user, raw):
                flash(f"A new invitation link was sent to {user.email}.", "success")
    return redirect(url_for("organization.user_list"))


@bp.route("/organization/users/<int:user_id>/cancel-invite", methods=["POST"])
@require_permission("organization.manage_users")
def user_cancel_invite(user_id: int):
    """Withdraw an invitation that was not accepted yet."""
    org = current_org()
    return _member_action(lambda: organizations.cancel_invite(org, current_user, user_id),
                          "Invitation withdrawn.")


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """Join an organization from an invitation link: choose a name and password, then you are signed in."""
    try:
        invited = organizations.check_invite(token)
    except DomainError as exc:
        return render_template("organization/invite_invalid.html", message=exc.message), 410
    form = AcceptInviteForm()
    if form.validate_on_submit():
        try:
            user = organizations.accept_invite(token, name=form.name.data, password=form.password.data)
        except DomainError as exc:
            apply_field_errors(form, exc)
        else:
            _start_session(user)  # fresh session id, then signed in
            flash(f"Welcome to {user.organization.name}, {user.display_name}!", "success")
            return redirect(url_for("main.dashboard"))
    elif not form.is_submitted():
        form.name.data = invited.name
    return render_template("organization/invite_accept.html", form=form, invited=invited), 422 if form.errors else 200


@bp.route("/organization/settings", methods=["GET", "POST"])
@require_permission("organization.settings")
def settings():
    """Organization name, time zone, expiring-soon window, consumption order and currency."""
    org = current_org()
    form = SettingsForm(obj=org)
    if form.validate_on_submit():
        try:
            organizations.update_settings(
                org, current_user, name=form.name.data, timezone_name=form.timezone.data,
                expiring_soon_days=form.expiring_soon_days.data, consumption_order=form.consumption_order.data,
                currency=form.currency.data)
        except DomainError as exc:
            apply_field_errors(form, exc)
            return render_template("organization/settings.html", form=form), error_status(exc)
        flash("Organization settings saved.", "success")
        return redirect(url_for("organization.settings"))
    return render_template("organization/settings.html", form=form), 422 if form.errors else 200


from . import roles  # noqa: E402,F401  (registers the role pages on bp)
