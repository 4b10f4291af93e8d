"""The control tower's JSON contract (API.md): organization settings, KPIs, series, reorder, alerts, exports."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from app.services import billing

from ...control_tower_support import build_ledger, today_utc
from ...factories import make_item, make_lot

D = Decimal
DEFAULTS = {"window_days": 30, "safety_days": "0.5", "cover_days": 30, "expiring_days": 30, "stuck_batch_days": 7,
            "labour_rate": "0", "overhead_percent": "0", "overhead_per_batch": "0", "wholesale_markup": "2",
            "retail_markup": "2"}


# ---- organization settings ----------------------------------------------------------------------------

def test_get_organization_carries_every_setting_with_its_default(api, owner):
    body = api(owner).get("/api/v1/organization").get_json()
    assert body["settings"] == DEFAULTS
    assert {"id", "name", "tier", "billing_status", "grace_until", "user_count", "user_limit", "timezone"} <= set(body)


def test_patch_changes_a_subset_and_null_restores_the_default(api, owner, org):
    client = api(owner)
    response = client.patch("/api/v1/organization", json={
        "name": "Juniper & Sons", "timezone": "Europe/Paris",
        "settings": {"window_days": 14, "safety_days": "1.25", "labour_rate": 18, "expiring_days": 10}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == "Juniper & Sons" and body["timezone"] == "Europe/Paris"
    assert body["settings"] == {**DEFAULTS, "window_days": 14, "safety_days": "1.25", "labour_rate": "18",
                                "expiring_days": 10}
    assert client.get("/api/v1/organization").get_json()["settings"] == body["settings"]
    restored = client.patch("/api/v1/organization", json={"settings": {"window_days": None, "labour_rate": None,
                                                                       "expiring_days": None}}).get_json()
    assert restored["settings"] == {**DEFAULTS, "safety_days": "1.25"}
    assert restored["name"] == "Juniper & Sons"


@pytest.mark.parametrize("settings, field", [
    ({"colour": "blue"}, "settings.colour"),
    ({"window_days": -1}, "settings.window_days"),
    ({"safety_days": "-0.5"}, "settings.safety_days"),
    ({"cover_days": 2.5}, "settings.cover_days"),
    ({"retail_markup": "lots"}, "settings.retail_markup"),
])
def test_unknown_keys_and_negative_or_bad_values_are_422_and_change_nothing(api, owner, settings, field):
    client = api(owner)
    response = client.patch("/api/v1/organization", json={"name": "Renamed", "settings": settings})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    body = client.get("/api/v1/organization").get_json()
    assert body["settings"] == DEFAULTS and body["name"] != "Renamed"


def test_only_owners_and_admins_may_patch(api, member, viewer):
    for user in (member, viewer):
        response = api(user).patch("/api/v1/organization", json={"settings": {"window_days": 5}})
        assert response.status_code == 403


# ---- KPIs and series ----------------------------------------------------------------------------------

def test_kpis_json_matches_the_hand_built_ledger(api, org, owner):
    build_ledger(org, owner)
    body = api(owner).get("/api/v1/kpis?days=30").get_json()
    assert body["days"] == 30
    assert body["inventory_value"] == "80.4" and body["expired_value"] == "10" and body["expiring_value"] == "10"
    assert body["revenue"] == "30" and body["cogs"] == "7.5" and body["gross_margin"] == "22.5"
    assert body["gross_margin_pct"] == "75" and body["usage_cost"] == "19.1"
    assert abs(D(body["weeks_of_supply"]) - D("80.4") / (D("19.1") / 30 * 7)) < D("1e-12")
    assert abs(D(body["inventory_turnover"]) - D("7.5") / D("45.2")) < D("1e-12")
    assert body["stockouts"] == 0 and body["below_reorder"] == 1


def test_kpis_default_to_30_days_and_refuse_bad_periods(api, owner):
    client = api(owner)
    assert client.get("/api/v1/kpis").get_json()["days"] == 30
    assert client.get("/api/v1/kpis").get_json()["gross_margin_pct"] is None
    assert client.get("/api/v1/kpis?days=0").status_code == 422
    assert client.get("/api/v1/kpis?days=abc").status_code == 422


def test_series_has_one_point_per_day_ending_today_at_the_current_value(api, org, owner):
    build_ledger(org, owner)
    client = api(owner)
    body = client.get("/api/v1/kpis/series?metric=inventory_value&days=7").get_json()
    assert body["metric"] == "inventory_value" and len(body["points"]) == 7
    assert body["points"][-1] == {"date": today_utc().isoformat(), "value": "80.4"}
    revenue = client.get("/api/v1/kpis/series?metric=revenue&days=30").get_json()["points"]
    assert sum(D(p["value"]) for p in revenue) == D("30")
    assert client.get("/api/v1/kpis/series?metric=profit").status_code == 422


# ---- reorder and item fields ----------------------------------------------------------------------------

def test_reorder_lists_items_below_their_point_with_the_figures(api, org, owner):
    ledger = build_ledger(org, owner)
    body = api(owner).get("/api/v1/reorder").get_json()
    assert body["total"] == 1 and body["page"] == 1
    [row] = body["items"]
    assert row["item_id"] == ledger.oil.id and row["name"] == "Olive oil" and row["unit"] == "g"
    assert row["available"] == "590" and row["supplier_id"] is None
    assert row["reorder"] == {"avg_daily_usage": "12", "lead_time_days": 7, "safety_stock": "6",
                              "reorder_point": "600", "source": "manual", "below": True,
                              "suggested_quantity": "370", "weeks_of_supply": row["reorder"]["weeks_of_supply"]}
    assert abs(D(row["reorder"]["weeks_of_supply"]) - D(590) / 84) < D("1e-12")


# ---- alerts -------------------------------------------------------------------------------------------

def test_alerts_open_dismiss_and_reopen(api, org, owner):
    from app.services import inventory

    item = make_item(org, name="Shea butter", reorder_point=D("5"))
    make_lot(org, item, "10", "1")
    client = api(owner)
    assert client.get("/api/v1/alerts").get_json()["items"] == []
    inventory.deduct(org, owner, item.id, "7", change_type="use")
    [alert] = client.get("/api/v1/alerts").get_json()["items"]
    assert alert["type"] == "below_reorder" and alert["severity"] == "warning" and alert["item_id"] == item.id
    assert alert["lot_code"] is None and alert["batch_id"] is None and alert["created_at"].endswith("Z")
    assert "Shea butter" in alert["message"]
    dismissed = client.post(f"/api/v1/alerts/{alert['id']}/dismiss")
    assert dismissed.status_code == 200 and dismissed.get_json()["id"] == alert["id"]
    assert client.get("/api/v1/alerts").get_json()["items"] == []
    inventory.restock(org, owner, item.id, quantity="10", unit_cost="1")  # the condition ends…
    inventory.deduct(org, owner, item.id, "12", change_type="use")  # …and starts again, nobody read in between
    [again] = client.get("/api/v1/alerts").get_json()["items"]
    assert again["type"] == "below_reorder" and again["id"] != alert["id"]
    assert client.post(f"/api/v1/alerts/{alert['id']}/dismiss").status_code == 409


def test_another_organizations_alert_is_404(api, org, owner, other_owner):
    item = make_item(org, name="Mica", reorder_point=D("5"))
    make_lot(org, item, "1", "1")
    [alert] = api(owner).get("/api/v1/alerts").get_json()["items"]
    response = api(other_owner).post(f"/api/v1/alerts/{alert['id']}/dismiss")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert api(other_owner).get("/api/v1/alerts").get_json()["items"] == []


def test_a_viewer_reads_alerts_but_cannot_dismiss(api, org, viewer):
    item = make_item(org, name="Clay", reorder_point=D("5"))
    make_lot(org, item, "1", "1")
    [alert] = api(viewer).get("/api/v1/alerts").get_json()["items"]
    assert api(viewer).post(f"/api/v1/alerts/{alert['id']}/dismiss").status_code == 403


# ---- exports ------------------------------------------------------------------------------------------

def _rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize("name, header_start", [
    ("items", ["id", "name", "kind", "unit", "quantity", "available"]),
    ("lots", ["id", "code", "item_id", "item"]),
    ("events", ["id", "code", "created_at", "item_id", "item"]),
    ("batches", ["id", "label"]),
    ("sales", ["id", "created_at", "item_id", "item"]),
    ("suppliers", ["id", "name"]),
    ("reorder", ["item_id", "item", "unit", "supplier_id"]),
])
def test_every_export_is_csv_with_a_header_row(api, org, owner, name, header_start):
    build_ledger(org, owner)
    response = api(owner).get(f"/api/v1/exports/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = _rows(response)
    assert rows[0][:len(header_start)] == header_start


def test_exports_carry_the_ledger_with_item_names_and_neutralise_formulas(api, org, owner):
    ledger = build_ledger(org, owner)
    make_item(org, name="=HYPERLINK(\"http://evil\")")
    client = api(owner)
    events = _rows(client.get("/api/v1/exports/events.csv"))
    header = events[0]
    oil_rows = [dict(zip(header, row)) for row in events[1:] if row[header.index("item")] == "Olive oil"]
    assert [r["change_type"] for r in oil_rows] == ["restock", "use", "spoil", "sale", "returned"]
    assert [r["quantity"] for r in oil_rows] == ["1000", "-300", "-50", "-90", "30"]  # numbers stay numbers
    items = _rows(client.get("/api/v1/exports/items.csv"))
    names = [row[1] for row in items[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in names and "Olive oil" in names
    reorder = _rows(client.get("/api/v1/exports/reorder.csv"))
    assert len(reorder) == 2 and reorder[1][0] == str(ledger.oil.id)


def test_exports_work_while_read_only_and_are_per_organization(api, org, owner, other_owner):
    build_ledger(org, owner)
    org.billing_status = "read_only"
    from app.extensions import db

    db.session.commit()
    assert billing  # read-only orgs may still read and export (API.md)
    response = api(owner).get("/api/v1/exports/lots.csv")
    assert response.status_code == 200 and len(_rows(response)) > 1
    theirs = _rows(api(other_owner).get("/api/v1/exports/lots.csv"))
    assert len(theirs) == 1  # the header only


def test_a_viewer_without_export_permission_gets_403(api, viewer):
    assert api(viewer).get("/api/v1/exports/items.csv").status_code == 403
