"""A viewer may look but never write: every write endpoint (page POST and API POST/PATCH/PUT) answers 403 to a
viewer of the same organization, with the ids of real rows, and nothing changes.

Routes come from app.url_map, so a new write endpoint is covered without editing this file.
"""
from __future__ import annotations

from ..helpers import csrf_token
from .test_tenancy_endpoints import API_BODIES, PAGE_FORMS, _snapshot, _url, world  # noqa: F401 (fixture)

# Writes every signed-in member may do on their own account, or that are not organization writes at all.
NOT_ORGANIZATION_WRITES = {
    "static", "auth.login", "auth.logout", "auth.signup", "auth.forgot_password", "auth.reset_password",
    "organization.accept_invite", "billing.stripe_webhook", "auth_api.create_token",
    "main.settings_profile", "main.settings_password", "main.token_create", "main.token_revoke",
    # the member's own e-mail choices and a digest mailed to themselves (tests/pages/notifications)
    "notifications.preferences", "notifications.digest_now",
    # the public craft calculators compute and never write (saving is tools.save_calculation)
    "tools.soap_calculator", "tools.candle_calculator", "tools.lotion_calculator",
    "tools_api.soap_tool", "tools_api.candle_tool", "tools_api.lotion_tool",
    # webhooks with no session: a signature decides (Whop: Standard Webhooks, test_whop_webhooks.py; Shopify: the
    # shop's HMAC at an unguessable address, test_shopify_integration.py)
    "billing.whop_webhook", "integrations.shopify_webhook",
    # Sign in with Google acts on the caller's own account (link/unlink) or signs a visitor up into a new
    # organization; never the member's organization (tests/pages/test_google_signin.py)
    "auth.google_signup", "auth.google_link", "auth.google_settings_link", "auth.google_settings_unlink",
}


def _write_rules(app, api: bool):
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_ORGANIZATION_WRITES or rule.rule.startswith("/developer"):
            continue  # /developer is a 404 for every non-developer (tests/services/organization/test_developer_console.py)
        if rule.rule.startswith("/api/") != api:
            continue
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT", "DELETE"}):
            rules.append((rule, method))
    return sorted(rules, key=lambda pair: (pair[0].rule, pair[1]))


def test_viewer_gets_403_on_every_page_write(app, client, org, viewer, world, login):
    """Does every page form POST answer 403 to a viewer of the same organization, writing nothing?"""
    before = _snapshot(org)
    login(viewer)
    token = csrf_token(client, "/settings")
    answered = []
    for rule, method in _write_rules(app, api=False):
        data = {**PAGE_FORMS.get(rule.endpoint, {}), "csrf_token": token}
        response = client.open(_url(rule, world), method=method, data=data)
        answered.append((rule.endpoint, method, response.status_code))
    wrong = [row for row in answered if row[2] != 403]
    assert not wrong, "expected 403 for a viewer:\n" + "\n".join(map(str, wrong))
    assert len(answered) > 40, len(answered)
    assert _snapshot(org) == before


def test_viewer_gets_403_on_every_api_write(app, client, org, viewer, world, api_token):
    """Does every /api/v1 write answer 403 `forbidden` to a viewer's token, writing nothing?"""
    before = _snapshot(org)
    headers = {"Authorization": f"Bearer {api_token(viewer)}"}
    bodies = {**API_BODIES,  # complete bodies, so that only the permission can refuse them
              "batches_api.batch_start": {"recipe_id": world["recipe_id"], "scale": "1"},
              "recipes_api.recipe_create": {"name": "Viewer soap", "yield_quantity": "1", "yield_unit": "kg",
                                            "lines": [{"item_id": world["item_id"], "quantity": "1", "unit": "g"}]},
              "sales_api.sale_create": {"item_id": world["item_id"], "quantity": "1", "unit_price": "1"},
              "sales_api.reservation_create": {"item_id": world["item_id"], "quantity": "1", "order_ref": "V-1"},
              "inventory_api.item_create": {"name": "Viewer oil", "kind": "ingredient", "unit": "g"}}
    answered = []
    for rule, method in _write_rules(app, api=True):
        response = client.open(_url(rule, world), method=method, json=bodies.get(rule.endpoint, {}),
                               headers=headers)
        body = response.get_json(silent=True) or {}
        answered.append((rule.endpoint, method, response.status_code, body.get("error", {}).get("code")))
    wrong = [row for row in answered if row[2:] != (403, "forbidden")]
    assert not wrong, "expected 403 forbidden for a viewer:\n" + "\n".join(map(str, wrong))
    assert len(answered) >= 12, len(answered)
    assert _snapshot(org) == before
