"""KPIs, series and the reorder engine against the hand-built ledger of tests/control_tower_support.py."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.services import control_tower, org_settings
from app.services.errors import ValidationFailed

from ...control_tower_support import NOW, build_ledger, today_utc
from ...helpers import count_queries

D = Decimal


def close(value, expected, places=12):
    assert value is not None
    assert abs(D(value) - D(expected)) < D(10) ** -places, (value, expected)


@pytest.fixture()
def ledger(org, owner):
    return build_ledger(org, owner)


def test_every_kpi_matches_the_hand_computed_ledger(org, owner, ledger):
    """Do inventory value (and its expired/expiring parts), revenue, COGS, margin, usage cost, weeks of supply,
    turnover, stock-outs and items below reorder match the figures worked out by hand?"""
    k = control_tower.compute_kpis(org, owner, 30)
    assert k["days"] == 30
    assert k["inventory_value"] == D("80.4")
    assert k["expired_value"] == D("10")
    assert k["expiring_value"] == D("10")
    assert k["revenue"] == D("30")
    assert k["cogs"] == D("7.5")
    assert k["gross_margin"] == D("22.5")
    assert k["gross_margin_pct"] == D("75")
    assert k["usage_cost"] == D("19.1")
    close(k["weeks_of_supply"], D("80.4") / (D("19.1") / 30 * 7))
    close(k["inventory_turnover"], D("7.5") / ((D("10") + D("80.4")) / 2))
    assert k["stockouts"] == 0
    assert k["below_reorder"] == 1


def test_a_short_period_leaves_out_older_usage(org, owner, ledger):
    """Over 7 days the oil's use 10 days ago is outside the period, the spoil was never usage."""
    k = control_tower.compute_kpis(org, owner, 7)
    assert k["usage_cost"] == D("19.1") - D("3")  # 300 g × 0.01 left out
    # value 7 days ago: oil restock 10 − use 3 = 7
    close(k["inventory_turnover"], D("7.5") / ((D("7") + D("80.4")) / 2))


def test_stockouts_count_used_items_with_nothing_available(org, owner, ledger):
    from app.services import inventory

    inventory.deduct(org, owner, ledger.bar.id, "17", change_type="gift")
    k = control_tower.compute_kpis(org, owner, 30)
    assert k["stockouts"] == 1
    assert k["usage_cost"] == D("19.1") + 17 * D("2.5")


def test_no_revenue_means_null_margin_percent_and_no_usage_null_weeks(org, owner):
    k = control_tower.compute_kpis(org, owner, 30)
    assert k["gross_margin_pct"] is None and k["weeks_of_supply"] is None and k["inventory_turnover"] is None
    assert k["inventory_value"] == 0 and k["revenue"] == 0


def test_kpis_take_a_fixed_number_of_queries(org, owner, ledger):
    """Does the KPI read stay at the same number of queries when there are many more items?"""
    from tests.factories import make_item, make_lot

    with count_queries() as few:
        control_tower.compute_kpis(org, owner, 30)
    for n in range(15):
        make_lot(org, make_item(org, name=f"Extra {n}", reorder_point=D("1")), "3", "1")
    with count_queries() as many:
        control_tower.compute_kpis(org, owner, 30)
    assert many.count == few.count


def test_series_last_point_is_the_current_value_and_days_rebuild_the_ledger(org, owner, ledger):
    points = control_tower.series(org, owner, "inventory_value", 30)
    assert len(points) == 30
    assert points[-1][0] == today_utc()
    assert points[-1][1] == control_tower.compute_kpis(org, owner, 30)["inventory_value"] == D("80.4")
    by_day = dict(points)
    # 29 days ago only the oil restock (10) existed; after the use 10 days ago: 7; after the spoil: 6.5
    assert by_day[today_utc() - timedelta(days=29)] == D("10")
    assert by_day[(NOW - timedelta(days=10)).date()] == D("7")
    assert by_day[(NOW - timedelta(days=5)).date()] == D("6.5")


def test_revenue_cogs_and_usage_series_add_up_to_the_kpis(org, owner, ledger):
    k = control_tower.compute_kpis(org, owner, 30)
    for metric in ("revenue", "cogs", "usage_cost"):
        points = control_tower.series(org, owner, metric, 30)
        assert sum((value for _day, value in points), D(0)) == k[metric], metric
    usage = dict(control_tower.series(org, owner, "usage_cost", 30))
    assert usage[(NOW - timedelta(days=10)).date()] == D("3")


def test_series_refuses_unknown_metrics_and_bad_periods(org, owner):
    with pytest.raises(ValidationFailed):
        control_tower.series(org, owner, "profit", 30)
    with pytest.raises(ValidationFailed):
        control_tower.compute_kpis(org, owner, 0)


# ---- reorder ------------------------------------------------------------------------------------------

def test_reorder_figures_from_usage_minus_returns_and_cancellations_never_disposals(org, owner, ledger):
    """Oil: usage 300 + 90 − 30 (the 50 g spoil is a loss, not usage); its manual point wins."""
    figures = control_tower.reorder_for_items(org, [ledger.oil, ledger.wax, ledger.bar, ledger.jar])
    oil = figures[ledger.oil.id]
    assert oil.usage == D("360") and oil.avg_daily_usage == D("12")
    assert oil.lead_time_days == 7 and oil.safety_stock == D("6")
    assert oil.reorder_point == D("600") and oil.source == "manual"
    assert oil.available == D("590") and oil.below is True
    assert oil.suggested_quantity == D("370")
    close(oil.weeks_of_supply, D("590") / 84)

    wax = figures[ledger.wax.id]  # 60 used by a batch, 20 back from its cancellation
    assert wax.usage == D("40") and wax.lead_time_days == 10 and wax.source == "computed"
    close(wax.reorder_point, D("14"), 20)
    assert wax.below is False and wax.suggested_quantity == 0

    bar = figures[ledger.bar.id]
    assert bar.usage == D("3")
    close(bar.reorder_point, D("0.75"), 20)
    jar = figures[ledger.jar.id]
    assert jar.reorder_point == 0 and jar.below is False and jar.weeks_of_supply is None


def test_item_lead_time_and_safety_stock_win_and_on_order_counts(org, owner, ledger):
    ledger.wax.lead_time_days = 20
    ledger.wax.safety_stock = D("5")
    figures = control_tower.reorder_for_items(org, [ledger.wax], on_order={ledger.wax.id: D("0")})[ledger.wax.id]
    assert figures.lead_time_days == 20 and figures.safety_stock == D("5")
    close(figures.reorder_point, D("40") / 30 * 20 + 5, 20)  # 31.666…
    oil = control_tower.reorder_for_items(org, [ledger.oil], on_order={ledger.oil.id: D("20")})[ledger.oil.id]
    assert oil.below is False  # 590 + 20 on order > 600
    oil = control_tower.reorder_for_items(org, [ledger.oil], in_transit={ledger.oil.id: D("5")})[ledger.oil.id]
    assert oil.below is True and oil.suggested_quantity == D("365")


def test_org_settings_change_the_window_safety_and_cover(org, owner, ledger):
    org_settings.update_organization(org, owner, settings={"window_days": 10, "safety_days": "2", "cover_days": 5})
    wax = control_tower.reorder_for_items(org, [ledger.wax])[ledger.wax.id]
    assert wax.avg_daily_usage == D("4")  # 40 g in the last 10 days
    assert wax.safety_stock == D("8") and wax.reorder_point == D("48") and wax.below is False
    oil = control_tower.reorder_for_items(org, [ledger.oil])[ledger.oil.id]
    assert oil.usage == D("60")  # only the sale adjustment and the return are within 10 days
    assert oil.suggested_quantity == D("600") + D("6") * 5 - D("590")


def test_reorder_list_groups_by_supplier_then_name(org, owner, ledger):
    from tests.factories import make_item, make_supplier

    acme = make_supplier(org, name="Acme")
    make_item(org, name="Zinc tin", reorder_point=D("1"), supplier_id=acme.id)
    make_item(org, name="Apricot oil", reorder_point=D("1"), supplier_id=acme.id)
    make_item(org, name="Archived", reorder_point=D("1"), archived_at=NOW)
    lines = control_tower.list_reorder(org, owner)
    assert [line.item.name for line in lines] == ["Apricot oil", "Zinc tin", "Olive oil"]
    row = lines[-1].as_json()
    assert row["item_id"] == ledger.oil.id and row["available"] == "590" and row["supplier_id"] is None
    assert row["reorder"]["suggested_quantity"] == "370" and row["reorder"]["source"] == "manual"


def test_reorder_is_per_organization(org, owner, other_org, other_owner, ledger):
    assert control_tower.list_reorder(other_org, other_owner) == []
    assert control_tower.compute_kpis(other_org, other_owner, 30)["inventory_value"] == 0
