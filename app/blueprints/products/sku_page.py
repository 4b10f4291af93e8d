"""The SKU page (what a scan of a SKU's barcode opens): its stock and price, "Sell one" and "Adjust"."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ...models.types import utcnow
from ...services import products
from ...services.timezones import org_today
from ...tenant import current_org
from ..decorators import require_permission
from ..pages import ID
from . import bp


@bp.route(f"/products/skus/<{ID}:sku_id>")
@require_permission("products.view")
def sku_detail(sku_id: int):
    """One SKU: product, variant, size, codes, stock, price and its lots; sell one at the retail price or adjust
    its stock in one tap (the Scan page opens this for a SKU's barcode)."""
    org = current_org()
    sku = products.get_sku(org, current_user, sku_id)
    detail = products.get_product_detail(org, current_user, sku.product_id)
    row = next(row for row in detail.skus if row.sku.id == sku.id)
    now = utcnow()
    today = org_today(org, now)
    statuses = {lot.id: lot.status(today, now) for lot, _ in row.lots}
    return render_template("products/sku_detail.html", row=row, sku=sku, product=detail.product,
                           statuses=statuses)
