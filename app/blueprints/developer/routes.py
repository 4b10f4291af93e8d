"""Developer console pages. Every /developer URL answers 404 to anyone but a platform developer."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ...services import developer
from ...tenant import VIEW_AS_KEY, find_current_org, is_viewing_as
from ..forms_support import EmptyForm, submit, submit_action
from ..pages import page_arg
from . import bp
from .forms import GlobalItemForm, SuspendForm, TierForm


@bp.before_request
def _developers_only():
    if not (current_user.is_authenticated and current_user.is_developer):
        abort(404)


@bp.before_app_request
def _developer_needs_an_org():
    """While a developer views an organization, app.tenant resolves it (authorize() refuses writes);
    a developer viewing none is sent to the console from tenant pages."""
    if request.endpoint == "static" or request.path.startswith("/api/"):
        return None
    return _developer_without_org()


# Pages a developer may open without viewing an organization (everything else needs an organization).
_ORGLESS_BLUEPRINTS = {"developer", "auth", "main"}
_ORGLESS_ENDPOINTS = {"billing.pricing", "billing.stripe_webhook", "organization.accept_invite"}


def _developer_without_org():
    """A developer who is not viewing an organization is sent to the console instead of a tenant page."""
    if not (current_user.is_authenticated and current_user.is_developer) or find_current_org() is not None:
        return None
    endpoint = request.endpoint or ""
    if endpoint in _ORGLESS_ENDPOINTS or endpoint.split(".", 1)[0] in _ORGLESS_BLUEPRINTS or not endpoint:
        return None
    flash("Choose an organization and “View as” to open its pages.", "info")
    return redirect(url_for("developer.console"))


@bp.app_context_processor
def _view_as_banner():
    """The view-as banner, and developer navigation in place of tenant links when viewing no organization."""
    context = {"view_as_org": find_current_org() if is_viewing_as() else None}
    if current_user.is_authenticated and current_user.is_developer:
        console = [{"label": "Console", "url": url_for("developer.console"), "endpoint": "developer.console"}]
        if is_viewing_as():
            return context
        context["nav_items"] = console + [{"label": "Ingredient library", "url": url_for("developer.library_list"),
                                           "endpoint": "developer.library_list"}]
    return context


@bp.route("")
def console():
    """Platform stats, every organization with its usage, and the latest developer actions."""
    listing = developer.list_organizations(current_user, q=request.args.get("q", ""), page=page_arg())
    return render_template("developer/console.html", listing=listing, stats=developer.platform_stats(current_user),
                           audit=developer.list_audit(current_user, limit=20), q=request.args.get("q", ""),
                           is_admin=developer.is_admin(current_user))


@bp.route("/organizations/<int:org_id>")
def organization_detail(org_id: int):
    """One organization: members, usage, billing state, actions and its audit trail."""
    detail = developer.organization_detail(current_user, org_id)
    tier_form = TierForm(formdata=None, tier=detail["org"].tier.key)
    return render_template("developer/organization_detail.html", detail=detail, tier_form=tier_form,
                           suspend_form=SuspendForm(formdata=None), action_form=EmptyForm(),
                           is_admin=developer.is_admin(current_user))


def _back(org_id: int):
    return redirect(url_for("developer.organization_detail", org_id=org_id))


@bp.route("/organizations/<int:org_id>/tier", methods=["POST"])
def organization_tier(org_id: int):
    """Move an organization to another tier (audited)."""
    form = TierForm()
    result = submit(form, lambda: developer.change_tier(current_user, org_id, form.tier.data,
                                                        reason=form.reason.data or ""))
    if result.ok:
        flash(f"{result.value.name} is now on {result.value.tier.name}.", "success")
    return _back(org_id)


@bp.route("/organizations/<int:org_id>/suspend", methods=["POST"])
def organization_suspend(org_id: int):
    """Suspend an organization (its members are signed out; audited)."""
    form = SuspendForm()
    result = submit(form, lambda: developer.suspend_organization(current_user, org_id, reason=form.reason.data or ""))
    if result.ok:
        flash(f"{result.value.name} is suspended.", "success")
    return _back(org_id)


@bp.route("/organizations/<int:org_id>/reactivate", methods=["POST"])
def organization_reactivate(org_id: int):
    """Lift a suspension (audited)."""
    submit_action(lambda: developer.reactivate_organization(current_user, org_id),
                  lambda org: f"{org.name} is active again.")
    return _back(org_id)


@bp.route("/organizations/<int:org_id>/view-as", methods=["POST"])
def view_as_start(org_id: int):
    """View the app as this organization, read-only, until you end it (audited)."""
    if not EmptyForm().validate_on_submit():
        return _back(org_id)
    previous = session.get(VIEW_AS_KEY)
    if previous is not None and previous != org_id:
        developer.end_view_as(current_user, previous)
    org = developer.start_view_as(current_user, org_id)
    session[VIEW_AS_KEY] = org.id
    flash(f"Viewing {org.name} read-only. Writes are refused until you end the view.", "info")
    return redirect(url_for("main.dashboard"))


@bp.route("/view-as/end", methods=["POST"])
def view_as_end():
    """Stop viewing an organization (audited)."""
    org_id = session.get(VIEW_AS_KEY)
    if EmptyForm().validate_on_submit() and org_id is not None:
        developer.end_view_as(current_user, org_id)
        session.pop(VIEW_AS_KEY, None)
        flash("View-as ended.", "info")
        return _back(org_id)
    return redirect(url_for("developer.console"))


@bp.route("/library")
def library_list():
    """The global ingredient library."""
    listing = developer.list_global_items(current_user, q=request.args.get("q", ""), page=page_arg())
    return render_template("developer/library_list.html", listing=listing, q=request.args.get("q", ""),
                           is_admin=developer.is_admin(current_user))


def _library_form(form, item=None):
    if item is not None and not form.is_submitted():
        form.density.data = _plain(item.density)
        form.sap_naoh.data = _plain(item.sap_naoh)
        form.sap_koh.data = _plain(item.sap_koh)
    return form


def _plain(value) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _save_library(form, item=None):
    data = {name: getattr(form, name).data for name in
            ("name", "inci", "category", "density", "shelf_life_days", "sap_naoh", "sap_koh")}
    if item is None:
        return developer.create_global_item(current_user, **data)
    return developer.update_global_item(current_user, item.id, **data)


@bp.route("/library/new", methods=["GET", "POST"])
def library_new():
    """Add an ingredient or container to the global library (admin developers)."""
    return _library_edit_page(None)


@bp.route("/library/<int:item_id>/edit", methods=["GET", "POST"])
def library_edit(item_id: int):
    """Edit a library entry (admin developers)."""
    return _library_edit_page(developer.get_global_item(current_user, item_id))


def _library_edit_page(item):
    form = _library_form(GlobalItemForm(obj=item), item)
    result = submit(form, lambda: _save_library(form, item))
    if result.ok:
        flash(f"“{result.value.name}” saved to the library.", "success")
        return redirect(url_for("developer.library_list", q=result.value.name))
    return render_template("developer/library_form.html", form=form, item=item,
                           is_admin=developer.is_admin(current_user)), result.status
