"""The dashboard: composed in the main blueprint in a fixed order, each domain's part only for roles that may see it."""
from __future__ import annotations

from datetime import date, timedelta

from app.services import dashboard, organizations

from ..factories import make_item, make_lot, make_user


def test_dashboard_parts_come_in_a_fixed_order(client, org, owner, login, reference_data):
    """Does an owner see the inventory part before the sales part, with the expiry alert above both?"""
    item = make_item(org, name="Old Lye")
    make_lot(org, item, "5", "1", expires_on=date.today() - timedelta(days=3))
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert html.index('data-testid="inventory-widget"') < html.index('data-testid="sales-widget"')
    assert html.index("expired lot") < html.index('data-testid="inventory-widget"')
    assert html.count("1 expired lot still in stock") == 1


def test_a_role_sees_only_the_parts_of_its_domains(client, db, org, owner, login, reference_data):
    """Does a member whose role only sells see the sales part and no inventory numbers?"""
    seller_role = organizations.create_role(org, owner, name="Seller", permissions=["sales.view"])
    seller = make_user(org, role="maker")
    seller.role_id = seller_role.id
    db.session.commit()
    login(seller)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="sales-widget"' in html
    assert 'data-testid="inventory-widget"' not in html and 'data-testid="production-widget"' not in html


def test_no_widget_registry_in_the_service():
    """Is the dashboard composed by the main blueprint, not by blueprints registering into a service list?"""
    assert not hasattr(dashboard, "PROVIDERS")


def test_a_new_organization_sees_what_to_do_first(client, org, owner, login, reference_data):
    """Does an empty workshop's dashboard offer adding items, the soap calculator and a first recipe?"""
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="first-steps"' in html
    for target in ('href="/inventory/new"', 'href="/tools/soap"', 'href="/recipes/new"'):
        assert target in html
    make_item(org, name="Beeswax")
    assert 'data-testid="first-steps"' not in client.get("/dashboard").get_data(as_text=True)
