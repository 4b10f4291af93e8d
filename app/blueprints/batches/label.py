"""The printable batch label / sheet: batch and lot code, a QR code to the lot's public page, dates, ingredients,
allergens."""
from __future__ import annotations

import qrcode
import qrcode.image.svg
from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

from ...links import absolute_url
from ...services import batches
from ...tenant import current_org
from ..decorators import require_permission
from . import bp


@bp.route("/batches/<int:batch_id>/label")
@require_permission("batches.view")
def batch_label(batch_id: int):
    """A print-ready label: ingredients by descending weight (INCI names where set) and allergens, the output
    lot code (?lot= picks one of several) and a QR code to that lot's public page."""
    org = current_org()
    record = batches.batch_record(org, current_user, batch_id)
    ingredients = batches.label_ingredients(org, record.consumption, record.version, record.batch.scale)
    outputs = [(item, lot) for _, item, lot in record.outputs]
    wanted = (request.args.get("lot") or "").strip()
    lot = next((lot for _, lot in outputs if lot.code == wanted), outputs[0][1] if outputs else None)
    if lot is not None:  # the label of one output lot: its own dates, its public page
        expires_on, hold_until = lot.expires_on, lot.hold_until
        url = absolute_url("public.lot_page", token=lot.public_token)
        qr_title = f"QR code linking to the public page of lot {lot.code}"
    else:  # not finished yet: no lot to point at; the QR opens the batch page (sign-in needed)
        expires_on = hold_until = None
        url = absolute_url("batches.batch_detail", batch_id=record.batch.id)
        qr_title = f"QR code linking to batch {record.batch.label}"
    product = next((item for item, candidate in outputs if candidate is lot), None)
    return render_template("batches/batch_label.html", record=record, batch=record.batch, recipe=record.recipe,
                           ingredients=[entry["name"] for entry in ingredients],
                           allergens=batches.label_allergens(entry["item"] for entry in ingredients),
                           expires_on=expires_on, hold_until=hold_until, lot=lot, outputs=outputs,
                           product=product, net_content=batches.label_net_content(org, product) if product else None,
                           qr_svg=qr_svg(url, qr_title), batch_url=url)


def qr_svg(url: str, title: str) -> Markup:
    """Inline SVG markup of a QR code for `url` (paths only: no scripts, no inline styles)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:].lstrip()
    title = Markup.escape(title)
    svg = svg.replace("<svg ", f'<svg class="qr" role="img" aria-label="{title}" ', 1)
    return Markup(svg)


# ---- label sheets: many labels of one lot on a real sheet, at exact physical sizes ----------------------

# name → (title, label width in, height in, columns, rows, top margin in, left margin in, column gap in, row gap in)
SHEETS = {
    "avery5160": ("Avery 5160 — 2⅝ × 1 in, 30 per sheet", "2.625", "1", 3, 10, "0.5", "0.1875", "0.125", "0"),
    "avery22806": ("Avery 22806 — 2 × 2 in square, 12 per sheet", "2", "2", 3, 4, "0.625", "0.625", "0.625", "0.5833"),
    "custom": ("Custom size", None, None, None, None, "0.25", "0.25", "0.125", "0.125"),
}
MAX_LABELS = 300


def _sheet_layout(args) -> tuple[dict, list[str]]:
    """The sheet asked for in `args` (layout, count, width, height in inches), with messages for bad input."""
    from decimal import Decimal, InvalidOperation

    errors = []
    name = args.get("layout") or "avery5160"
    if name not in SHEETS:
        errors.append("Choose one of the listed sheet layouts.")
        name = "avery5160"
    title, width, height, columns, rows, top, left, column_gap, row_gap = SHEETS[name]
    if name == "custom":
        try:
            width, height = Decimal(args.get("width") or "2"), Decimal(args.get("height") or "1")
            if not (Decimal("0.5") <= width <= Decimal("8") and Decimal("0.5") <= height <= Decimal("10.5")):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append("A custom label is 0.5–8 in wide and 0.5–10.5 in high.")
            width, height = Decimal("2"), Decimal("1")
        width, height = width.quantize(Decimal("0.001")).normalize(), height.quantize(Decimal("0.001")).normalize()
        columns = max(1, int((Decimal("8.5") - 2 * Decimal(left) + Decimal(column_gap)) // (width + Decimal(column_gap))))
        rows = max(1, int((Decimal("11") - 2 * Decimal(top) + Decimal(row_gap)) // (height + Decimal(row_gap))))
    per_sheet = columns * rows
    try:
        count = int(args.get("count") or per_sheet)
        if not 1 <= count <= MAX_LABELS:
            raise ValueError
    except ValueError:
        errors.append(f"Print between 1 and {MAX_LABELS} labels.")
        count = per_sheet
    return {"name": name, "title": title, "width": str(width), "height": str(height), "columns": columns,
            "rows": rows, "per_sheet": per_sheet, "count": count, "top": top, "left": left,
            "column_gap": column_gap, "row_gap": row_gap}, errors


@bp.route("/batches/<int:batch_id>/labels")
@require_permission("batches.view")
def label_sheet(batch_id: int):
    """A sheet of labels for one output lot: how many and on which sheet (Avery 5160, 22806 or a custom
    size); printed at exact physical sizes by the stylesheet label_sheet_css builds for that layout."""
    from flask import flash, url_for

    org = current_org()
    record = batches.batch_record(org, current_user, batch_id)
    outputs = [(item, lot) for _, item, lot in record.outputs]
    wanted = (request.args.get("lot") or "").strip()
    lot = next((lot for _, lot in outputs if lot.code == wanted), outputs[0][1] if outputs else None)
    layout, errors = _sheet_layout(request.args)
    for message in errors:
        flash(message, "error")
    ingredients = batches.label_ingredients(org, record.consumption, record.version, record.batch.scale)
    url = absolute_url("public.lot_page", token=lot.public_token) if lot is not None else None
    product = next((item for item, candidate in outputs if candidate is lot), None)
    css_args = {"layout": layout["name"]}
    if layout["name"] == "custom":
        css_args.update(width=layout["width"], height=layout["height"])
    return render_template(
        "batches/label_sheet.html", batch=record.batch, recipe=record.recipe, outputs=outputs, lot=lot,
        product=product, layout=layout, sheets=SHEETS, net_weight=(request.args.get("net_weight") or "").strip()[:40],
        net_content=batches.label_net_content(org, product) if product is not None else None,
        ingredients=[entry["name"] for entry in ingredients],
        allergens=batches.label_allergens(entry["item"] for entry in ingredients),
        qr_svg=qr_svg(url, f"QR code linking to the public page of lot {lot.code}") if lot is not None else None,
        sheet_css=url_for("batches.label_sheet_css", **css_args)), 400 if errors else 200


@bp.route("/batches/labels/sheet.css")
@require_permission("batches.view")
def label_sheet_css():
    """The physical sizes of one sheet layout (CSP allows no inline styles): letter paper, no page margin,
    each label exactly W × H inches on the sheet's grid."""
    layout, _ = _sheet_layout(request.args)
    css = f"""@page {{ size: 8.5in 11in; margin: 0; }}
.label-sheet {{ grid-template-columns: repeat({layout['columns']}, {layout['width']}in); grid-auto-rows: {layout['height']}in;
  column-gap: {layout['column_gap']}in; row-gap: {layout['row_gap']}in; }}
.sheet-label {{ width: {layout['width']}in; height: {layout['height']}in; }}
@media print {{ .label-sheet {{ padding: {layout['top']}in 0 0 {layout['left']}in; }} }}
"""
    return current_app_response(css)


def current_app_response(css: str):
    """A text/css response for the label sheet's generated print styles."""
    from flask import current_app

    return current_app.response_class(css, mimetype="text/css")
