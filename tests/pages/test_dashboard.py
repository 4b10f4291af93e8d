"""The dashboard: composed in the main blueprint in a fixed order, each domain's part only for roles that may see it."""
from __future__ import annotations

from datetime import date, timedelta

from app.services import batches, dashboard, organizations, recipes

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
    """Does an empty workshop's dashboard offer adding items, the calculators and a first recipe?"""
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="first-steps"' in html
    for target in ('href="/inventory/new"', 'href="/tools" role="button" class="secondary outline">Open the calculators',
                   'href="/recipes/new"'):  # every calculator (a candle maker was sent to the soap one)
        assert target in html
    assert html.count('href="/inventory/new"') == 1  # once, in "Start here" (the inventory tile said it again)
    beeswax = make_item(org, name="Beeswax")
    html = client.get("/dashboard").get_data(as_text=True)  # an item is not the end of the first steps
    assert 'data-testid="first-steps"' in html and 'class="done" data-step="items"' in html
    assert 'href="/inventory/new"' not in html and "Restock an item" in html
    make_lot(org, beeswax, "1000", "0.01")
    recipe = recipes.create_recipe(org, owner, name="Pillar", yield_quantity="1", yield_unit="each",
                                   lines=[{"item_id": beeswax.id, "quantity": "200", "unit": "g"}])
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'class="done" data-step="stock"' in html and 'class="done" data-step="recipe"' in html
    assert 'href="/batches/new"' in html and "Restock an item" not in html
    batches.start_batch(org, owner, recipe.id, "1")
    assert 'data-testid="first-steps"' not in client.get("/dashboard").get_data(as_text=True)


def test_low_stock_tile_alert_and_reorder_link_count_what_the_reorder_page_lists(client, org, owner, login,
                                                                                reference_data):
    """Do the dashboard's low-stock numbers agree with the Reorder page: a computed reorder point counts, stock
    on order lifts an item off, and a dismissed alert does not hide its item from the count?"""
    import re

    from app.services import control_tower, inventory, purchasing

    from ..factories import make_supplier, restock

    supplier = make_supplier(org, name="Oil Co")
    low = make_item(org, owner, name="Shea Butter", reorder_point="100", supplier_id=supplier.id)
    restock(org, owner, low, "50")
    ordered = make_item(org, owner, name="Cocoa Butter", reorder_point="100", supplier_id=supplier.id)
    restock(org, owner, ordered, "50")
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": ordered.id, "quantity": "200", "unit_cost": "0.02"}])
    purchasing.send_purchase_order(org, owner, order.id)
    used = make_item(org, owner, name="Beeswax")  # no reorder point of its own: computed from its usage
    restock(org, owner, used, "100")
    inventory.deduct(org, owner, used.id, "90", change_type="use")
    also_used = make_item(org, owner, name="Candelilla Wax")
    restock(org, owner, also_used, "100")
    inventory.deduct(org, owner, also_used.id, "95", change_type="use")
    lines = control_tower.list_reorder(org, owner)
    assert sorted(line.item.name for line in lines) == ["Beeswax", "Candelilla Wax", "Shea Butter"]
    alert = next(a for a in control_tower.list_alerts(org, owner) if a.alert.item_id == low.id)
    control_tower.dismiss_alert(org, owner, alert.alert.id)

    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    tile = re.search(r'<span class="value">(\d+)</span><span class="label">Below reorder point', html)
    assert tile and tile.group(1) == "3"  # not 2: Shea Butter and Cocoa Butter, manual points only
    assert "3 items below the reorder point." in html
    assert re.search(r'data-testid="reorder-link">3 to reorder<', html)  # Shea Butter's dismissed alert counts
    assert "All alerts (2)" in html  # the waxes' alerts; Shea Butter's was dismissed
