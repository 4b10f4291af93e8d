"""Full cost and prices on the pages (issue 17): the recipe editor's labour and overhead fields, the batch
page's cost breakdown and the finish form's labour minutes (prefilled from work timers), the sale form's
below-cost warning the seller must confirm, and the pricing sheet with its CSV."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import Batch, BatchTimer, Recipe, Sale
from app.models.types import utcnow
from app.services import batches, org_settings, recipes, tenancy

from ..factories import make_item, make_lot, stocked_sku
from ..helpers import post_form

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def soap(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g")
    bar = make_item(org, name="Plain Bar", kind="product", unit="each")
    make_lot(org, oil, "5000", "0.01")
    recipe = recipes.create_recipe(org, owner, name="Plain Soap", yield_quantity="10", yield_unit="each",
                                   output_item_id=bar.id, lines=[{"item_id": oil.id, "quantity": "800", "unit": "g"}])
    return recipe, oil, bar


def _labour_input(html: str) -> str:
    """The finish form's labour minutes value."""
    tag, = re.findall(r"<input[^>]*name=\"finish-labour_minutes\"[^>]*>", html)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_recipe_editor_saves_labour_and_overhead_blank_meaning_the_orgs(client, org, owner, login, soap):
    recipe, oil, bar = soap
    login(owner)
    html = client.get(f"/recipes/{recipe.id}/edit").get_data(as_text=True)
    assert 'data-testid="recipe-costing"' in html and 'name="labour_minutes"' in html
    data = {"name": "Plain Soap", "category": "soap", "yield_quantity": "10", "yield_unit": "each",
            "output_item_id": str(bar.id), "label_prefix": "", "portion_count": "", "portion_name": "",
            "base_unit": "g", "base_quantity": "", "lines-0-item_id": str(oil.id), "lines-0-quantity": "800",
            "lines-0-unit": "g", "lines-0-role": "", "lines-0-basis": "batch", "lines-0-percent": "",
            "lines-0-notes": "", "labour_minutes": "40", "labour_rate": "0", "overhead_percent": "",
            "overhead_per_batch": "2.5"}
    response = post_form(client, f"/recipes/{recipe.id}/edit", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    saved = db.session.get(Recipe, recipe.id)
    assert (saved.labour_minutes, saved.labour_rate, saved.overhead_percent, saved.overhead_per_batch) == \
        (Decimal(40), Decimal(0), None, Decimal("2.5"))
    html = client.get(f"/recipes/{recipe.id}").get_data(as_text=True)
    assert "40 min per batch" in html
    bad = post_form(client, f"/recipes/{recipe.id}/edit", {**data, "labour_rate": "-4"})
    assert bad.status_code == 422 and "Must be at least 0" in bad.get_data(as_text=True)


def test_batch_page_breakdown_and_finish_with_timer_prefilled_labour(client, org, owner, login, soap):
    recipe, _, _ = soap
    org_settings.update_organization(org, owner, settings={"labour_rate": "30", "overhead_percent": "25"})
    recipes.update_recipe(org, owner, recipe.id, labour_minutes="20")
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    html = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'data-testid="full-cost"' in html and "estimate until finished" in html
    assert 'data-testid="cost-labour">$10.00' in html and 'data-testid="cost-total">$20.00' in html  # 8 + 10 + 2
    assert _labour_input(html) == "20"
    now = utcnow()
    db.session.add(BatchTimer(organization_id=org.id, batch_id=batch.id, label="Pour", started_at=now - timedelta(
        minutes=50), stopped_at=now - timedelta(minutes=5)))
    db.session.add(BatchTimer(organization_id=org.id, batch_id=batch.id, label="Cure", duration_minutes=2880,
                              started_at=now - timedelta(minutes=40), stopped_at=now))
    db.session.commit()
    html = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert _labour_input(html) == "45"  # the work timer, not the cure
    response = post_form(client, f"/batches/{batch.id}/finish", {
        "finish-yield_quantity": "10", "finish-waste_quantity": "", "finish-labour_minutes": "45",
        "finish-output_item_id": str(recipe.output_item_id), "finish-hold_until": "", "finish-notes": ""},
        form_url=f"/batches/{batch.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    done = tenancy.get_for_org(Batch, batch.id, org)
    assert (done.labour_minutes, done.labour_cost, done.overhead_cost, done.total_cost) == \
        (Decimal(45), Decimal("22.5"), Decimal(2), Decimal("32.5"))
    html = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'data-testid="cost-total">$32.50' in html and "45 min" in html and "estimate" not in html


def test_sale_below_cost_warns_and_needs_confirming(client, org, owner, login):
    made = stocked_sku(org, owner, price="8.00", quantity="10", unit_cost="3")
    login(owner)
    form = {"sku": f"sku-{made['sku'].id}", "quantity": "1", "unit_price": "2", "order_ref": "#cheap",
            "channel": "", "customer": ""}
    response = post_form(client, "/sales/new", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="below-cost-warning"' in html and "Below cost" in html
    assert db.session.scalar(tenancy.scoped(Sale, org, func.count(Sale.id))) == 0
    response = post_form(client, "/sales/new", {**form, "confirm_below_cost": "y"}, form_url="/sales/new")
    assert response.status_code == 302
    sale = tenancy.find_for_org(Sale, org, order_ref="#cheap")
    assert sale.cogs == Decimal(3) and sale.margin == Decimal(-1)
    ok = post_form(client, "/sales/new", {**form, "unit_price": "8", "order_ref": "#fine"})
    assert ok.status_code == 302


def test_pricing_sheet_and_csv(client, org, owner, login):
    made = stocked_sku(org, owner, price="8.00", quantity="10", unit_cost=["1", "2"], lots=2)
    cheap = stocked_sku(org, owner, name="Zest Bar", price="1.00", quantity="5", unit_cost="1.2")
    login(owner)
    html = client.get("/products/pricing").get_data(as_text=True)
    assert 'data-testid="pricing-table"' in html and made["sku"].code in html and cheap["sku"].code in html
    assert "$1.50" in html and "$3.00" in html and "$6.00" in html and "below cost" in html
    assert 'data-testid="pricing-link"' in client.get("/products").get_data(as_text=True)
    response = client.get("/products/pricing.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = {row["sku"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    first = rows[made["sku"].code]
    assert (first["unit_cost"], first["suggested_wholesale"], first["suggested_retail"], first["retail_price"],
            first["margin"], first["margin_percent"], first["below_cost"]) == ("1.5", "3", "6", "8", "6.5", "81.3",
                                                                               "no")
    assert rows[cheap["sku"].code]["below_cost"] == "yes" and rows[cheap["sku"].code]["margin"] == "-0.2"
