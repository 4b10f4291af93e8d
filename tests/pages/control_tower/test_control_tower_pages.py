"""Control-tower pages: the Reports dashboard with SVG charts and tables, Reorder, Alerts, CSV downloads and the
settings form on the organization settings page."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ...control_tower_support import build_ledger
from ...factories import make_item, make_lot
from ...helpers import count_queries, csrf_token, post_form

D = Decimal


def test_reports_page_shows_the_kpis_and_charts_with_tables(client, org, owner, login):
    build_ledger(org, owner)
    login(owner)
    html = client.get("/reports?days=30").get_data(as_text=True)
    assert 'data-testid="kpis"' in html and "$80.40" in html
    for slug in ("inventory-value", "revenue", "usage-cost", "top-value", "top-usage", "expiring"):
        assert f'data-testid="chart-{slug}"' in html and f'data-testid="table-{slug}"' in html, slug
    assert re.search(r'<polyline class="line series-1" points="[\d., ]+"', html)
    assert html.count("<svg") >= 6
    assert 'data-points="30"' in html  # one point per day of the period
    assert 'aria-current="true" data-testid="period-30"' in html


@pytest.mark.parametrize("days", [7, 90, 365])
def test_the_period_picker_changes_the_period(client, org, owner, login, days):
    login(owner)
    html = client.get(f"/reports?days={days}").get_data(as_text=True)
    assert f'data-points="{days}"' in html and f"The last {days} days" in html


def test_an_unknown_period_falls_back_to_30_days(client, owner, login):
    login(owner)
    assert "The last 30 days" in client.get("/reports?days=12345678901234").get_data(as_text=True)


def test_reports_page_queries_do_not_grow_with_items(client, org, owner, login):
    build_ledger(org, owner)
    login(owner)
    client.get("/reports")
    with count_queries() as few:
        assert client.get("/reports").status_code == 200
    for n in range(12):
        make_lot(org, make_item(org, name=f"Extra {n}", reorder_point=D("100")), "3", "1")
    client.get("/reports")  # warm again (the sign-in's cached permissions were dropped by the commits)
    with count_queries() as many:
        assert client.get("/reports").status_code == 200
    assert many.count == few.count


def test_reorder_page_groups_below_point_items_by_supplier(client, org, owner, login):
    ledger = build_ledger(org, owner)
    wax_low = make_item(org, name="Candelilla", reorder_point=D("50"), supplier_id=ledger.supplier.id)
    make_lot(org, wax_low, "10", "1")
    login(owner)
    html = client.get("/reorder").get_data(as_text=True)
    assert html.index("Beeswax Bros") < html.index("Candelilla") < html.index("No supplier") < html.index("Olive oil")
    assert "370 g" in html  # the oil's suggested order
    assert 'data-testid="export-reorder"' in html


def test_alerts_page_lists_and_dismisses(client, org, owner, login):
    item = make_item(org, name="Shea butter", reorder_point=D("5"))
    make_lot(org, item, "1", "1")
    login(owner)
    html = client.get("/alerts").get_data(as_text=True)
    alert_id = re.search(r'data-testid="dismiss-(\d+)"', html).group(1)
    assert "Shea butter" in html
    response = post_form(client, f"/alerts/{alert_id}/dismiss", {}, form_url="/alerts", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Alert dismissed" in page and "No alerts" in page
    assert "Shea butter" in client.get("/alerts?dismissed=1").get_data(as_text=True)


def test_a_viewer_sees_alerts_without_dismiss_buttons_and_cannot_dismiss(client, org, viewer, login):
    item = make_item(org, name="Mica", reorder_point=D("5"))
    make_lot(org, item, "1", "1")
    login(viewer)
    html = client.get("/alerts").get_data(as_text=True)
    assert "Mica" in html and "dismiss-" not in html


def test_csv_downloads_from_the_pages(client, org, owner, login):
    build_ledger(org, owner)
    login(owner)
    response = client.get("/exports/events.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith("id,code,created_at,item_id,item")
    assert "attachment" in response.headers["Content-Disposition"]
    assert 'filename="ledger.csv"' in response.headers["Content-Disposition"]  # as the link reads: ledger.csv


def test_settings_form_on_the_organization_settings_page(client, org, owner, login):
    login(owner)
    html = client.get("/organization/settings").get_data(as_text=True)
    assert 'data-testid="control-settings-form"' in html and 'value="0.5"' in html
    response = post_form(client, "/organization/settings/control-tower",
                         {"ct-window_days": "14", "ct-safety_days": "1.5", "ct-cover_days": "", "ct-retail_markup": "3"},
                         form_url="/organization/settings", follow_redirects=True)
    assert response.status_code == 200 and "settings saved" in response.get_data(as_text=True)
    from app.services import org_settings

    values = org_settings.get_settings(org)
    assert values["window_days"] == 14 and values["safety_days"] == D("1.5") and values["retail_markup"] == 3
    assert values["cover_days"] == 30


def test_a_negative_setting_is_shown_on_the_form_and_saves_nothing(client, org, owner, login):
    login(owner)
    response = post_form(client, "/organization/settings/control-tower", {"ct-window_days": "-3"},
                         form_url="/organization/settings")
    assert response.status_code == 422
    assert "Must not be negative." in response.get_data(as_text=True)
    from app.services import org_settings

    assert org_settings.get_settings(org)["window_days"] == 30


def test_a_maker_cannot_change_the_settings(client, org, member, login):
    login(member)
    token = csrf_token(client, "/settings")
    response = client.post("/organization/settings/control-tower", data={"ct-window_days": "3", "csrf_token": token})
    assert response.status_code == 403


def test_the_dashboard_shows_the_alerts_panel_and_links_low_stock_to_the_reorder_page(client, org, owner, login):
    build_ledger(org, owner)
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="alerts-panel"' in html and "Olive oil is at or below its reorder point" in html
    assert 'href="/reorder"' in html and 'href="/inventory?sort=quantity"' not in html
    assert 'data-testid="reorder-link"' in html


@pytest.mark.parametrize("page, name", [("/inventory", "items"), ("/inventory", "lots"), ("/inventory", "events"),
                                        ("/suppliers", "suppliers"), ("/batches", "batches")])
def test_list_pages_link_their_csv_export(client, owner, login, page, name):
    login(owner)
    html = client.get(page).get_data(as_text=True)
    assert f'href="/exports/{name}.csv"' in html
    assert client.get(f"/exports/{name}.csv").status_code == 200


def test_the_menu_links_reorder_reports_and_alerts(client, owner, login):
    login(owner)
    html = client.get("/reorder").get_data(as_text=True)
    for href in ('href="/reorder"', 'href="/reports"', 'href="/alerts"'):
        assert href in html


def test_the_item_form_takes_a_lead_time(client, org, owner, login):
    item = make_item(org, name="Neem oil")
    login(owner)
    response = post_form(client, f"/inventory/{item.id}/edit",
                         {"name": "Neem oil", "kind": "ingredient", "unit": "g", "lead_time_days": "4",
                          "supplier_id": "", "capacity_unit": ""}, follow_redirects=True)
    assert response.status_code == 200
    from app.extensions import db

    db.session.refresh(item)
    assert item.lead_time_days == 4


def test_the_reorder_page_shows_no_order_of_zero_for_an_item_at_its_point(client, org, owner, login):
    """Does an unused item exactly at its reorder point show a dash, not "Order 0 g", beside one that needs 700 g?"""
    at_point = make_item(org, owner, name="Honey", reorder_point="1000")
    make_lot(org, at_point, "1000", "0.01")
    below = make_item(org, owner, name="Goat Milk Powder", reorder_point="1000")
    make_lot(org, below, "300", "0.01")
    login(owner)
    html = client.get("/reorder").get_data(as_text=True)
    cell = html.split(f'data-testid="order-quantity-{at_point.id}">')[1].split("</td>")[0]
    assert "—" in cell and "0 g" not in cell
    assert "<strong>700 g</strong>" in html.split(f'data-testid="order-quantity-{below.id}">')[1].split("</td>")[0]


def test_a_bar_chart_with_nothing_to_draw_says_so_instead_of_an_empty_axis(client, org, owner, login):
    """With no sales, no usage and nothing expiring, do the bar charts say so (they drew a bare axis topped by
    "$1.00") while keeping their tables?"""
    make_lot(org, make_item(org, owner, name="Shea Butter"), "500", "0.02")  # stock without an expiry date
    login(owner)
    html = client.get("/reports?days=30").get_data(as_text=True)
    assert 'data-testid="empty-expiring">Nothing in stock expires in the next 8 weeks.<' in html
    assert 'data-testid="empty-revenue">Nothing in this period.<' in html
    assert 'data-testid="empty-usage-cost">' in html and 'data-testid="table-expiring"' in html
    assert "$1.00" not in html


def test_the_expiring_soon_window_is_one_field_on_the_settings_page_and_the_other_form_keeps_it(client, org, owner,
                                                                                              login):
    """Is "expiring soon" asked once on the organization settings page (it was in both forms, stored once), and
    does saving the reorder form leave the window the owner set above alone?"""
    from app.services import org_settings

    org_settings.update_organization(org, owner, settings={"expiring_days": "14"})
    login(owner)
    html = client.get("/organization/settings").get_data(as_text=True)
    assert html.count('name="expiring_soon_days"') == 1 and 'name="ct-expiring_days"' not in html
    response = post_form(client, "/organization/settings/control-tower", {"ct-window_days": "21"},
                         form_url="/organization/settings")
    assert response.status_code == 302
    values = org_settings.get_settings(org)
    assert values["window_days"] == 21 and values["expiring_days"] == 14 and org.expiring_soon_days == 14


def test_a_charts_csv_link_names_the_list_it_downloads(client, org, owner, login):
    """Does the inventory-value chart offer "lots.csv" for what it is, the lots behind the chart, instead of a
    "Download Inventory value as CSV" link that delivered the lots list, not the chart's daily values?"""
    build_ledger(org, owner)
    login(owner)
    html = client.get("/reports?days=30").get_data(as_text=True)
    assert "Download Inventory value as CSV" not in html
    link = html.split('data-testid="csv-inventory-value">')[1].split("</p>")[0]
    assert "The list behind this chart, as CSV" in link and 'href="/exports/lots.csv"' in link and ">lots.csv<" in link


def test_a_refused_setting_is_named_by_its_label_and_marked_on_its_field(client, org, owner, login):
    """Does "abc" as the wholesale markup say "Wholesale markup (× cost): A number of 0 or more." (not
    "wholesale_markup: …") and mark that field, saving nothing?"""
    login(owner)
    response = post_form(client, "/organization/settings/control-tower",
                         {"ct-wholesale_markup": "abc", "ct-labour_rate": "18"}, form_url="/organization/settings")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Wholesale markup (× cost): A number of 0 or more." in html and "wholesale_markup:" not in html
    field = html.split('name="ct-wholesale_markup"')[0].rsplit("<input", 1)[1] + html.split(
        'name="ct-wholesale_markup"')[1].split(">")[0]
    assert 'aria-invalid="true"' in field
    from app.services import org_settings

    assert org_settings.get_settings(org)["labour_rate"] == 0


def test_a_new_organizations_reports_say_there_is_nothing_yet_without_a_legend_or_a_made_up_scale(client, owner,
                                                                                                   login):
    """With no stock and no sales, does every chart say so (its table kept), with no legend for bars that are
    not there and no "$1.00" atop a flat inventory-value line?"""
    login(owner)
    html = client.get("/reports?days=30").get_data(as_text=True)
    assert 'data-testid="empty-inventory-value">No stock held value in this period.<' in html
    assert 'data-points="30"' in html  # the flat line is still drawn, one point a day
    assert 'data-testid="empty-top-value">Nothing in stock holds value yet.<' in html
    assert 'data-testid="empty-top-usage">Nothing in this period.<' in html
    assert 'class="legend"' not in html and "$1.00" not in html
    assert "Nothing to show for this period yet." not in html


def test_weekly_chart_tables_say_each_row_is_a_week(client, org, owner, login):
    """Do the per-week charts' tables head their first column "Week starting" (it said "Date", so a week's total
    read as one day's), while the daily inventory-value table keeps "Date"?"""
    build_ledger(org, owner)
    login(owner)
    html = client.get("/reports?days=30").get_data(as_text=True)
    for slug in ("revenue", "usage-cost", "expiring"):
        assert html.split(f'data-testid="table-{slug}"')[1].split("</th>")[0].endswith("Week starting"), slug
    assert html.split('data-testid="table-inventory-value"')[1].split("</th>")[0].endswith("Date")
