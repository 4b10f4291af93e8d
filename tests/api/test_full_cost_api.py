"""API.md "Batches" → "Full cost" over JSON: Recipe JSON's labour_minutes / labour_rate / overhead_percent /
overhead_per_batch, Batch JSON's labour_minutes / labour_cost / overhead_cost / total_cost (estimate in progress,
frozen at finish), the output lot's unit cost, a sale's cogs and below_cost, the KPIs' cogs, the OpenAPI
document."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from app.services import products

from ..factories import make_item, make_lot, sku_item

JAN, FEB = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 2, 1, tzinfo=timezone.utc)
COST_KEYS = {"labour_minutes", "labour_cost", "overhead_cost", "total_cost"}


@pytest.fixture()
def kitchen(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g")
    lye = make_item(org, name="Sodium Hydroxide", unit="g")
    make_lot(org, oil, "500", "0.01", received_at=JAN)
    make_lot(org, oil, "1000", "0.012", received_at=FEB)
    make_lot(org, lye, "300", "0.005", received_at=JAN)
    product = products.create_product(org, owner, name="Castile Soap")
    sku = products.create_sku(org, owner, product.id, size_label="bar", retail_price="9")
    return {"oil": oil, "lye": lye, "sku": sku, "bar": sku_item(org, sku)}


@pytest.fixture()
def maker(api, owner):
    return api(owner)


def _recipe(maker, kitchen, **fields) -> dict:
    body = {"name": "Castile", "yield_quantity": "10", "yield_unit": "each", "output_item_id": kitchen["bar"].id,
            "lines": [{"item_id": kitchen["oil"].id, "quantity": "700", "unit": "g"},
                      {"item_id": kitchen["lye"].id, "quantity": "100", "unit": "g"}], **fields}
    response = maker.post("/api/v1/recipes", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_recipe_json_carries_the_four_cost_fields(maker, kitchen):
    plain = _recipe(maker, kitchen)
    assert (plain["labour_minutes"], plain["labour_rate"], plain["overhead_percent"],
            plain["overhead_per_batch"]) == ("0", None, None, None)
    own = _recipe(maker, kitchen, name="Castile 2", labour_minutes="45", labour_rate="0", overhead_percent="12.5",
                  overhead_per_batch=None)
    assert (own["labour_minutes"], own["labour_rate"], own["overhead_percent"], own["overhead_per_batch"]) == \
        ("45", "0", "12.5", None)
    assert maker.get(f"/api/v1/recipes/{own['id']}").get_json() == own
    bad = maker.post("/api/v1/recipes", json={"name": "Bad", "yield_quantity": "1", "yield_unit": "each",
                                              "lines": [], "labour_rate": "-3"})
    assert bad.status_code == 422 and "labour_rate" in bad.get_json()["error"]["fields"]


def test_with_nothing_set_total_cost_is_input_cost_and_the_lot_rule_holds(maker, kitchen):
    recipe = _recipe(maker, kitchen)
    batch = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": "1"}).get_json()
    assert COST_KEYS <= set(batch)
    assert (batch["input_cost"], batch["labour_cost"], batch["overhead_cost"], batch["total_cost"]) == \
        ("7.9", "0", "0", "7.9")
    done = maker.post(f"/api/v1/batches/{batch['id']}/finish", json={"yield_quantity": "10"}).get_json()
    assert done["total_cost"] == done["input_cost"] == "7.9" and done["labour_minutes"] == "0"
    assert done["output_lots"][0]["unit_cost"] == "0.79"


def test_full_cost_from_org_and_recipe_frozen_at_finish_into_sale_and_kpis(maker, kitchen):
    assert maker.patch("/api/v1/organization", json={"settings": {
        "labour_rate": "24", "overhead_percent": "10", "overhead_per_batch": "1.5"}}).status_code == 200
    recipe = _recipe(maker, kitchen, labour_minutes="30", overhead_per_batch="0")  # the recipe's 0 wins
    batch = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": "1"}).get_json()
    # estimate: 24 × 30 ÷ 60 = 12 labour; 7.9 × 10% + 0 = 0.79 overhead
    assert (batch["labour_minutes"], batch["labour_cost"], batch["overhead_cost"], batch["total_cost"]) == \
        ("30", "12", "0.79", "20.69")
    done = maker.post(f"/api/v1/batches/{batch['id']}/finish",
                      json={"yield_quantity": "10", "labour_minutes": "45"}).get_json()
    assert (done["labour_minutes"], done["labour_cost"], done["overhead_cost"], done["total_cost"]) == \
        ("45", "18", "0.79", "26.69")
    assert D(done["total_cost"]) == D(done["input_cost"]) + D(done["labour_cost"]) + D(done["overhead_cost"])
    assert done["output_lots"][0]["unit_cost"] == "2.669"
    # frozen: the organization's rate changes afterwards, the batch does not
    maker.patch("/api/v1/organization", json={"settings": {"labour_rate": "99", "overhead_percent": None}})
    again = maker.get(f"/api/v1/batches/{batch['id']}").get_json()
    assert {k: again[k] for k in COST_KEYS} == {k: done[k] for k in COST_KEYS}
    sale = maker.post("/api/v1/sales", json={"item_id": kitchen["bar"].id, "quantity": "3", "unit_price": "9"})
    assert sale.status_code == 201
    body = sale.get_json()
    assert body["cogs"] == "8.007" and body["margin"] == "18.993" and body["below_cost"] is False
    kpis = maker.get("/api/v1/kpis?days=30").get_json()
    assert kpis["cogs"] == "8.007" and kpis["revenue"] == "27"
    exported = list(csv.DictReader(io.StringIO(maker.get("/api/v1/exports/batches.csv").get_data(as_text=True))))
    assert [(D(r["labour_cost"]), D(r["overhead_cost"]), D(r["total_cost"])) for r in exported] == \
        [(D(18), D("0.79"), D("26.69"))]


def test_a_sale_below_cost_is_allowed_and_flagged(maker, kitchen):
    recipe = _recipe(maker, kitchen, labour_minutes="60", labour_rate="20")
    batch = maker.post("/api/v1/batches", json={"recipe_id": recipe["id"], "scale": "1"}).get_json()
    maker.post(f"/api/v1/batches/{batch['id']}/finish", json={"yield_quantity": "10"})  # 27.9 ÷ 10 = 2.79 each
    sale = maker.post("/api/v1/sales", json={"item_id": kitchen["bar"].id, "quantity": "1", "unit_price": "2.5"})
    assert sale.status_code == 201
    body = sale.get_json()
    assert body["cogs"] == "2.79" and body["below_cost"] is True
    assert maker.get(f"/api/v1/sales/{body['id']}").get_json()["below_cost"] is True


def test_openapi_documents_the_cost_fields(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    batch = next(s for name, s in schemas.items() if name.startswith("Batch") and "output_lots" in s["properties"])
    assert COST_KEYS <= set(batch["properties"])
    recipe = next(s for name, s in schemas.items() if name.startswith("Recipe") and "lines" in s["properties"]
                  and "version" in s["properties"])
    assert {"labour_minutes", "labour_rate", "overhead_percent", "overhead_per_batch"} <= set(recipe["properties"])
    sale = next(s for name, s in schemas.items() if name.startswith("Sale") and "cogs" in s["properties"]
                and "consumption" in s["properties"])
    assert sale["properties"]["below_cost"]["type"] == "boolean"
