"""The public lot page: GET /l/<token> shows only what the printed label shows (no login, no tenant internals)."""
from __future__ import annotations

from flask import current_app, render_template

from ...extensions import limiter
from ...services import batches
from . import bp


def _public_limit() -> str:
    """Per client address, like the other pages open to anyone (sign-in, password reset)."""
    return current_app.config.get("PUBLIC_PAGE_RATE_LIMIT", "60 per minute")


@bp.route("/l/<token>")
@limiter.limit(_public_limit)
def lot_page(token: str):
    """A lot's public page: product, batch and lot code, made / cured-by / best-before dates, ingredients
    heaviest first, allergens, and a recall warning when the lot is recalled. Unknown tokens are a 404."""
    lot = batches.public_lot(token)
    response = current_app.make_response(render_template("public/lot_page.html", lot=lot))
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"  # a recall must show at once, never from a cache
    return response
