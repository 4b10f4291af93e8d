"""Pricing (public), the billing page, redirects to Stripe Checkout and the customer portal, grace banner."""
from __future__ import annotations

from types import SimpleNamespace

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...links import absolute_url
from ...services import billing, reference
from ...services.authz import has_permission
from ...services.features import feature_enabled
from ...tenant import current_org, find_current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit
from . import bp

STATUS_LABELS = {"free": "Free plan", "active": "Active", "trialing": "Trial", "past_due": "Payment failed",
                 "read_only": "Read-only (unpaid)", "canceled": "Canceled", "suspended": "Suspended"}


def _included(tier) -> list[str]:
    """What a maker gets on a tier, in plain words (from its permission ceiling and feature flags)."""
    permissions = {p.name for p in tier.permissions}
    probe = SimpleNamespace(tier=tier)
    lines = ["Inventory in lots with expiry dates, oldest used first", "Recipes, batches and full lot traceability",
             "JSON API with personal tokens"]
    if "inventory.import" in permissions:
        lines.append("CSV import of items, stock and sales")
    if feature_enabled(probe, "recipe_variations"):
        lines.append("Recipe variations")
    if "organization.manage_roles" in permissions and feature_enabled(probe, "custom_roles"):
        lines.append("Custom roles with a permission matrix")
    if feature_enabled(probe, "integrations"):
        lines.append("Shop and point-of-sale integrations")
    return lines


@bp.route("/pricing")
def pricing():
    """Plans with price, user limit and what's included; owners can upgrade from here."""
    tiers = [t for t in reference.list_tiers() if t.is_public]
    org = find_current_org()
    can_buy = org is not None and has_permission(current_user, "billing.manage") and not current_user.is_developer
    return render_template("billing/pricing.html", tiers=tiers, included={t.key: _included(t) for t in tiers},
                           current_tier=org.tier if org is not None else None, can_buy=can_buy,
                           checkout_form=EmptyForm())


@bp.route("/billing")
@require_permission("billing.view")
def billing_page():
    """The plan, billing status, grace deadline and next invoice date."""
    org = current_org()
    if request.args.get("checkout") == "success":
        flash("Thank you! Your plan changes as soon as the payment provider confirms the payment "
              "(usually within a minute).", "success")
    elif request.args.get("checkout") == "canceled":
        flash("Checkout canceled; nothing was charged.", "info")
    overview = billing.billing_overview(org, current_user)
    return render_template("billing/billing.html", overview=overview,
                           status_label=STATUS_LABELS.get(overview["status"], overview["status"]),
                           can_manage=has_permission(current_user, "billing.manage") and not current_user.is_developer,
                           action_form=EmptyForm())


@bp.route("/billing/checkout", methods=["POST"])
@require_permission("billing.manage")
def checkout():
    """Send the owner to Stripe Checkout for the chosen plan."""
    result = submit(EmptyForm(), lambda: billing.start_checkout(
        current_org(), current_user, request.form.get("tier", ""),
        success_url=absolute_url("billing.billing_page", checkout="success"),
        cancel_url=absolute_url("billing.billing_page", checkout="canceled")))
    return _to_stripe(result, expired_back_to="billing.pricing")


@bp.route("/billing/portal", methods=["POST"])
@require_permission("billing.manage")
def portal():
    """Send the owner to the Stripe customer portal (card, invoices, plan, cancellation)."""
    result = submit(EmptyForm(), lambda: billing.portal_url(current_org(), current_user,
                                                            return_url=absolute_url("billing.billing_page")))
    return _to_stripe(result, expired_back_to="billing.billing_page")


def _to_stripe(result, *, expired_back_to: str):
    """Off to the Stripe page on success; an expired form back where it came from; a refusal (flashed, even
    an unknown plan) back to the billing page."""
    if result.ok:
        return redirect(result.value, code=303)
    if result.error is None:
        flash("The form expired; try again.", "error")
        return redirect(url_for(expired_back_to))
    return redirect(url_for("billing.billing_page"))


@bp.app_context_processor
def _grace_banner():
    """Owners (billing.manage) see a banner on every page while a failed payment's grace period runs."""
    org = find_current_org()
    if org is None or not getattr(current_user, "is_authenticated", False) or current_user.is_developer:
        return {"billing_grace_until": None}
    if billing.in_grace(org) and has_permission(current_user, "billing.manage"):
        return {"billing_grace_until": org.grace_until}
    return {"billing_grace_until": None}
