"""The public craft JSON API: /api/v1/library and /api/v1/tools/soap|candle|lotion (API.md contract)."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import InventoryItem, Recipe
from app.services import library

from ..factories import ensure_inventory_reference_data


@pytest.fixture(autouse=True)
def reference_data(db):
    ensure_inventory_reference_data()


SOAP = {"lye": "NaOH", "superfat": 5, "water": {"mode": "percent_of_oils", "value": 38},
        "oils": [{"name": "Olive Oil", "weight": 700}, {"name": "Coconut Oil (76°F)", "weight": 300}]}


def assert_error(response, field=None, status=422):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    if field:
        assert field in body["error"]["fields"], body
    return body


def test_library_is_public_and_searchable(client):
    """Does GET /api/v1/library answer without a token with the documented fields?"""
    response = client.get("/api/v1/library?q=olive")
    assert response.status_code == 200
    body = response.get_json()
    assert {"items", "page", "per_page", "total"} <= set(body) and body["total"] >= 2
    olive = next(item for item in body["items"] if item["name"] == "Olive Oil")
    assert {"id", "name", "inci", "category", "density", "sap_naoh", "sap_koh", "fatty_acids"} <= set(olive)
    assert olive["sap_naoh"] == "0.135449" and olive["sap_koh"] == "0.19" and olive["density"] == "0.915"
    assert olive["fatty_acids"]["oleic"] == 69 and olive["inci"].startswith("Olea Europaea")
    everything = client.get("/api/v1/library?per_page=200").get_json()
    assert everything["total"] >= 200 and len(everything["items"]) == 200
    by_inci = client.get("/api/v1/library?q=Butyrospermum").get_json()
    assert any("Shea" in item["name"] for item in by_inci["items"])
    assert client.get("/api/v1/library?page=0").status_code == 422


def test_soap_api_answers_without_a_token_and_writes_nothing(client):
    before = _db.session.scalar(select(func.count(InventoryItem.id))), _db.session.scalar(select(func.count(Recipe.id)))
    response = client.post("/api/v1/tools/soap", json=SOAP)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert {"oils_weight", "lye_weight", "water_weight", "batch_weight", "lines", "qualities"} <= set(body)
    assert body["oils_weight"] == "1000" and body["water_weight"] == "380"
    expected = (700 * Decimal("0.135449") + 300 * Decimal("0.183213")) * Decimal("0.95")
    assert abs(Decimal(body["lye_weight"]) - expected) < Decimal("0.000001")
    assert {"name", "weight", "percent", "sap_naoh", "lye_weight"} <= set(body["lines"][0])
    assert set(body["qualities"]) == {"hardness", "cleansing", "conditioning", "bubbly", "creamy", "iodine", "ins"}
    assert body["qualities"]["hardness"] == 36 and body["qualities"]["ins"] == 151
    after = _db.session.scalar(select(func.count(InventoryItem.id))), _db.session.scalar(select(func.count(Recipe.id)))
    assert before == after


def test_soap_api_koh_purity_and_units(client):
    body = client.post("/api/v1/tools/soap", json={**SOAP, "lye": "KOH", "koh_purity": "90", "unit": "oz",
                                                   "oils": [{"name": "olive oil", "weight": "16"}]}).get_json()
    naoh = 16 * Decimal("0.135449") * Decimal("0.95")
    koh = naoh * Decimal("56.1056") / Decimal("39.9971") / Decimal("0.9")
    assert abs(Decimal(body["lye_weight"]) - koh) < Decimal("0.000001") and body["unit"] == "oz"
    assert body["water_weight"] == "6.08"


def test_soap_api_custom_oil_without_profile_has_null_qualities(client):
    body = client.post("/api/v1/tools/soap", json={**SOAP, "oils": [
        {"name": "Olive Oil", "weight": 500}, {"name": "Emu-ish fat", "weight": 500, "sap_naoh": "0.139"}]}).get_json()
    assert body["qualities"] is None
    assert body["lines"][1]["sap_naoh"] == "0.139"


@pytest.mark.parametrize("change, field", [
    ({"oils": []}, "oils"),
    ({"oils": [{"name": "Olive Oil", "weight": -1}]}, "oils.0.weight"),
    ({"superfat": 150}, "superfat"),
    ({"superfat": -0.5}, "superfat"),
    ({"lye": "LiOH"}, "lye"),
    ({"lye": "dual"}, "lye"),  # the page's NaOH + KOH split is not part of the API contract
    ({"oils": [{"name": "Unobtainium butter", "weight": 10}]}, "oils.0.sap_naoh"),
    ({"water": {"mode": "lye_concentration", "value": 0}}, "water.value"),
    ({"water": "lots"}, "water"),
    ({"unit": "stone"}, "unit"),
])
def test_soap_api_bad_input_is_422(client, change, field):
    assert_error(client.post("/api/v1/tools/soap", json={**SOAP, **change}), field)


def test_tools_api_refuses_non_json_with_400(client):
    response = client.post("/api/v1/tools/soap", data="{not json", content_type="application/json")
    assert_error(response, status=400)
    assert_error(client.post("/api/v1/tools/lotion", data="x"), status=400)
    assert_error(client.post("/api/v1/tools/candle", json=[1, 2]), status=422)


def test_candle_api(client):
    response = client.post("/api/v1/tools/candle", json={"vessels": 12, "fill_weight": "200", "fragrance_load": 8})
    assert response.status_code == 200
    body = response.get_json()
    assert body["total_weight"] == "2400"
    wax = Decimal(2400) / Decimal("1.08")
    assert abs(Decimal(body["wax_weight"]) - wax) < Decimal("0.000001")
    assert Decimal(body["wax_weight"]) + Decimal(body["fragrance_weight"]) == Decimal(2400)
    assert abs(Decimal(body["per_vessel"]["wax"]) - wax / 12) < Decimal("0.000001")
    assert abs(Decimal(body["per_vessel"]["fragrance"]) - (2400 - wax) / 12) < Decimal("0.000001")
    for bad, field in [({"vessels": 0}, "vessels"), ({"vessels": 2.5}, "vessels"), ({"vessels": "x"}, "vessels"), ({"fill_weight": -1}, "fill_weight"),
                       ({"fragrance_load": 101}, "fragrance_load"), ({"fill_weight": None}, "fill_weight")]:
        assert_error(client.post("/api/v1/tools/candle", json={"vessels": 1, "fill_weight": 1, "fragrance_load": 1,
                                                               **bad}), field)


def test_lotion_api(client):
    body = {"batch_weight": 500, "ingredients": [
        {"name": "Distilled Water", "percent": 69.5, "phase": "water"},
        {"name": "Sweet Almond Oil", "percent": 20, "phase": "oil"},
        {"name": "Emulsifying Wax NF", "percent": 9.5, "phase": "oil"},
        {"name": "Optiphen", "percent": 1, "phase": "cool_down"}]}
    response = client.post("/api/v1/tools/lotion", json=body)
    assert response.status_code == 200
    lines = response.get_json()["lines"]
    assert [(line["name"], line["phase"], line["percent"], line["weight"]) for line in lines] == [
        ("Distilled Water", "water", "69.5", "347.5"), ("Sweet Almond Oil", "oil", "20", "100"),
        ("Emulsifying Wax NF", "oil", "9.5", "47.5"), ("Optiphen", "cool_down", "1", "5")]
    near = {**body, "ingredients": body["ingredients"][:3] + [{"name": "Optiphen", "percent": "1.005", "phase": "x"}]}
    assert client.post("/api/v1/tools/lotion", json=near).status_code == 200  # within ± 0.01
    short = {**body, "ingredients": body["ingredients"][:3]}
    assert "99" in assert_error(client.post("/api/v1/tools/lotion", json=short), "ingredients")["error"]["message"]
    over = {**body, "ingredients": body["ingredients"] + [{"name": "Extra", "percent": 0.02, "phase": "oil"}]}
    assert_error(client.post("/api/v1/tools/lotion", json=over), "ingredients")
    assert_error(client.post("/api/v1/tools/lotion", json={**body, "ingredients": []}), "ingredients")
    assert_error(client.post("/api/v1/tools/lotion", json={**body, "batch_weight": -5}), "batch_weight")


def test_calculators_are_rate_limited(app, client):
    """Like other public pages, a client hammering the calculators is throttled with 429."""
    app.config["CRAFT_TOOLS_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.post("/api/v1/tools/candle", json={"vessels": 1, "fill_weight": 1, "fragrance_load": 1}
                             ).status_code for _ in range(4)]
    finally:
        app.config.pop("CRAFT_TOOLS_RATE_LIMIT")
    assert codes == [200, 200, 200, 429]


def test_soap_flag_off_hides_the_soap_api(app, client):
    flags = app.extensions["batchtrack_flags"]
    flags["craft_soap"] = False
    try:
        assert client.post("/api/v1/tools/soap", json=SOAP).status_code == 404
        assert client.get("/tools/soap").status_code == 404
    finally:
        flags["craft_soap"] = True
    assert client.post("/api/v1/tools/soap", json=SOAP).status_code == 200


def test_openapi_documents_the_public_tools(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/tools/soap" in spec["paths"] and "/api/v1/library" in spec["paths"]
    assert spec["paths"]["/api/v1/tools/soap"]["post"]["security"] == []


def test_library_api_ids_match_the_service(client):
    olive = library.list_library(q="Olive Oil").items[0]
    body = client.post("/api/v1/tools/soap", json={**SOAP, "oils": [{"library_id": olive.id, "weight": 10}]}).get_json()
    assert body["lines"][0]["name"] == "Olive Oil"
    assert_error(client.post("/api/v1/tools/soap", json={**SOAP, "oils": [{"library_id": "x", "weight": 10}]}),
                 "oils.0.library_id")
