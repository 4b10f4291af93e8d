"""The pricing sheet (issue 17 #2): each SKU's current unit cost, suggested wholesale and retail prices, the
price actually charged and its margin; and the same as CSV."""
from __future__ import annotations

import csv
import io

from flask import Response, render_template
from flask_login import current_user

from ...services import org_settings, pricing
from ...tenant import current_org
from ..decorators import require_permission
from . import bp


def _num(value) -> str:
    return "" if value is None else org_settings.decimal_text(value)


@bp.route("/products/pricing")
@require_permission("products.view")
def pricing_sheet():
    """Every SKU with its cost, suggested and actual prices and margin; prices below cost are flagged."""
    org = current_org()
    rows = pricing.pricing_sheet(org, current_user)
    settings = org_settings.get_settings(org)
    return render_template("products/pricing_sheet.html", rows=rows,
                           wholesale_markup=settings["wholesale_markup"], retail_markup=settings["retail_markup"])


@bp.route("/products/pricing.csv")
@require_permission("products.view")
def pricing_export():
    """The pricing sheet as CSV."""
    rows = pricing.pricing_sheet(current_org(), current_user)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["sku", "product", "variant", "size", "on_hand", "unit", "unit_cost", "suggested_wholesale",
                     "suggested_retail", "wholesale_price", "retail_price", "price_charged", "margin",
                     "margin_percent", "below_cost"])
    for row in rows:
        writer.writerow([row.sku.code, row.product.name, row.variant.name if row.variant else "", row.sku.size_label,
                         _num(row.on_hand), row.item.unit, _num(row.unit_cost), _num(row.suggested_wholesale),
                         _num(row.suggested_retail), _num(row.sku.wholesale_price), _num(row.sku.retail_price),
                         _num(row.price), _num(row.margin), _num(row.margin_percent),
                         "yes" if row.below_cost else "no"])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="pricing.csv"'})
