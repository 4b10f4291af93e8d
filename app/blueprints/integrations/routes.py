"""Integrations pages: connected shops (connect, switch on/off, disconnect, webhook URL, problems, audit trail),
the Shopify webhook itself, and the AI recipe assistant page (assistant.py)."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ...extensions import csrf
from ...services import recipes
from ...services.errors import NotFound
from ...services.integrations import assistant, shopify
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..api_docs import ErrorSchema
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from . import bp
from .forms import ConnectShopForm
from .links import webhook_url


@bp.route("/integrations")
@require_permission("organization.view")
def integration_settings():
    """Connected shops with their webhook address, switch, open problems and audit trail."""
    return _render_settings()


def _render_settings(form=None, status=200):
    org = current_org()
    connections = shopify.list_connections(org, current_user)
    shops = []
    for connection in connections:
        problems, total = shopify.list_problems(org, current_user, connection.id, per_page=200)
        shops.append({"connection": connection, "url": webhook_url(connection), "problems": problems,
                      "problem_total": total, "log": shopify.list_webhooks(org, current_user, connection.id)})
    items = recipes.item_options(org, current_user) if any(shop["problems"] for shop in shops) else []
    return render_template("integrations/settings.html", shops=shops, form=form or ConnectShopForm(formdata=None),
                           button_form=EmptyForm(), items=items,
                           assistant_on=assistant.assistant_available(org)), status


@bp.route("/integrations/shopify/connect", methods=["POST"])
@require_permission("organization.settings")
def shopify_connect():
    """Connect a shop by its domain and webhook secret (again: replace the secret)."""
    form = ConnectShopForm()
    result = submit(form, lambda: shopify.connect_shop(current_org(), current_user, shop_domain=form.shop_domain.data,
                                                       webhook_secret=form.webhook_secret.data))
    if result.ok:
        shop = result.value.connection
        flash(f"{shop.shop_domain} connected. Add the webhook address below to the shop for the order creation, "
              "order cancellation and refund create events." if result.value.created
              else f"Saved the new secret for {shop.shop_domain}.", "success")
        return redirect(url_for("integrations.integration_settings"))
    return _render_settings(form, result.status)


@bp.route("/integrations/<int:integration_id>/switch", methods=["POST"])
@require_permission("organization.settings")
def shopify_switch(integration_id: int):
    """Switch receiving orders on or off."""
    enabled = request.form.get("enabled") == "1"
    submit_action(lambda: shopify.set_shop_enabled(current_org(), current_user, integration_id, enabled),
                  lambda shop: f"{shop.shop_domain}: orders are {'received' if shop.enabled else 'paused'}.")
    return redirect(url_for("integrations.integration_settings"))


@bp.route("/integrations/<int:integration_id>/disconnect", methods=["POST"])
@require_permission("organization.settings")
def shopify_disconnect(integration_id: int):
    """Forget the shop's secret and retire its webhook address."""
    submit_action(lambda: shopify.disconnect_shop(current_org(), current_user, integration_id),
                  lambda shop: f"{shop.shop_domain} disconnected; its webhook address no longer works.")
    return redirect(url_for("integrations.integration_settings"))


@bp.route("/integrations/<int:integration_id>/problems/<int:problem_id>/retry", methods=["POST"])
@require_permission("products.sell")
def problem_retry(integration_id: int, problem_id: int):
    """Sell a problem line now."""
    submit_action(lambda: shopify.retry_problem(current_org(), current_user, integration_id, problem_id),
                  lambda sale: f"Sold: order {sale.order_ref}, sale {sale.id}.")
    return redirect(url_for("integrations.integration_settings", _anchor="problems"))


@bp.route("/integrations/<int:integration_id>/problems/<int:problem_id>/map", methods=["POST"])
@require_permission("inventory.edit")
def problem_map(integration_id: int, problem_id: int):
    """Give the chosen item this line's SKU, then sell the line."""
    item_id = parse_id(request.form.get("item_id"))
    submit_action(lambda: shopify.map_problem_sku(current_org(), current_user, integration_id, problem_id, item_id),
                  lambda sale: f"SKU saved on the item and sold: order {sale.order_ref}, sale {sale.id}.")
    return redirect(url_for("integrations.integration_settings", _anchor="problems"))


@bp.route("/integrations/<int:integration_id>/problems/<int:problem_id>/dismiss", methods=["POST"])
@require_permission("organization.settings")
def problem_dismiss(integration_id: int, problem_id: int):
    """Close a problem without selling."""
    submit_action(lambda: shopify.dismiss_problem(current_org(), current_user, integration_id, problem_id),
                  "Problem dismissed.")
    return redirect(url_for("integrations.integration_settings", _anchor="problems"))


@bp.route("/integrations/shopify/webhooks/<token>", methods=["POST"])
@csrf.exempt
def shopify_webhook(token: str):
    """Shopify's deliveries: 401 on a bad HMAC (no effect), 200 once applied or already applied (no second
    effect), 503 when applying failed (nothing applied; Shopify retries)."""
    try:
        result = shopify.receive_webhook(token, request.get_data(cache=False), request.headers)
    except NotFound as error:
        return jsonify(ErrorSchema().dump({"error": error})), 404
    except (shopify.WebhookRejected, shopify.WebhookMalformed, shopify.WebhookFailed) as error:
        return jsonify(ErrorSchema().dump({"error": error})), error.status
    return jsonify({"received": True, **result}), 200
