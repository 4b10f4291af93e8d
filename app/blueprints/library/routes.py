"""The global ingredient library: browse, search, filter, and add an entry to your inventory."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ...services import library
from ...services.inventory import queries
from ...tenant import current_org
from ..decorators import require_permission
from ..pages import page_arg
from . import bp

PER_PAGE = 50


@bp.route("/library")
@require_permission("library.view")
def library_list():
    """Curated ingredients with INCI names, densities, shelf lives and SAP values."""
    q = (request.args.get("q") or "").strip()[:120]
    categories = library.list_categories()
    category = request.args.get("category") if request.args.get("category") in categories else ""
    page = library.list_library(q=q or None, category=category or None, page=page_arg(), per_page=PER_PAGE)
    linked = queries.items_linked_to_library(current_org(), current_user, [e.id for e in page.items])
    args = {key: value for key, value in (("q", q), ("category", category)) if value}
    return render_template("library/library_list.html", page=page, q=q, category=category,
                           categories=categories, args=args, linked=linked)
