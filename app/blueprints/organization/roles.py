"""Role pages: system and custom roles, the permission matrix (limited to the plan), upgrade prompts."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import organizations
from ...services.authz import has_permission
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from . import bp
from .forms import RoleForm


def _matrix(org) -> list[dict]:
    """Plan permissions grouped by domain, for the checkbox matrix."""
    groups: dict[str, list[dict]] = {}
    for name in organizations.tier_permission_names(org, current_user):
        groups.setdefault(name.split(".", 1)[0], []).append(
            {"name": name, "description": organizations.PERMISSION_DESCRIPTIONS.get(name, "")})
    return [{"domain": domain, "permissions": perms} for domain, perms in groups.items()]


@bp.route("/organization/roles")
@require_permission("organization.view")
def role_list():
    """Every role and what it may do; custom roles when the plan includes them."""
    org = current_org()
    return render_template(
        "organization/role_list.html", roles=organizations.list_roles(org, current_user),
        member_counts=organizations.role_member_counts(org, current_user), matrix=_matrix(org),
        custom_roles=organizations.custom_roles_available(org),
        can_manage=has_permission(current_user, "organization.manage_roles"), action_form=EmptyForm())


def _gate(org):
    """Upgrade prompt when the plan lacks custom roles; 403 page when the role lacks the permission."""
    if not organizations.custom_roles_available(org):
        return render_template("organization/roles_upgrade.html"), 200
    if not has_permission(current_user, "organization.manage_roles"):
        return render_template("errors/403.html", status=403,
                               message="Your role does not allow managing roles (organization.manage_roles)."), 403
    return None


def _render_role_form(org, form, role=None, selected=None, status=200):
    selected = set(selected if selected is not None else ([p.name for p in role.permissions] if role else []))
    return render_template("organization/role_form.html", form=form, role=role, matrix=_matrix(org),
                           selected=selected), status


@bp.route("/organization/roles/new", methods=["GET", "POST"])
@require_permission("organization.view")
def role_new():
    """Create a custom role from the plan's permissions."""
    org = current_org()
    gated = _gate(org)
    if gated:
        return gated
    form = RoleForm()
    selected = request.form.getlist("permissions") if form.is_submitted() else None
    result = submit(form, lambda: organizations.create_role(org, current_user, name=form.name.data,
                                                            description=form.description.data or "",
                                                            permissions=selected))
    if result.ok:
        flash(f"Role “{result.value.name}” created. Give it to members on the team page.", "success")
        return redirect(url_for("organization.role_list"))
    return _render_role_form(org, form, selected=selected, status=result.status)


@bp.route("/organization/roles/<int:role_id>/edit", methods=["GET", "POST"])
@require_permission("organization.view")
def role_edit(role_id: int):
    """Rename a custom role or change its permissions."""
    org = current_org()
    gated = _gate(org)
    if gated:
        return gated
    role = organizations.get_role(org, current_user, role_id)
    if role.organization_id is None:
        flash("System roles cannot be changed; create a custom role instead.", "error")
        return redirect(url_for("organization.role_list"))
    form = RoleForm(obj=role)
    selected = request.form.getlist("permissions") if form.is_submitted() else None
    result = submit(form, lambda: organizations.update_role(org, current_user, role.id, name=form.name.data,
                                                            description=form.description.data or "",
                                                            permissions=selected))
    if result.ok:
        flash(f"Role “{role.name}” saved.", "success")
        return redirect(url_for("organization.role_list"))
    return _render_role_form(org, form, role, selected, result.status)


@bp.route("/organization/roles/<int:role_id>/delete", methods=["POST"])
@require_permission("organization.manage_roles")
def role_delete(role_id: int):
    """Delete a custom role nobody holds."""
    submit_action(lambda: organizations.delete_role(current_org(), current_user, role_id), "Role deleted.")
    return redirect(url_for("organization.role_list"))
