"""Global library JSON API: GET /api/v1/library?q= (no token needed; reference data, no tenant rows)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ...extensions import limiter
from ...services import library
from ..api_v1 import DecimalString, PageArgs, page_envelope, page_schema
from ..tools import public, tools_rate_limit

blp = Blueprint("library_api", __name__, url_prefix="/api/v1/library",
                description="The global ingredient library (no token needed)")


class LibraryQuery(PageArgs):
    q = fields.String(load_default="", metadata={"description": "Name or INCI name contains (case-insensitive)"})
    category = fields.String(load_default="")


class LibraryEntrySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    inci = fields.String(allow_none=True)
    category = fields.String()
    kind = fields.String()
    default_unit = fields.String()
    density = DecimalString(allow_none=True, metadata={"description": "g per mL"})
    sap_naoh = DecimalString(allow_none=True, metadata={"description": "g NaOH per g oil"})
    sap_koh = DecimalString(allow_none=True, metadata={"description": "g KOH per g oil"})
    fatty_acids = fields.Dict(keys=fields.String(), values=fields.Raw(), allow_none=True,
                              metadata={"description": "fatty acid → percent"})
    iodine = DecimalString(allow_none=True)
    ins = DecimalString(allow_none=True)
    allergens = fields.List(fields.String())
    source = fields.String(allow_none=True)


LibraryPage = page_schema(LibraryEntrySchema)


@blp.route("", methods=["GET"])
@blp.doc(security=[])
@blp.arguments(LibraryQuery, location="query")
@blp.response(200, LibraryPage)
@limiter.limit(tools_rate_limit)
@public
def library_entries(args):
    """Library entries by name, searchable by name or INCI name, with SAP values and fatty-acid profiles."""
    q = (args["q"] or "").replace("\x00", "").strip()[:120]
    category = (args["category"] or "").strip()[:40]
    page = library.list_library(q=q or None, category=category or None, page=args["page"],
                                per_page=args["per_page"])
    return page_envelope(page.items, args["page"], args["per_page"], page.total)
