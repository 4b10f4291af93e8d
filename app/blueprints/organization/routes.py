"""Team pages: members and invitations, accepting an invitation, organization settings."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ...links import absolute_url
from ...services import accounts, organizations
from ...services.authz import has_permission
from ...services.errors import NotFound
from ...services.mailer import send_mail
from ...tenant import current_org
from ..auth.sessions import start_session
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from . import bp
from .forms import AcceptInviteForm, InviteForm, RoleChangeForm, SettingsForm

SEAT_REFUSAL = (organizations.UserLimitReached,)  # shown as the page's upgrade prompt, not on the form


def role_choices(org, actor) -> list[tuple[int, str]]:
    """The roles `actor` may give, as (id, label) choices; only owners see the owner role."""
    available = organizations.list_roles(org, actor)
    is_owner = actor.role is not None and actor.role.is_owner
    return [(r.id, r.name + ("" if r.is_system else " (custom)")) for r in available if is_owner or not r.is_owner]


@bp.route("/organization")
@require_permission("organization.view")
def organization_home():
    """The organization section starts at the team page (or the roles page for members who only view)."""
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
        usage=organizations.seat_usage(org, current_user), invite_form=invite_form, role_choices=choices,
        action_form=EmptyForm(), limit_error=limit_error), status


def _seat_refused(result):
    """The team page with the plan's upgrade prompt when the user limit refused the change, else None."""
    if isinstance(result.error, organizations.UserLimitReached):
        return _render_users(status=422, limit_error=result.error.message)
    return None


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
    result = submit(form, lambda: organizations.invite_user(org, current_user, email=form.email.data,
                                                            role_id=form.role_id.data, name=form.name.data or ""),
                    shown_by_page=SEAT_REFUSAL)
    if result.ok:
        user, raw = result.value
        if _send_invite(org, user, raw):
            flash(f"Invitation sent to {user.email}. The link works once and expires in 7 days.", "success")
        return redirect(url_for("organization.user_list"))
    limit_error = result.error.message if isinstance(result.error, organizations.UserLimitReached) else None
    return _render_users(form, result.status, limit_error=limit_error)


@bp.route("/organization/users/<int:user_id>/role", methods=["POST"])
@require_permission("organization.manage_users")
def user_role(user_id: int):
    """Give a member another role."""
    org = current_org()
    form = RoleChangeForm()
    form.role_id.choices = role_choices(org, current_user)
    result = submit(form, lambda: organizations.change_user_role(org, current_user, user_id, form.role_id.data))
    if result.ok:
        flash(f"{result.value.email} is now {result.value.role.name}.", "success")
    elif isinstance(result.error, NotFound):
        raise result.error  # another organization's member is a 404 page, like any unknown id
    elif result.error is None:
        organizations.get_member(org, current_user, user_id)  # an unknown or foreign member is a 404 first
        flash("Choose a role from the list.", "error")
    return redirect(url_for("organization.user_list"))


@bp.route("/organization/users/<int:user_id>/deactivate", methods=["POST"])
@require_permission("organization.manage_users")
def user_deactivate(user_id: int):
    """Deactivate a member; their sessions and API tokens stop working at once."""
    submit_action(lambda: organizations.deactivate_user(current_org(), current_user, user_id),
                  lambda user: f"{user.email} is deactivated and signed out everywhere.")
    return redirect(url_for("organization.user_list"))


@bp.route("/organization/users/<int:user_id>/reactivate", methods=["POST"])
@require_permission("organization.manage_users")
def user_reactivate(user_id: int):
    """Let a deactivated member sign in again."""
    result = submit_action(lambda: organizations.reactivate_user(current_org(), current_user, user_id),
                           lambda user: f"{user.email} can sign in again.", shown_by_page=SEAT_REFUSAL)
    return _seat_refused(result) or redirect(url_for("organization.user_list"))


@bp.route("/organization/users/<int:user_id>/resend", methods=["POST"])
@require_permission("organization.manage_users")
def user_resend_invite(user_id: int):
    """Send a fresh invitation link (the previous one stops working)."""
    org = current_org()
    result = submit_action(lambda: organizations.resend_invite(org, current_user, user_id),
                           shown_by_page=SEAT_REFUSAL)
    if result.ok and _send_invite(org, *result.value):
        flash(f"A new invitation link was sent to {result.value[0].email}.", "success")
    return _seat_refused(result) or redirect(url_for("organization.user_list"))


@bp.route("/organization/users/<int:user_id>/cancel-invite", methods=["POST"])
@require_permission("organization.manage_users")
def user_cancel_invite(user_id: int):
    """Withdraw an invitation that was not accepted yet."""
    submit_action(lambda: organizations.cancel_invite(current_org(), current_user, user_id), "Invitation withdrawn.")
    return redirect(url_for("organization.user_list"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """Join an organization from an invitation link: choose a name and password, then you are signed in."""
    invited = organizations.find_invite(token)
    if invited is None:
        return render_template("organization/invite_invalid.html", message=accounts.LINK_GONE), 410
    form = AcceptInviteForm()
    if not form.is_submitted():
        form.name.data = invited.name
    result = submit(form, lambda: organizations.accept_invite(token, name=form.name.data, password=form.password.data))
    if result.ok:
        start_session(result.value)  # fresh session id, then signed in
        flash(f"Welcome to {result.value.organization.name}, {result.value.display_name}!", "success")
        return redirect(url_for("main.dashboard"))
    return render_template("organization/invite_accept.html", form=form, invited=invited), result.status


@bp.route("/organization/settings", methods=["GET", "POST"])
@require_permission("organization.settings")
def settings():
    """Organization name, time zone, expiring-soon window, consumption order and currency."""
    org = current_org()
    form = SettingsForm(obj=org)
    result = submit(form, lambda: organizations.update_settings(
        org, current_user, name=form.name.data, timezone_name=form.timezone.data,
        expiring_soon_days=form.expiring_soon_days.data, consumption_order=form.consumption_order.data,
        currency=form.currency.data))
    if result.ok:
        flash("Organization settings saved.", "success")
        return redirect(url_for("organization.settings"))
    return render_template("organization/settings.html", form=form), result.status
