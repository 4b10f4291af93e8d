"""API.md "Recipes" and "Batches": the documented shapes and status codes, and bad input (zero/negative scale,
unknown or another organization's recipe or lot, a line whose unit mapping is gone) answered with a 4xx naming the
fixable cause, with nothing written."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import Batch, InventoryEvent, InventoryLot, Recipe
from app.services import batches, recipes, tenancy, units
from app.services.errors import NotFound, ValidationFailed

from ..factories import assert_invariants, make_item, make_lot, make_user
from ..helpers import post_form

RECIPE_KEYS = {"id", "name", "label_prefix", "version", "yield_quantity", "yield_unit", "output_item_id", "lines"}
BATCH_KEYS = {"id", "label", "recipe_id", "recipe_version", "scale", "status", "consumption", "input_cost",
              "yield_quantity", "output_lots", "started_at", "finished_at"}
JAN, FEB = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 2, 1, tzinfo=timezone.utc)


@pytest.fixture()
def kitchen(org):
    """Olive oil in two lots (oldest cheaper), lye in one, and a product to finish into."""
    oil = make_item(org, name="Olive Oil", unit="g")
    lye = make_item(org, name="Sodium Hydroxide", unit="g")
    bar = make_item(org, name="Castile Bar", kind="product", unit="each")
    old = make_lot(org, oil, "500", "0.01", received_at=JAN)
    new = make_lot(org, oil, "1000", "0.012", received_at=FEB)
    lye_lot = make_lot(org, lye, "300", "0.005", received_at=JAN)
    return {"oil": oil, "lye": lye, "bar": bar, "old": old, "new": new, "lye_lot": lye_lot}


@pytest.fixture()
def maker(api, owner):
    return api(owner)


def _recipe_body(kitchen, **overrides) -> dict:
    body = {"name": "Castile Soap", "yield_quantity": "10", "yield_unit": "each",
            "output_item_id": kitchen["bar"].id,
            "lines": [{"item_id": kitchen["oil"].id, "quantity": "700", "unit": "g"},
                      {"item_id": kitchen["lye"].id, "quantity": "0.2", "unit": "lb"}]}
    body.update(overrides)
    return body


def _written(org) -> tuple:
    """Every lot's remaining quantity, the ledger size and the batches: 'nothing written'."""
    db.session.expire_all()
    return ({lot.id: lot.remaining_quantity for lot in db.session.scalars(tenancy.scoped(InventoryLot, org))},
            db.session.scalar(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id))),
            db.session.scalar(tenancy.scoped(Batch, org, func.count(Batch.id))))


def test_create_and_read_a_recipe_in_the_documented_shape(maker, kitchen):
    """Does POST /recipes answer 201 with the Recipe shape (decimals as strings), and GET return the same?"""
    response = maker.post("/api/v1/recipes", json=_recipe_body(kitchen))
    assert response.status_code == 201, response.get_json()
    recipe = response.get_json()
    assert RECIPE_KEYS <= set(recipe)
    assert (recipe["name"], recipe["label_prefix"], recipe["version"]) == ("Castile Soap", "CS", 1)
    assert (recipe["yield_quantity"], recipe["yield_unit"], recipe["output_item_id"]) == ("10", "each",
                                                                                          kitchen["bar"].id)
    assert [{k: line[k] for k in ("item_id", "quantity", "unit")} for line in recipe["lines"]] == [
        {"item_id": kitchen["oil"].id, "quantity": "700", "unit": "g"},
        {"item_id": kitchen["lye"].id, "quantity": "0.2", "unit": "lb"}]
    assert maker.get(f"/api/v1/recipes/{recipe['id']}").get_json() == recipe


def test_stock_check_reports_needed_and_available_in_the_item_unit(maker, kitchen):
    """Does ?scale= report per line needed/available in the item's unit (0.2 lb → g exactly) and ok per line?"""
    recipe = maker.post("/api/v1/recipes", json=_recipe_body(kitchen)).get_json()
    body = maker.get(f"/api/v1/recipes/{recipe['id']}/stock-check?scale=3").get_json()
    assert body["ok"] is False and Decimal(body["scale"]) == 3
    lines = {line["item_id"]: line for line in body["lines"]}
    oil, lye = lines[kitchen["oil"].id], lines[kitchen["lye"].id]
    assert (Decimal(oil["needed"]), Decimal(oil["available"]), oil["unit"], oil["ok"]) == (
        Decimal("2100"), Decimal("1500"), "g", False)
    assert (Decimal(lye["needed"]), Decimal(lye["available"]), lye["unit"], lye["ok"]) == (
        Decimal("272.155422"), Decimal("300"), "g", True)
    assert maker.get(f"/api/v1/recipes/{recipe['id']}/stock-check?scale=1").get_json()["ok"] is True
    bad = maker.get(f"/api/v1/recipes/{recipe['id']}/stock-check?scale=0")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_quantity"


def test_start_finish_in_the_documented_shape_with_exact_costs(maker, org, kitchen):
    """Does POST /batches deduct oldest lots first across a lot boundary, and finish make a lot costing
    input_cost ÷ yield_quantity?"""
    recipe = maker.post("/api/v1/recipes", json=_recipe_body(kitchen)).get_json()
    response = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": 1})
    assert response.status_code == 201, response.get_json()
    batch = response.get_json()
    assert BATCH_KEYS <= set(batch)
    assert (batch["status"], batch["recipe_id"], batch["recipe_version"], Decimal(batch["scale"])) == (
        "in_progress", recipe["id"], 1, Decimal(1))
    assert batch["label"] == f"CS-{datetime.now(timezone.utc).year}-001"
    taken = [(row["lot_code"], Decimal(row["quantity"]), Decimal(row["unit_cost"]), Decimal(row["cost"]))
             for row in batch["consumption"]]
    assert taken == [(kitchen["old"].code, Decimal("500"), Decimal("0.01"), Decimal("5")),
                     (kitchen["new"].code, Decimal("200"), Decimal("0.012"), Decimal("2.4")),
                     (kitchen["lye_lot"].code, Decimal("90.718474"), Decimal("0.005"), Decimal("0.45359237"))]
    assert Decimal(batch["input_cost"]) == Decimal("7.85359237")
    assert batch["finished_at"] is None and batch["output_lots"] == []
    assert maker.get(f"/api/v1/batches/{batch['id']}").get_json()["consumption"] == batch["consumption"]

    finished = maker.post(f"/api/v1/batches/{batch['id']}/finish", json={"yield_quantity": "11"})
    assert finished.status_code == 200, finished.get_json()
    body = finished.get_json()
    assert body["status"] == "completed" and body["finished_at"] and Decimal(body["yield_quantity"]) == 11
    (lot,) = body["output_lots"]
    assert lot["item_id"] == kitchen["bar"].id and Decimal(lot["remaining"]) == 11
    assert Decimal(lot["unit_cost"]) == (Decimal("7.85359237") / 11).quantize(Decimal(lot["unit_cost"]))
    assert abs(Decimal(lot["unit_cost"]) * 11 - Decimal(body["input_cost"])) < Decimal("0.00001")
    assert_invariants(org)


def test_cancel_restores_the_lots_and_a_cancelled_batch_is_409(maker, org, kitchen):
    """Does cancel put each quantity back on its own lot, and finishing or cancelling it again answer 409?"""
    recipe = maker.post("/api/v1/recipes", json=_recipe_body(kitchen)).get_json()
    before = _written(org)[0]
    batch = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": "1"}).get_json()
    cancelled = maker.post(f"/api/v1/batches/{batch['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert _written(org)[0] == before
    for action, body in (("finish", {"yield_quantity": "10"}), ("cancel", None), ("fail", None)):
        again = maker.post(f"/api/v1/batches/{batch['id']}/{action}", json=body)
        assert again.status_code == 409, action
        assert again.get_json()["error"]["code"] == "invalid_state"
    failed = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": "1"}).get_json()
    response = maker.post(f"/api/v1/batches/{failed['id']}/fail", json={"reason": "Seized"})
    assert response.status_code == 200 and response.get_json()["status"] == "failed"
    assert_invariants(org)


def test_shortfall_is_422_naming_each_short_item_and_deducts_nothing(maker, org, kitchen):
    recipe = maker.post("/api/v1/recipes", json=_recipe_body(kitchen)).get_json()
    before = _written(org)
    response = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": "4"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_stock"
    assert "Olive Oil" in error["fields"] and "Sodium Hydroxide" in error["fields"]
    assert _written(org) == before


@pytest.mark.parametrize("scale", [0, "0", "-1", -2, "abc", None, True])
def test_a_zero_negative_or_non_numeric_scale_is_422_invalid_quantity(maker, org, kitchen, scale):
    recipe = maker.post("/api/v1/recipes", json=_recipe_body(kitchen)).get_json()
    before = _written(org)
    response = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": scale})
    assert response.status_code == 422, (scale, response.get_json())
    assert response.get_json()["error"]["code"] in ("invalid_quantity", "validation_error")
    assert "scale" in response.get_json()["error"].get("fields", {})
    assert _written(org) == before


def test_an_unknown_or_another_organizations_recipe_is_404_and_writes_nothing(maker, org, other_org, kitchen,
                                                                             client, login, owner):
    """Is starting a batch of a recipe id that does not exist, or that belongs to another organization, a 404 on the
    API and on the start form, with nothing written in either organization?"""
    their_oil = make_item(other_org, name="Their Oil", unit="g")
    make_lot(other_org, their_oil, "1000", "0.01")
    stranger = make_user(other_org, role="owner")
    theirs = recipes.create_recipe(other_org, stranger, name="Their Soap", yield_quantity="1", yield_unit="kg",
                                   lines=[{"item_id": their_oil.id, "quantity": "100", "unit": "g"}])
    mine, others = _written(org), _written(other_org)
    for recipe_id in (theirs.id, 999999, "abc"):
        response = maker.post("/api/v1/batches", json={"recipe_id": recipe_id, "scale": "1"})
        assert response.status_code == 404, (recipe_id, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"
    login(owner)
    page = post_form(client, "/batches/new", {"recipe_id": str(theirs.id), "scale": "1", "action": "start"})
    assert page.status_code in (404, 422)
    assert "Their Soap" not in page.get_data(as_text=True)
    assert _written(org) == mine and _written(other_org) == others


def test_another_organizations_lot_cannot_be_named_in_a_batch(org, owner, other_org, kitchen):
    """Is an extra ingredient drawn from another organization's lot code refused, with nothing written anywhere?"""
    recipe = recipes.create_recipe(org, owner, name="Castile", yield_quantity="10", yield_unit="each",
                                   lines=[{"item_id": kitchen["oil"].id, "quantity": "100", "unit": "g"}])
    batch = batches.start_batch(org, owner, recipe.id, "1")
    their_oil = make_item(other_org, name="Their Oil", unit="g")
    theirs = make_lot(other_org, their_oil, "1000", "0.01", code="LOT-THEIRS-1")
    mine, others = _written(org), _written(other_org)
    with pytest.raises(ValidationFailed) as error:
        batches.add_extra(org, owner, batch.id, item_id=kitchen["oil"].id, quantity="10", lot_code=theirs.code)
    assert "lot_code" in error.value.fields
    with pytest.raises(NotFound):
        batches.add_extra(org, owner, batch.id, item_id=their_oil.id, quantity="10")
    assert _written(org) == mine and _written(other_org) == others


def test_a_line_whose_unit_mapping_was_removed_is_422_missing_unit_mapping(maker, org, owner, kitchen):
    """When a recipe line's unit mapping ("1 each = 900 g" of olive oil) is deleted, is the batch start refused
    with missing_unit_mapping naming the item, and nothing deducted?"""
    mapping = units.add_item_unit_mapping(org, owner, kitchen["oil"].id, unit_name="each", quantity="900",
                                          in_unit="g")
    recipe = maker.post("/api/v1/recipes", json=_recipe_body(kitchen, lines=[
        {"item_id": kitchen["oil"].id, "quantity": "1", "unit": "each"}])).get_json()
    assert "id" in recipe, recipe
    units.delete_item_unit_mapping(org, owner, mapping.id)
    before = _written(org)
    response = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": "1"})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "missing_unit_mapping"
    assert "Olive Oil" in error["message"]
    assert _written(org) == before


def test_editing_a_locked_recipe_through_the_api_makes_version_two(maker, org, owner, kitchen):
    """After a batch used version 1, does PATCH answer version 2 while the batch keeps version 1?"""
    recipe = maker.post("/api/v1/recipes", json=_recipe_body(kitchen)).get_json()
    batch = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": "1"}).get_json()
    edited = maker.patch(f"/api/v1/recipes/{recipe['id']}", json={
        "lines": [{"item_id": kitchen["oil"].id, "quantity": "750", "unit": "g"}]})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["version"] == 2
    assert [line["quantity"] for line in edited.get_json()["lines"]] == ["750"]
    assert maker.get(f"/api/v1/batches/{batch['id']}").get_json()["recipe_version"] == 1
    version_one = recipes.get_version(org, owner, tenancy.get_for_org(Recipe, recipe["id"], org), 1)
    assert [line.quantity for line in version_one.lines] == [Decimal("700"), Decimal("0.2")]
