"""The printable batch label / sheet: code, QR code to the batch page, dates, ingredients, allergens."""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

import qrcode
import qrcode.image.svg
from flask import render_template
from flask_login import current_user
from markupsafe import Markup

from ...links import absolute_url
from ...services import batches, production_views, recipes
from ...tenant import current_org
from ..decorators import require_permission
from .routes import bp

LABEL_KINDS = ("container", "packaging")


@bp.route("/batches/<int:batch_id>/label")
@require_permission("batches.view")
def batch_label(batch_id: int):
    """A print-ready label: ingredients by descending weight (INCI names where set) and allergens."""
    org = current_org()
    record = batches.batch_record(org, current_user, batch_id)
    ingredients = _ingredients(org, record)
    expiries = [lot.expires_on for _, _, lot in record.outputs if lot.expires_on]
    holds = [lot.hold_until for _, _, lot in record.outputs if lot.hold_until]
    url = absolute_url("batches.batch_detail", batch_id=record.batch.id)
    return render_template("batches/batch_label.html", record=record, batch=record.batch, recipe=record.recipe,
                           ingredients=[entry["name"] for entry in ingredients],
                           allergens=_allergens(entry["item"] for entry in ingredients),
                           expires_on=min(expiries) if expiries else None, hold_until=max(holds) if holds else None,
                           qr_svg=qr_svg(url, f"QR code linking to batch {record.batch.label}"), batch_url=url)


def qr_svg(url: str, title: str) -> Markup:
    """Inline SVG markup of a QR code for `url` (paths only: no scripts, no inline styles)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:].lstrip()
    title = Markup.escape(title)
    svg = svg.replace("<svg ", f'<svg class="qr" role="img" aria-label="{title}" ', 1)
    return Markup(svg)


def _ingredients(org, record) -> list[dict]:
    """What went into the batch, heaviest first; lines that cannot be weighed follow in their order."""
    totals: "OrderedDict[int, list]" = OrderedDict()
    for row, item, _ in record.consumption:
        if row.credited_event_id is None and row.kind != "container" and item.kind not in LABEL_KINDS:
            totals.setdefault(item.id, [item, Decimal(0)])[1] += row.quantity
    if not totals:  # nothing consumed (cancelled): the recipe version as planned
        for line in recipes.scaled_lines(org, record.version, record.batch.scale, roles=recipes.START_ROLES):
            if line.item.kind not in LABEL_KINDS:
                totals.setdefault(line.item.id, [line.item, Decimal(0)])[1] += line.item_quantity
    weighed, unweighed = [], []
    for item, quantity in totals.values():
        grams = production_views.weight_in_grams(org, item, quantity, item.unit)
        entry = {"item": item, "name": item.inci_name or item.name, "grams": grams}
        (weighed if grams is not None else unweighed).append(entry)
    weighed.sort(key=lambda entry: entry["grams"], reverse=True)
    return weighed + unweighed


def _allergens(items) -> list[str]:
    """The union of the items' allergens (comma or semicolon separated), each once, alphabetically."""
    found: dict[str, str] = {}
    for item in items:
        for name in (item.allergens or "").replace(";", ",").split(","):
            name = name.strip()
            if name:
                found.setdefault(name.lower(), name)
    return sorted(found.values(), key=str.lower)
