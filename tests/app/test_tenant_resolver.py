"""One tenant resolver (app.tenant.current_org): pages, API and a developer's view-as all act on the
organization it resolves; a developer viewing an organization can open every page (never a 500) and
can change nothing in it; `current_user.organization` never comes back into the web layer."""
from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound as HTTPNotFound

from app.blueprints.decorators import required_permission
from app.extensions import db as _db
from app.seeds.catalog import is_write
from app.services import accounts, batches, demo, organizations, recalls, reservations, units
from app.services.tenancy import parse_id
from app.tenant import VIEW_AS_KEY, current_actor, current_org, find_current_org, is_viewing_as

from ..factories import (
    ensure_inventory_reference_data,
    finished_batch,
    make_developer,
    make_item,
    make_lot,
    make_org,
    make_sale,
    make_supplier,
    make_user,
)
from ..helpers import csrf_token

ROOT = Path(__file__).resolve().parents[2]
WEB_LAYER = [ROOT / "app" / "web.py", *sorted((ROOT / "app" / "blueprints").rglob("*.py")),
             *sorted((ROOT / "app" / "templates").rglob("*.html"))]


# ---- the guard: no `current_user.organization` in the web layer ---------------------------------------

def test_the_web_layer_never_reads_current_user_organization():
    """Pages, API and templates take the organization from app.tenant.current_org(), never from the user."""
    pattern = re.compile(r"current_user\s*\.\s*organization\b(?!_id)")
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in WEB_LAYER
                 for number, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert not offenders, "Use app.tenant.current_org() instead:\n" + "\n".join(offenders)


# ---- the one id parser --------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    (7, 7), ("7", 7), (" 42 ", 42), (2**31 - 1, 2**31 - 1), ("2147483647", 2147483647),
    (0, None), (-3, None), ("-3", None), ("", None), (None, None), ("abc", None), ("1.5", None), (1.0, None),
    (True, None), ("2147483648", None), (2**31, None), ("9" * 400, None), ("٣", None), ("+5", None),
])
def test_parse_id_accepts_only_a_usable_row_id(raw, expected):
    assert parse_id(raw) == expected


# ---- the resolver -------------------------------------------------------------------------------------

@contextmanager
def _request(app, user=None, view_as=None):
    """A fresh request (tests share one app context, so `g` is emptied as each real request does)."""
    from flask import g, session
    from flask_login import login_user

    with app.test_request_context("/inventory"):
        for key in list(vars(g)):
            delattr(g, key)
        if user is not None:
            login_user(user)
        if view_as is not None:
            session[VIEW_AS_KEY] = view_as.id
        yield


def test_current_org_is_the_members_org_the_viewed_org_or_a_404(app, db, owner, other_org):
    """Member → their organization; developer viewing → the viewed one; developer not viewing or a
    visitor → none (current_org() is a 404)."""
    org = owner.organization
    dev = make_developer()
    with _request(app, owner):
        assert current_org() is org and current_actor() is owner
    with _request(app, dev):
        assert find_current_org() is None
        with pytest.raises(HTTPNotFound):
            current_org()
    with _request(app, dev, view_as=other_org):
        assert current_org() is other_org and current_actor() is dev and is_viewing_as()
    with _request(app, owner, view_as=other_org):  # a member can never view another organization
        assert current_org() is org and not is_viewing_as()
    with _request(app):
        assert find_current_org() is None and current_actor() is None
        with pytest.raises(HTTPNotFound):
            current_org()


def test_the_api_acts_on_the_token_users_organization(api, owner, other_owner):
    assert api(owner).get("/api/v1/organization").get_json()["name"] == owner.organization.name
    assert api(other_owner).get("/api/v1/organization").get_json()["name"] == other_owner.organization.name


# ---- a developer in view-as mode: every page, no write ------------------------------------------------

def _viewed_workshop():
    """A team-tier organization with one of everything a page can show (ids for every route argument)."""
    ensure_inventory_reference_data()
    org = make_org(name="Viewed Workshop", tier="team")
    owner = make_user(org, role="owner", email="owner@viewed.test")
    member = make_user(org, role="maker", email="maker@viewed.test")
    demo.seed_demo_workshop(org, owner)
    made = finished_batch(org, owner)
    supplier = make_supplier(org, name="Viewed Supplier")
    soap = make_item(org, name="Viewed bar", unit="each", kind="product")
    make_lot(org, soap, quantity="50", unit_cost="2")
    sale = make_sale(org, owner, soap, quantity="2", unit_price="8")
    reservation = reservations.create_reservation(org, owner, item_id=soap.id, quantity="1", order_ref="R-1")
    open_batch = batches.start_batch(org, owner, made["recipe"].id, "0.1")  # before the recall holds the lye
    timer = batches.start_timer(org, owner, open_batch.id, label="Gel phase")
    recall = recalls.recall_lot(org, owner, made["lye_lot"].id, reason="Supplier notice")
    unit = units.create_custom_unit(org, owner, name="scoop", dimension="volume", factor="30")
    mapping = units.add_item_unit_mapping(org, owner, made["oil"].id, unit_name="cup", quantity="220", in_unit="g")
    role = organizations.create_role(org, owner, name="Packer", permissions=["inventory.view"])
    token, _ = accounts.create_api_token(owner, "viewed")
    ids = {
        "org_id": org.id, "batch_id": open_batch.id, "timer_id": timer.id, "item_id": made["oil"].id,
        "lot_id": made["oil_lot"].id, "code": made["output_lot"].code, "product_id": made["product"].id,
        "sku_id": made["sku"].id, "sale_id": sale.id, "reservation_id": reservation.id,
        "recipe_id": made["recipe"].id, "supplier_id": supplier.id, "recall_id": recall.id,
        "role_id": role.id, "user_id": member.id, "token_id": token.id, "unit_id": unit.id,
        "mapping_id": mapping.id, "token": "no-such-token-" + "x" * 20,
        "public_token": getattr(made["output_lot"], "public_token", None),
    }
    from app.services import control_tower

    ids["alert_id"] = control_tower.list_alerts(org, owner)[0].alert.id  # an open alert of this world
    from app.services import purchasing

    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id, lines=[
        {"item_id": made["oil"].id, "quantity": "100", "unit_cost": "0.01"}])
    ids["po_id"] = purchasing.send_purchase_order(org, owner, order.id).id
    ids["supplier_item_id"] = purchasing.set_supplier_item(org, owner, supplier.id, made["oil"].id, pack_size="500").id
    from .test_tenancy_endpoints import _shop_world

    ids.update(_shop_world(org, owner))  # a connected shop with an open problem
    from app.services import inventory

    shed = inventory.create_location(org, owner, name="Viewed shed")
    transfer, _ = inventory.transfer_stock(org, owner, item_id=made["oil"].id, quantity="1", in_transit=True,
                                           from_location_id=inventory.default_location(org).id,
                                           to_location_id=shed.id)
    ids["location_id"], ids["transfer_id"] = shed.id, transfer.id  # in transit: Receive would be a write
    from app.services.imports import uploads

    ids["upload_id"] = uploads.check_upload(org, owner, "items", "name,kind,unit\nViewed wax,ingredient,g\n",
                                            "viewed.csv").upload.id  # a checked CSV file waiting to be imported
    from app.services import jobs

    ids["job_id"] = jobs.start(org, owner, "export", {"name": "items"}, title="Export of items.csv").id  # has a file
    extra_pages = [  # the same pages with the query arguments they take
        f"/trace?q={made['output_lot'].code}", f"/trace?q={made['batch'].label}", "/inventory?q=oil",
        f"/batches?recipe_id={made['recipe'].id}&status=completed", f"/recipes/{made['recipe'].id}?version=1",
        f"/recipes/plan?recipe_id={made['recipe'].id}&scale=2", f"/recipes/plan.csv?recipe_id={made['recipe'].id}&scale=2",
        "/inventory/expiring?days=90",
        f"/recipes/{made['recipe'].id}/stock-check?scale=3", "/sales?channel=shop", "/suppliers?archived=1",
        f"/scan?code={made['output_lot'].code}", f"/scan/lookup?code={made['output_lot'].code}",
    ]
    return org, ids, extra_pages


def _page_rules(app, method: str):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if method in rule.methods and rule.endpoint != "static" and not rule.rule.startswith("/api/"):
            yield rule


def _url(app, rule, ids) -> str:
    values = dict(ids)
    if rule.endpoint == "public.lot_page":  # the unguessable link a label's QR code carries
        values["token"] = ids["public_token"]
    if rule.endpoint == "developer.library_edit":  # a global library entry, not an inventory item
        from app.models import GlobalItem

        values["item_id"] = _db.session.scalar(select(func.min(GlobalItem.id)))
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


def _row_counts() -> dict[str, int]:
    return {table.name: _db.session.scalar(select(func.count()).select_from(table))
            for table in _db.metadata.sorted_tables}


def _expected_get_statuses(app, rule) -> set[int]:
    """Pages behind a read permission (or the account) open; pages that exist to write answer 403."""
    if rule.endpoint in DESIGNED:
        return DESIGNED[rule.endpoint]
    permission = required_permission(app.view_functions[rule.endpoint]) or ""
    if "." in permission:
        return {403} if _writes(permission) else {200}
    if permission == "account":
        return {200}
    # No permission: the developer console (the developer's own), sign-in pages (a signed-in visitor is
    # sent on), the public lot page and token links (an unknown token is a 404).
    return DESIGNED_UNPERMISSIONED.get(rule.endpoint, {200})


DESIGNED_UNPERMISSIONED = {
    "main.index": {302},  # signed in: on to the dashboard
    "main.favicon": {301},  # on to the static icon
    "auth.login": {302}, "auth.signup": {302}, "auth.forgot_password": {302, 200},
    "auth.reset_password": {302, 404, 200},
    "organization.accept_invite": {410},  # an unknown invitation link is gone
    # Sign in with Google is off unless GOOGLE_CLIENT_ID is set (tests/pages/test_google_signin.py turns it on)
    "auth.google_login": {404}, "auth.google_callback": {404}, "auth.google_signup": {404},
    "auth.google_link": {404},
}
DESIGNED = {
    "organization.organization_home": {302},  # on to the team or roles page
    # the routes read (organization.view); the pages check organization.manage_roles themselves
    "organization.role_new": {403}, "organization.role_edit": {403},
    "recipes.production_plan_csv": {422},  # without rows there is no plan to export (see extra_pages)
    "scan.scan_lookup": {422},  # without a code there is nothing to look up (see extra_pages)
}

# POSTs not sent: the console's actions (admin developers act there, audited; ending the view would end
# the crawl), signing out, and Stripe's webhook (no session; a signature decides).
NOT_SENT = ("developer.", "auth.logout", "billing.stripe_webhook",
            "billing.whop_webhook",  # no session: Standard Webhooks signature, tested in test_whop_webhooks.py
            "integrations.shopify_webhook")  # signed by the shop, tested in test_shopify_integration.py
# POSTs that are not the viewed organization's: the developer's own account and the visitor pages
# (sign-up, password reset, invitations). Sent like the others; they must write nothing either.
NOT_THE_ORGANIZATIONS = ("auth.", "main.settings_", "main.token_", "organization.accept_invite",
                         "notifications.preferences", "notifications.digest_now")  # the member's own e-mails


def _writes(permission: str | None) -> bool:
    return bool(permission) and "." in permission and is_write(permission)


def _start_view_as(client, login, org):
    dev = make_developer()
    login(dev)
    token = csrf_token(client, f"/developer/organizations/{org.id}")
    response = client.post(f"/developer/organizations/{org.id}/view-as", data={"csrf_token": token})
    assert response.status_code == 302
    return dev


def test_a_developer_viewing_an_organization_opens_every_page_and_writes_nothing(app, client, db, login):
    """Every GET page as a developer in view-as: read pages 200, write forms 403, never a 500, no row
    written; every POST of the viewed organization is refused (403/402) and writes nothing."""
    org, ids, extra_pages = _viewed_workshop()
    _start_view_as(client, login, org)
    before = _row_counts()

    wrong, server_errors, opened = {}, {}, 0
    for rule in _page_rules(app, "GET"):
        url = _url(app, rule, ids)
        status = client.get(url).status_code
        opened += status == 200
        if status >= 500:
            server_errors[url] = status
        elif status not in _expected_get_statuses(app, rule):
            wrong[f"{rule.endpoint} {url}"] = status
    for url in extra_pages:
        status = client.get(url, follow_redirects=True).status_code
        if status != 200:
            wrong[url] = status
    assert not server_errors, server_errors
    assert not wrong, sorted(wrong.items())
    assert opened >= 35  # the crawl really opened the app's pages
    page = client.get("/inventory").get_data(as_text=True)
    assert 'data-testid="view-as-banner"' in page and "Olive Oil" in page  # the viewed organization's data

    token = csrf_token(client, "/dashboard")
    not_refused, sent = {}, 0
    for rule in _page_rules(app, "POST"):
        if rule.endpoint.startswith(NOT_SENT):
            continue
        url = _url(app, rule, ids)
        status = client.post(url, data={"csrf_token": token}).status_code
        if rule.endpoint.startswith(NOT_THE_ORGANIZATIONS):
            expected = {status} if status < 500 else set()
        elif rule.endpoint in ("organization.role_new", "organization.role_edit"):
            expected = DESIGNED[rule.endpoint]
        elif _writes(required_permission(app.view_functions[rule.endpoint])):
            expected = {402, 403}
        else:
            expected = {200, 422}  # a POST that only computes (the calculators): answers, writes nothing
        sent += 1
        if status not in expected:
            not_refused[f"{rule.endpoint} {url}"] = status
    assert not not_refused, not_refused
    assert sent >= 45
    db.session.expire_all()
    assert _row_counts() == before
    assert 'data-testid="view-as-banner"' in client.get("/dashboard").get_data(as_text=True)  # still viewing
