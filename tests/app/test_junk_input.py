"""Bad input on every form and every JSON endpoint is a 4xx, never a 500 (SPEC.md §4; issue 2 acceptance).

Every write route in app.url_map is posted junk — empty, negative/huge/non-numeric numbers, NaN, very long text,
wrong JSON types — in every field name any page of the app renders. The owner of the organization sends it, with
real ids, so the requests reach the services.
"""
from __future__ import annotations

import re

import pytest

from ..helpers import csrf_token
from .test_tenancy_endpoints import _url, world  # noqa: F401 (fixture)

SKIP = {"static", "auth.logout", "auth.reset_password", "organization.accept_invite",  # token links
        "billing.stripe_webhook",  # the webhook has its own signature tests
        "billing.checkout", "billing.portal"}  # these call Stripe (tests/pages/test_plans_and_billing.py use a fake)
FORM_JUNK = ["", "-1", "1e999", "NaN", "abc", "9" * 40, "x" * 5000, "2026-13-45"]
JSON_JUNK = ["", "-1", "1e999", "NaN", "abc", -5, 1e308, True, None, [], {"a": 1}, "x" * 5000]


def _field_names(client, world) -> set[str]:
    """Every input/select/textarea name rendered by the app's GET pages."""
    pages = ["/inventory/new", f"/inventory/{world['item_id']}", f"/inventory/{world['item_id']}/edit",
             "/recipes/new", f"/recipes/{world['recipe_id']}/edit", "/batches/new", f"/batches/{world['batch_id']}",
             "/suppliers/new", "/products/new", f"/products/{world['product_id']}", "/sales/new", "/sales/import",
             "/sales/reservations", "/units", f"/trace/lots/{world['code']}", "/organization/users",
             "/organization/roles/new", "/organization/settings", "/settings"]
    names = set()
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        names |= set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))
    names.discard("csrf_token")
    return names


def _routes(app, api: bool):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP or rule.rule.startswith("/developer") or rule.rule.startswith("/api/") != api:
            continue
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT"}):
            yield rule, method


@pytest.mark.parametrize("junk", FORM_JUNK, ids=["empty", "negative", "huge", "nan", "text", "digits", "long",
                                                 "bad-date"])
def test_junk_in_every_form_field_is_never_a_500(app, client, owner, world, login, junk):
    """Does every page form answer junk in all of its fields with something other than a server error?"""
    login(owner)
    names = _field_names(client, world)
    assert {"quantity", "name", "unit"} <= names, names
    token = csrf_token(client, "/settings")
    failures = []
    for rule, method in _routes(app, api=False):
        data = {name: junk for name in names}
        data["csrf_token"] = token
        response = client.open(_url(rule, world), method=method, data=data)
        if response.status_code >= 500:
            failures.append((rule.endpoint, method, response.status_code))
    assert not failures, failures


@pytest.mark.parametrize("junk", JSON_JUNK, ids=lambda value: type(value).__name__ + str(value)[:8])
def test_junk_in_every_json_field_is_never_a_500(app, client, owner, world, api_token, junk):
    """Does every /api/v1 write answer junk of every JSON type in every documented field with a 4xx error shape?"""
    headers = {"Authorization": f"Bearer {api_token(owner)}"}
    keys = ["name", "kind", "unit", "density", "shelf_life_days", "reorder_point", "change_type", "quantity",
            "unit_cost", "expires_at", "received_at", "supplier_lot_code", "lot_code", "notes", "yield_quantity",
            "yield_unit", "output_item_id", "label_prefix", "lines", "recipe_id", "scale", "item_id", "sku_id",
            "unit_price", "order_ref", "channel", "customer", "reason", "outputs", "waste_quantity", "hold_until",
            "email", "password", "timezone", "expiring_soon_days", "consumption_order", "currency"]
    failures = []
    for rule, method in _routes(app, api=True):
        for body in ({key: junk for key in keys}, junk):
            response = client.open(_url(rule, world), method=method, json=body, headers=headers)
            payload = response.get_json(silent=True) or {}
            if response.status_code >= 500 or (response.status_code >= 400 and "error" not in payload):
                failures.append((rule.endpoint, method, repr(body)[:60], response.status_code))
    assert not failures, failures


def test_junk_query_strings_on_every_page_and_api_read_are_never_a_500(app, client, owner, world, login,
                                                                       api_token):
    """Do absurd query-string values (huge ids, negative pages, NaN scales, bad dates) on every GET route answer
    without a server error?"""
    login(owner)
    headers = {"Authorization": f"Bearer {api_token(owner)}"}
    junk = ("page=-3&per_page=99999999999999999999&library_id=99999999999999999999&recipe_id=1e999&scale=NaN"
            "&days=99999999999&sort=%27&kind=x&status=x&date_from=2026-13-45&date_to=abc&q=" + "x" * 3000)
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIP or rule.rule.startswith("/developer"):
            continue
        url = f"{_url(rule, world)}?{junk}"
        response = client.get(url, headers=headers if rule.rule.startswith("/api/") else None)
        if response.status_code >= 500:
            failures.append((rule.endpoint, response.status_code))
    assert not failures, failures
