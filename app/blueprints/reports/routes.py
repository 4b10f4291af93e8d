"""Control-tower pages: the KPI dashboard with charts, the reorder page, alerts, CSV downloads, and the
control-tower settings form on the organization settings page."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import control_tower, org_settings
from ...services.control_tower import exports, kpis
from ...services.control_tower.reorder import with_item_objects
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from . import bp, charts
from .api import csv_response
from .forms import settings_form


def _days() -> int:
    raw = request.args.get("days", "30")
    return int(raw) if raw.isdigit() and int(raw) in kpis.PERIODS else 30


@bp.route("/reports")
@require_permission("reports.view")
def report_dashboard():
    """KPIs for 7/30/90/365 days with charts (server-rendered SVG, each with its table)."""
    org, days = current_org(), _days()
    data = kpis.dashboard(org, current_user, days)
    revenue, cogs = kpis.weekly(data["revenue"]), kpis.weekly(data["cogs"])
    usage = kpis.weekly(data["usage_cost"])
    export = "reports.export_sales" if _can_export() else None
    chart_list = [
        charts.line_chart("Inventory value", data["inventory_value"], slug="inventory-value",
                          csv_url=url_for("reports.export_lots") if export else None,
                          empty_text="No stock held value in this period."),
        charts.bar_chart("Revenue, COGS and margin per week", [day.isoformat() for day, _ in revenue],
                         [("Revenue", [v for _, v in revenue]), ("COGS", [v for _, v in cogs]),
                          ("Margin", [r - c for (_, r), (_, c) in zip(revenue, cogs)])],
                         slug="revenue", csv_url=url_for(export) if export else None),
        charts.bar_chart("Usage cost per week", [day.isoformat() for day, _ in usage], [("Usage cost", [v for _, v in usage])],
                         slug="usage-cost", csv_url=url_for("reports.export_events") if export else None),
        charts.hbar_chart("Top items by value", data["top_value"], slug="top-value",
                          csv_url=url_for("reports.export_items") if export else None,
                          empty_text="Nothing in stock holds value yet."),
        charts.hbar_chart("Top items by usage cost", data["top_usage"], slug="top-usage"),
        charts.bar_chart("Value expiring per week (next 8 weeks)", [d.isoformat() for d, _ in data["expiring_weeks"]],
                         [("Expiring value", [v for _, v in data["expiring_weeks"]])], slug="expiring",
                         empty_text="Nothing in stock expires in the next 8 weeks."),
    ]
    from ...services.control_tower.export_job import large_exports  # offered as background jobs

    return render_template("reports/report_dashboard.html", days=days, periods=kpis.PERIODS, k=data["kpis"],
                           charts=chart_list, large_exports=large_exports(org, current_user) if export else set())


def _can_export() -> bool:
    from ...services.authz import has_permission

    return has_permission(current_user, "reports.export")


@bp.route("/reorder")
@require_permission("inventory.view")
def reorder_page():
    """Items at or below their reorder point, grouped by supplier, with suggested quantities."""
    org = current_org()
    lines = control_tower.list_reorder(org, current_user, item_rows=True)
    page = _page_of(lines, REORDER_PER_PAGE)  # the page's lines, still grouped by supplier then name
    page.items = with_item_objects(org, page.items)
    groups: list[dict] = []
    for line in page.items:
        name = line.supplier.name if line.supplier else None
        if not groups or groups[-1]["supplier"] is not line.supplier:
            groups.append({"supplier": line.supplier, "name": name, "lines": []})
        groups[-1]["lines"].append(line)
    from ...services import purchasing  # order quantities rounded up to the supplier's pack size

    return render_template("reports/reorder.html", groups=groups, count=len(lines), page=page,
                           settings=org_settings.get_settings(org),
                           orders=purchasing.order_quantities_for(org, page.items),
                           draft_form=EmptyForm())


@bp.route("/alerts")
@require_permission("reports.view")
def alert_list():
    """Alerts whose conditions hold now; dismissed ones on request (?dismissed=1)."""
    show_dismissed = request.args.get("dismissed") == "1"
    views = control_tower.list_alerts(current_org(), current_user, include_dismissed=show_dismissed)
    page = _page_of(views, ALERTS_PER_PAGE)
    return render_template("reports/alert_list.html", views=page.items, page=page, show_dismissed=show_dismissed,
                           args={"dismissed": 1} if show_dismissed else {}, action_form=EmptyForm())


ALERTS_PER_PAGE = 50
REORDER_PER_PAGE = 100


def _page_of(rows: list, per_page: int):
    """One page (?page=) of an already ordered list; a page past the last shows the last."""
    from ...services.pagination import Page
    from ..pages import page_arg

    pages = max(1, -(-len(rows) // per_page))
    number = min(page_arg(), pages)
    return Page(items=rows[(number - 1) * per_page:number * per_page], total=len(rows), page=number,
                per_page=per_page)


@bp.route("/alerts/<int:alert_id>/dismiss", methods=["POST"])
@require_permission("inventory.adjust")
def alert_dismiss(alert_id: int):
    """Hide an alert until its condition ends and starts again."""
    submit_action(lambda: control_tower.dismiss_alert(current_org(), current_user, alert_id),
                  "Alert dismissed; it comes back if the problem ends and starts again.")
    return redirect(url_for("reports.alert_list"))


@bp.route("/organization/settings/control-tower", methods=["POST"])
@require_permission("organization.settings")
def control_settings():
    """Save the reorder, alert and costing settings (a blank field restores its default; a setting the form
    does not carry — the expiring-soon window, set with the organization's details — is left as it is)."""
    org = current_org()
    form = settings_form(org, request.form)
    changes = {key: (getattr(form, key).data or "").strip() or None for key in org_settings.KEYS
               if getattr(form, key).name in request.form}
    result = submit(form, lambda: org_settings.update_organization(org, current_user, settings=changes))
    if result.ok:
        flash("Reorder, alert and costing settings saved.", "success")
        return redirect(url_for("organization.settings") + "#control-tower")
    for name, message in ((result.error.fields or {}) if result.error else {}).items():
        field = getattr(form, name.removeprefix("settings."), None)  # the service names them settings.<key>
        if field is not None and message not in field.errors:
            field.errors = [*field.errors, message]
    from ..organization.forms import SettingsForm

    return render_template("organization/settings.html", form=SettingsForm(obj=org), control_form=form), result.status


def _export_page(name: str):
    def view():
        # the pages call the events list "the ledger" (ledger.csv, Ledger CSV): the file is saved by that name
        return csv_response(exports.export_csv(current_org(), current_user, name), "ledger" if name == "events" else name)

    view.__name__ = f"export_{name}"
    view.__doc__ = f"Download the {name} list as CSV."
    return view


for _name in exports.EXPORTS:
    bp.route(f"/exports/{_name}.csv", endpoint=f"export_{_name}")(
        require_permission("reports.export")(_export_page(_name)))


@bp.app_template_global()
def control_settings_form():
    """The control-tower settings form for the organization settings page (filled with current values)."""
    return settings_form(current_org())

