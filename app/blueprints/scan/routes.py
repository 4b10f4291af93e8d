"""Scan pages: the camera page with its typed-code field, which opens what a code names, and the lookup the scan
buttons on other forms ask (JSON: the receive form fills the supplier lot code and finds the item)."""
from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ...services import scanning
from ...services.authz import has_permission
from ...services.tenancy import parse_id
from ...tenant import current_org
from ..decorators import require_permission
from . import bp
from .forms import ScanForm


@bp.route("/scan")
@require_permission("inventory.view")
def scan_page():
    """The camera scanner and a field to type the code; a code (?code=) opens its lot, SKU or item page, or says
    plainly that nothing has it (404) and offers to put the barcode on an item or SKU."""
    scanning.check_enabled(current_org())
    form = ScanForm(request.args)
    result, status = None, 200
    if "code" in request.args:
        if not form.validate():
            status = 422
        elif request.args.get("assign"):
            return redirect(_assign_target(request.args["assign"], form.code.data.strip()))
        else:
            result = scanning.resolve_code(current_org(), current_user, form.code.data)
            target = destination(result)
            if target is not None:
                return redirect(target)
            status = 404
    can_edit_items = has_permission(current_user, "inventory.edit")
    can_edit_skus = has_permission(current_user, "products.edit")
    find = request.args.get("find", "").strip()[:100]
    targets = None
    if result is not None and not result.found and (can_edit_items or can_edit_skus):
        targets = scanning.barcode_targets(current_org(), current_user, find)
    return render_template("scan/scan_page.html", form=form, result=result, can_edit_items=can_edit_items,
                           can_edit_skus=can_edit_skus, targets=targets, find=find), status


@bp.route("/scan/lookup")
@require_permission("inventory.view")
def scan_lookup():
    """What a scanned code names, as JSON for the scan buttons: kind, the page to open, the item (with its restock
    form) and, from a supplier's GS1 code, the lot code and expiry date."""
    form = ScanForm(request.args)
    if not form.validate():
        message = " ".join(form.code.errors) or "Scan a code or type it in."
        return jsonify({"error": {"code": "validation_error", "message": message, "fields": {"code": message}}}), 422
    result = scanning.resolve_code(current_org(), current_user, form.code.data)
    item = result.item
    return jsonify({
        "kind": result.kind, "code": result.code, "via": result.via, "message": result.message,
        "url": destination(result),
        "item": None if item is None else {
            "id": item.id, "name": item.name, "url": url_for("inventory.item_detail", item_id=item.id),
            "restock_url": url_for("inventory.item_detail", item_id=item.id, change_type="restock")},
        "sku": None if result.sku is None else {"id": result.sku.id, "code": result.sku.code},
        "lot": None if result.lot is None else {"id": result.lot.id, "code": result.lot.code},
        "supplier_lot_code": result.supplier_lot_code,
        "expires_on": result.expires_on.isoformat() if result.expires_on else None,
    })


def destination(result: scanning.ScanResult) -> str | None:
    """The page a scan opens, as far as the user may see it: a lot's trace page (else its item), a SKU's page
    (else its stock item), an item's page, a batch's output lot or the batch; None when nothing was found."""
    def can(permission: str) -> bool:
        return has_permission(current_user, permission)

    if result.lot is not None:
        if can("traceability.view"):
            return url_for("trace.lot_trace", code=result.lot.code)
        return url_for("inventory.item_detail", item_id=result.lot.item_id, _anchor="lots")
    if result.kind == "batch" and result.batch is not None:
        if can("batches.view"):
            return url_for("batches.batch_detail", batch_id=result.batch.id)
        return url_for("trace.lot_search", q=result.batch.label)
    if result.kind == "sku" and result.sku is not None:
        if can("products.view"):
            return url_for("products.sku_detail", sku_id=result.sku.id)
        return url_for("inventory.item_detail", item_id=result.sku.item_id)
    if result.kind == "item" and result.item is not None:
        return url_for("inventory.item_detail", item_id=result.item.id)
    return None


def _assign_target(choice: str, code: str) -> str:
    """The edit form of the chosen item ("item-12") or SKU ("sku-3") with the scanned barcode filled in; the scan
    page again for anything else. The edit page checks the id belongs to the organization."""
    kind, _, raw = choice.partition("-")
    object_id = parse_id(raw)
    if kind == "item" and object_id is not None:
        return url_for("inventory.item_edit", item_id=object_id, barcode=code)
    if kind == "sku" and object_id is not None:
        return url_for("products.sku_edit", sku_id=object_id, barcode=code)
    return url_for("scan.scan_page", code=code)
