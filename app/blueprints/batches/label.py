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
    return render_template("batches/batch_label.html", record=record, batch=record.batch, recipe=record.recipe,
                           ingredients=[entry["name"] for entry in ingredients],
                           allergens=batches.label_allergens(entry["item"] for entry in ingredients),
                           expires_on=expires_on, hold_until=hold_until, lot=lot, outputs=outputs,
                           product=next((item for item, candidate in outputs if candidate is lot), None),
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
