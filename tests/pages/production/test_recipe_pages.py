"""Recipe pages: list, detail (versions, cost preview), the editor with dynamic lines, stock check,
production plan and its shopping-list CSV, permissions and tenancy."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import Recipe
from app.services import batches, recipes, tenancy

from ...factories import make_item, make_lot, make_supplier
from ...helpers import count_queries, csrf_token, post_form

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def soap(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g", inci_name="Olea Europaea Fruit Oil")
    lye = make_item(org, name="Sodium Hydroxide", unit="g")
    bar = make_item(org, name="Castile Bar", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Castile Soap", yield_quantity="10", yield_unit="each",
                                   output_item_id=bar.id, category="soap", lines=[
                                       {"item_id": oil.id, "quantity": "700", "unit": "g"},
                                       {"item_id": lye.id, "quantity": "90", "unit": "g"}])
    return recipe, oil, lye, bar


def _recipe_count(org) -> int:
    return db.session.scalar(tenancy.scoped(Recipe, org, func.count(Recipe.id))) or 0


def _form(name="Lavender Soap", lines=(), **extra) -> dict:
    data = {"name": name, "category": "soap", "yield_quantity": "10", "yield_unit": "each", "output_item_id": "",
            "label_prefix": "", "portion_count": "", "portion_name": "", "base_unit": "g", "base_quantity": ""}
    for index, line in enumerate(list(lines) + [{}, {}]):  # two spare blank rows, as the page sends them
        data.update({f"lines-{index}-item_id": str(line.get("item_id", "")),
                     f"lines-{index}-quantity": line.get("quantity", ""), f"lines-{index}-unit": line.get("unit", ""),
                     f"lines-{index}-role": line.get("role", ""), f"lines-{index}-basis": line.get("basis", "batch"),
                     f"lines-{index}-percent": line.get("percent", ""), f"lines-{index}-notes": ""})
    data.update(extra)
    return data


# ---- list ------------------------------------------------------------------------------------------

def test_empty_recipe_list_explains_the_next_step(client, owner, login):
    """Does an empty recipe list tell the maker how to write the first recipe?"""
    login(owner)
    html = client.get("/recipes").get_data(as_text=True)
    assert "Write your first recipe" in html and 'data-testid="empty-recipes"' in html


def test_list_search_category_archived_and_variations_under_their_master(client, org, owner, login, soap):
    """Do search, category and archived filters work, and does a variation show under its master?"""
    recipe, oil, _, _ = soap
    variation = recipes.clone_recipe(org, owner, recipe.id, as_variation="Lavender")
    candle = recipes.create_recipe(org, owner, name="Cedar Candle", category="candle", yield_quantity="1",
                                   yield_unit="each", lines=[{"item_id": oil.id, "quantity": "5"}])
    recipes.archive_recipe(org, owner, candle.id)
    login(owner)
    html = client.get("/recipes").get_data(as_text=True)
    assert "Castile Soap" in html and variation.name in html and "row-variation" in html
    assert "Cedar Candle" not in html
    assert "Cedar Candle" in client.get("/recipes?archived=1").get_data(as_text=True)
    assert "Castile Soap" not in client.get("/recipes?archived=1&category=candle").get_data(as_text=True)
    assert "Castile Soap" not in client.get("/recipes?q=cedar&archived=1").get_data(as_text=True)
    assert client.get("/recipes?category=bogus&page=abc").status_code == 200


def test_list_query_count_does_not_grow_with_recipes(client, org, owner, login, soap):
    """Does the recipe list cost the same number of queries with 2 and with 30 recipes?"""
    recipe, oil, _, _ = soap
    recipes.clone_recipe(org, owner, recipe.id)
    login(owner)
    db.session.expire_all()
    with count_queries() as small:
        assert client.get("/recipes").status_code == 200
    for number in range(28):
        recipes.create_recipe(org, owner, name=f"Recipe {number}", yield_quantity="1", yield_unit="g",
                              output_item_id=oil.id, lines=[{"item_id": oil.id, "quantity": "1"}])
    db.session.expire_all()
    with count_queries() as large:
        assert client.get("/recipes").status_code == 200
    assert large.count == small.count, (small.count, large.count)


# ---- detail ----------------------------------------------------------------------------------------

def test_detail_shows_lines_cost_preview_and_incomplete_mark(client, org, owner, login, soap):
    """Does the recipe page show its lines, the cost from current lots, and mark missing stock?"""
    recipe, oil, lye, _ = soap
    make_lot(org, oil, "1000", "0.01")  # 700 g × 0.01 = 7.00; no lye in stock
    login(owner)
    html = client.get(f"/recipes/{recipe.id}").get_data(as_text=True)
    assert "Olive Oil" in html and "700 g" in html and "Sodium Hydroxide" in html
    assert "$7.00" in html
    assert 'data-testid="cost-incomplete"' in html
    make_lot(org, lye, "1000", "0.10")  # + 9.00 = 16.00 for 10 bars
    html = client.get(f"/recipes/{recipe.id}").get_data(as_text=True)
    assert "$16.00" in html and 'data-testid="cost-incomplete"' not in html
    assert "$1.60" in html  # per bar
    assert "the lots a batch would use now (oldest first)" in html and "lots FIFO would use" not in html


def test_cost_per_counted_yield_reads_each_not_per_each(client, org, owner, login, soap):
    """A recipe that makes 10 each in 10 bars: does its page say "Cost each" and "$1.60 for each of the 10 bars",
    never "per each" or "per bars"?"""
    recipe, oil, lye, _ = soap
    recipes.update_recipe(org, owner, recipe.id, portion_count=10, portion_name="bars")
    make_lot(org, oil, "1000", "0.01")
    make_lot(org, lye, "1000", "0.10")
    login(owner)
    html = client.get(f"/recipes/{recipe.id}").get_data(as_text=True)
    assert "Cost each" in html and "$1.60 each · $1.60 for each of the 10 bars." in html
    assert "per each" not in html and "per bars" not in html
    oil_page = client.get(f"/inventory/{oil.id}").get_data(as_text=True)
    assert "Average cost per g" in oil_page


def test_older_versions_are_viewable_and_locked(client, org, owner, login, soap):
    """After a batch locks v1 and an edit makes v2, can the maker view v1's lines with a locked badge?"""
    recipe, oil, lye, _ = soap
    make_lot(org, oil, "5000", "0.01")
    make_lot(org, lye, "5000", "0.02")
    batches.start_batch(org, owner, recipe.id, "1")
    recipes.update_recipe(org, owner, recipe.id, lines=[{"item_id": oil.id, "quantity": "800", "unit": "g"}])
    login(owner)
    html = client.get(f"/recipes/{recipe.id}").get_data(as_text=True)
    assert "800 g" in html and "locked" in html and "v2" in html
    old = client.get(f"/recipes/{recipe.id}?version=1").get_data(as_text=True)
    assert "700 g" in old and 'data-testid="old-version"' in old
    assert client.get(f"/recipes/{recipe.id}?version=9").status_code == 404


# ---- editor ----------------------------------------------------------------------------------------

def test_new_recipe_form_renders_spare_rows(client, owner, login, org):
    """Does the editor offer blank line rows (usable without JavaScript) and the Add line button?"""
    make_item(org, name="Shea Butter", unit="g")
    login(owner)
    html = client.get("/recipes/new").get_data(as_text=True)
    assert 'name="lines-7-item_id"' in html and "data-add-line" in html and "Shea Butter" in html


def test_create_recipe_through_the_form(client, org, owner, login):
    """Does the form create the recipe with its lines (blank rows ignored) and land on its page?"""
    oil = make_item(org, name="Coconut Oil", unit="g")
    jar = make_item(org, name="Tin 4oz", kind="container", unit="each")
    bar = make_item(org, name="Lavender Bar", kind="product", unit="each")
    login(owner)
    response = post_form(client, "/recipes/new", _form(output_item_id=str(bar.id), lines=[
        {"item_id": oil.id, "quantity": "1", "unit": "kg"},
        {"item_id": jar.id, "quantity": "1", "basis": "portion"}], portion_count="10", portion_name="bars"))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    recipe = db.session.scalar(tenancy.scoped(Recipe, org).where(Recipe.name == "Lavender Soap"))
    assert response.headers["Location"].endswith(f"/recipes/{recipe.id}")
    version = recipes.get_version(org, owner, recipe)
    assert [(line.quantity, line.unit, line.role, line.basis) for line in version.lines] == [
        (Decimal("1"), "kg", "ingredient", "batch"), (Decimal("1"), "each", "container", "portion")]
    assert recipe.output_item_id == bar.id and recipe.label_prefix == "LS" and version.portion_count == 10


@pytest.mark.parametrize("line, message", [
    ({"quantity": "5", "unit": "mL"}, "has no density"),
    ({"quantity": "5", "unit": "smidgen"}, "Unknown unit"),
    ({"quantity": "-5", "unit": "g"}, "greater than zero"),
    ({"quantity": "abc", "unit": "g"}, "Enter a number"),
])
def test_a_bad_line_is_refused_inline_and_nothing_is_written(client, org, owner, login, line, message):
    """Is a bad line answered 422 with the message next to that line, keeping what was typed?"""
    oil = make_item(org, name="Coconut Oil", unit="g")
    good = make_item(org, name="Shea Butter", unit="g")
    login(owner)
    response = post_form(client, "/recipes/new", _form(name="Typed Name", lines=[
        {"item_id": good.id, "quantity": "100", "unit": "g"}, {"item_id": oil.id, **line}]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'id="lines-1-' in html and "line-error" in html
    assert 'value="Typed Name"' in html and 'value="100"' in html
    assert _recipe_count(org) == 0


def test_every_problem_of_the_recipe_form_is_marked_in_one_round(client, org, owner, login):
    """A missing name and yield, a row without an item, and a negative and a zero line quantity: are they all
    marked at once (the line quantities used to be checked only after the rest was fixed)?"""
    oil = make_item(org, name="Coconut Oil", unit="g")
    lye = make_item(org, name="Lye", unit="g")
    login(owner)
    response = post_form(client, "/recipes/new", _form(name="", yield_quantity="", lines=[
        {"item_id": oil.id, "quantity": "-5", "unit": "g"}, {"item_id": lye.id, "quantity": "0", "unit": "g"},
        {"quantity": "3", "unit": "g"}]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the yield." in html and "This field is required." in html
    assert html.count("Must be greater than zero.") == 2
    assert "Choose an item (or clear the row)." in html
    assert _recipe_count(org) == 0


def test_a_row_without_an_item_and_another_orgs_item_are_refused(client, org, owner, other_org, login):
    """Is a quantity without an item, or another organization's item id, a 422 (never a 500)?"""
    theirs = make_item(other_org, name="Their Oil", unit="g")
    login(owner)
    response = post_form(client, "/recipes/new", _form(lines=[{"quantity": "5"}]))
    assert response.status_code == 422 and "Choose an item" in response.get_data(as_text=True)
    response = post_form(client, "/recipes/new", _form(lines=[{"item_id": theirs.id, "quantity": "5"}]),
                         form_url="/recipes/new")
    assert response.status_code == 422
    response = post_form(client, "/recipes/new", _form(lines=[]))
    assert response.status_code == 422 and "at least one" in response.get_data(as_text=True)
    assert _recipe_count(org) == 0


def test_editing_a_locked_version_saves_version_two_and_header_edits_do_not(client, org, owner, login, soap):
    """Does the editor warn that v1 is locked, save line changes as v2, and keep header-only edits in place?"""
    recipe, oil, lye, bar = soap
    make_lot(org, oil, "5000", "0.01")
    make_lot(org, lye, "5000", "0.02")
    batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    html = client.get(f"/recipes/{recipe.id}/edit").get_data(as_text=True)
    assert 'data-testid="locked-note"' in html and "version 2" in html
    lines = [{"item_id": oil.id, "quantity": "700", "unit": "g", "role": "ingredient"},
             {"item_id": lye.id, "quantity": "90", "unit": "g", "role": "ingredient"}]
    same = _form(name="Castile Soap Classic", lines=lines, output_item_id=str(bar.id), notes="Cure 6 weeks")
    response = post_form(client, f"/recipes/{recipe.id}/edit", same)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    recipe = recipes.get_recipe(org, owner, recipe.id)
    assert recipe.name == "Castile Soap Classic" and recipe.current_version == 1
    lines[0]["quantity"] = "750"
    response = post_form(client, f"/recipes/{recipe.id}/edit", _form(name="Castile Soap Classic", lines=lines,
                                                                     output_item_id=str(bar.id)))
    assert response.status_code == 302
    db.session.expire_all()
    recipe = recipes.get_recipe(org, owner, recipe.id)
    assert recipe.current_version == 2
    assert recipes.get_version(org, owner, recipe, 1).lines[0].quantity == Decimal("700")


def test_the_locked_badge_explains_itself(client, org, owner, login, soap):
    """Once a batch used v1, do the list and the recipe page say why it is locked and what an edit does (a
    title, and short visible text for a phone, where titles do not show)?"""
    recipe, oil, lye, bar = soap
    login(owner)
    html = client.get("/recipes").get_data(as_text=True)
    assert "v1 locked" not in html and "used by a batch" not in html  # not locked yet
    make_lot(org, oil, "5000", "0.01")
    make_lot(org, lye, "5000", "0.02")
    batches.start_batch(org, owner, recipe.id, "1")
    html = client.get("/recipes").get_data(as_text=True)
    assert "v1 locked" in html and "used by a batch — editing yield or lines makes v2" in html
    assert 'data-testid="locked-badge" title="Version 1 was used by a batch' in html and "makes version 2" in html
    html = client.get(f"/recipes/{recipe.id}").get_data(as_text=True)
    assert "Current version · used by a batch — editing yield or lines makes v2" in html
    assert 'data-testid="locked-badge" title="Version 1 was used by a batch' in html


def test_clone_variation_archive_and_restore_through_the_page(client, org, owner, login, soap):
    """Do clone, variation, archive (and restore) work from the recipe page?"""
    recipe, _, _, _ = soap
    login(owner)
    response = post_form(client, f"/recipes/{recipe.id}/clone", {"name": "Castile Two"}, form_url=f"/recipes/{recipe.id}")
    assert response.status_code == 302
    response = post_form(client, f"/recipes/{recipe.id}/variation", {"variation_name": "Lavender"},
                         form_url=f"/recipes/{recipe.id}")
    assert response.status_code == 302
    assert post_form(client, f"/recipes/{recipe.id}/variation", {"variation_name": ""},
                     form_url=f"/recipes/{recipe.id}").status_code == 422
    assert post_form(client, f"/recipes/{recipe.id}/archive", {}, form_url=f"/recipes/{recipe.id}").status_code == 302
    assert recipes.get_recipe(org, owner, recipe.id).archived_at is not None
    assert post_form(client, f"/recipes/{recipe.id}/restore", {}, form_url=f"/recipes/{recipe.id}").status_code == 302
    db.session.expire_all()
    assert recipes.get_recipe(org, owner, recipe.id).archived_at is None
    assert _recipe_count(org) == 3


# ---- stock check and plan --------------------------------------------------------------------------

def test_stock_check_by_scale_and_by_target_yield(client, org, owner, login, soap):
    """Does the stock check show needed / available / short per line, by scale and by target yield?"""
    recipe, oil, lye, _ = soap
    make_lot(org, oil, "1000", "0.01")
    make_lot(org, lye, "1000", "0.02")
    login(owner)
    html = client.get(f"/recipes/{recipe.id}/stock-check?scale=1").get_data(as_text=True)
    assert 'data-testid="check-ok"' in html and "Start batch at this scale" in html
    html = client.get(f"/recipes/{recipe.id}/stock-check?target_yield=20&target_unit=each").get_data(as_text=True)
    assert 'data-testid="check-short"' in html and "1,400 g" in html and "400 g" in html
    response = client.get(f"/recipes/{recipe.id}/stock-check?scale=-2")
    assert response.status_code == 422 and "greater than zero" in response.get_data(as_text=True)
    assert client.get(f"/recipes/{recipe.id}/stock-check?target_weight=1000&weight_unit=g").status_code == 200


def test_production_plan_and_shopping_list_csv(client, org, owner, login, soap):
    """Does the plan add needs across recipes and the CSV list only what is short, with the supplier?"""
    recipe, oil, lye, _ = soap
    supplier = make_supplier(org, name="Oil Co", lead_time_days=5)
    oil.supplier_id = supplier.id
    db.session.commit()
    make_lot(org, oil, "1000", "0.01")
    make_lot(org, lye, "1000", "0.02")
    login(owner)
    query = f"recipe_id={recipe.id}&scale=1&recipe_id={recipe.id}&scale=0.5&recipe_id=&scale="
    html = client.get(f"/recipes/plan?{query}").get_data(as_text=True)
    assert "1,050 g" in html and "Oil Co" in html and "50 g" in html
    response = client.get(f"/recipes/plan.csv?{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [["item", "unit", "needed", "available", "to_buy", "supplier", "lead_time_days"],
                    ["Olive Oil", "g", "1050", "1000", "50", "Oil Co", "5"]]
    bad = client.get(f"/recipes/plan?recipe_id={recipe.id}&scale=abc")
    assert bad.status_code == 422 and "Enter a number" in bad.get_data(as_text=True)


# ---- permissions and tenancy -----------------------------------------------------------------------

def test_another_orgs_recipe_is_404_everywhere(client, org, owner, other_org, other_owner, login, soap):
    """Is every recipe page of another organization a 404?"""
    recipe, _, _, _ = soap
    login(other_owner)
    for url in (f"/recipes/{recipe.id}", f"/recipes/{recipe.id}/edit", f"/recipes/{recipe.id}/stock-check"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/recipes/new")
    for action in ("clone", "archive", "restore"):
        assert client.post(f"/recipes/{recipe.id}/{action}", data={"csrf_token": token}).status_code == 404
    assert client.get(f"/recipes/plan?recipe_id={recipe.id}&scale=1").status_code == 422


def test_viewer_sees_recipes_but_cannot_write(client, org, viewer, login, soap):
    """Can a viewer open recipe pages but get a 403 on every write?"""
    recipe, _, _, _ = soap
    login(viewer)
    assert client.get(f"/recipes/{recipe.id}").status_code == 200
    assert client.get("/recipes/new").status_code == 403
    token = csrf_token(client, f"/recipes/{recipe.id}")
    assert client.post("/recipes/new", data={"csrf_token": token, "name": "X"}).status_code == 403
    for action in ("clone", "archive", "edit"):
        assert client.post(f"/recipes/{recipe.id}/{action}", data={"csrf_token": token}).status_code == 403
    assert _recipe_count(org) == 1


def test_percentage_recipe_through_the_form(client, org, owner, login):
    """Do % lines become that share of the base oil weight, and does the page scale by batch weight?"""
    olive = make_item(org, name="Olive", unit="g")
    coconut = make_item(org, name="Coconut", unit="g")
    login(owner)
    data = _form(name="Percent Soap", lines=[{"item_id": olive.id, "percent": "70"},
                                             {"item_id": coconut.id, "percent": "30"}],
                 percentage_mode="y", base_quantity="1000", base_unit="g", yield_unit="g", yield_quantity="1000")
    data["lines-0-is_base"] = data["lines-1-is_base"] = "y"
    response = post_form(client, "/recipes/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    recipe = db.session.scalar(tenancy.scoped(Recipe, org).where(Recipe.name == "Percent Soap"))
    version = recipes.get_version(org, owner, recipe)
    assert [(line.quantity, line.is_base) for line in version.lines] == [(Decimal("700"), True),
                                                                         (Decimal("300"), True)]
    html = client.get(f"/recipes/{recipe.id}/stock-check?target_weight=2&weight_unit=kg").get_data(as_text=True)
    assert "At scale 2" in html and "1,400 g" in html


def test_the_line_unit_picker_offers_items_own_units(client, org, owner, login):
    """Does the recipe editor offer an item's custom unit (1 bar = 113 g) and save a line in it?"""
    from app.services import recipes, units

    from ...factories import make_item
    from ...helpers import post_form

    butter = make_item(org, name="Cocoa Butter Bar", unit="g")
    units.add_item_unit_mapping(org, owner, butter.id, unit_name="bar", quantity="113", in_unit="g")
    login(owner)
    assert '<option value="bar">bar</option>' in client.get("/recipes/new").get_data(as_text=True)
    response = post_form(client, "/recipes/new", {
        "name": "Lotion Bar", "yield_quantity": "6", "yield_unit": "each", "category": "cosmetic",
        "lines-0-item_id": str(butter.id), "lines-0-quantity": "2", "lines-0-unit": "bar",
        "lines-0-role": "ingredient", "lines-0-basis": "batch"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (recipe,) = recipes.list_recipes(org, owner).items
    (line,) = recipes.get_version(org, owner, recipe).lines
    assert (line.quantity, line.unit) == (Decimal("2"), "bar")
