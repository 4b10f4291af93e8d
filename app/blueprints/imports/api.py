"""`POST /api/v1/imports/<kind>` for items, stock and sales: the CSV as the raw body (text/csv) or as the
multipart field `file`; `?dry_run=true` answers the validation report and writes nothing."""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields

from ...services import imports
from ...services.errors import ValidationFailed
from ..api_v1 import api_actor
from ..decorators import require_permission
from ..idempotency import idempotent

blp = Blueprint("imports_api", __name__, url_prefix="/api/v1/imports", description="CSV import")


class ImportArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    dry_run = fields.Boolean(load_default=False,
                             metadata={"description": "true: only check the file (200 with the report)"})


class ImportProblemSchema(Schema):
    row = fields.Integer(metadata={"description": "Line in the file; the header is row 1"})
    column = fields.String()
    message = fields.String()


class ImportReportSchema(Schema):
    kind = fields.String(metadata={"enum": sorted(imports.IMPORT_KINDS)})
    rows = fields.Integer(metadata={"description": "Data rows in the file"})
    valid = fields.Integer(metadata={"description": "Rows without a problem"})
    errors = fields.List(fields.Nested(ImportProblemSchema))
    created = fields.Integer(metadata={"description": "Rows written (absent on a dry run)"})


_CSV_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}, "example": "name,kind,unit\nSoy wax,ingredient,g\n"},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                       "properties": {"file": {"type": "string", "format": "binary"}}}},
}}}
_COLUMNS = {"items": "name, kind, unit, density, shelf_life_days, reorder_point, supplier (a supplier's name)",
            "stock": "item (name), quantity, unit, unit_cost, received_at, expires_at, supplier_lot_code, "
                     "location (name): one restock (lot) per row",
            "sales": "sku or item (name), quantity, unit_price, order_ref, channel, date"}


def _file_text():
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        return upload.read() if upload is not None else None
    return request.get_data(cache=True)


def _run(kind: str, args: dict):
    org, user = api_actor()
    try:
        result = imports.import_csv(org, user, kind, _file_text(), dry_run=args["dry_run"])
    except ValidationFailed as error:
        result = getattr(error, "result", None)
        if result is None:
            raise
        errors = result.report()["errors"]
        body = {"error": {"code": error.code, "message": error.message, "fields": error.fields, "errors": errors}}
        return _json(body, 422)
    body = result.report()
    if args["dry_run"]:
        return _json(body, 200)
    body["created"] = result.created
    return _json(body, 201)


def _json(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    return response


def _doc(kind: str) -> dict:
    return {"description": f"Columns (header row, any case): {_COLUMNS[kind]}. Without dry_run a valid file → "
                           "201 with `created`, all rows in one transaction; any problem → 422 "
                           "validation_error with `error.errors` [{row, column, message}] and nothing written.",
            **_CSV_BODY}


@blp.route("/items", methods=["POST"])
@idempotent
@require_permission("inventory.import")
@blp.arguments(ImportArgs, location="query")
@blp.response(200, ImportReportSchema, description="Dry run: the validation report")
@blp.alt_response(201, schema=ImportReportSchema, description="Imported")
@blp.alt_response(422, description="validation_error: the file has problems (error.errors); nothing written")
@blp.doc(**_doc("items"))
def import_items(args):
    """Import items from a CSV file."""
    return _run("items", args)


@blp.route("/stock", methods=["POST"])
@idempotent
@require_permission("inventory.import")
@blp.arguments(ImportArgs, location="query")
@blp.response(200, ImportReportSchema, description="Dry run: the validation report")
@blp.alt_response(201, schema=ImportReportSchema, description="Imported")
@blp.alt_response(422, description="validation_error: the file has problems (error.errors); nothing written")
@blp.doc(**_doc("stock"))
def import_stock(args):
    """Import opening stock / restocks from a CSV file (one lot per row)."""
    return _run("stock", args)


@blp.route("/sales", methods=["POST"])
@idempotent
@require_permission("sales.import")
@blp.arguments(ImportArgs, location="query")
@blp.response(200, ImportReportSchema, description="Dry run: the validation report")
@blp.alt_response(201, schema=ImportReportSchema, description="Imported")
@blp.alt_response(422, description="validation_error: the file has problems (error.errors); nothing written")
@blp.doc(**_doc("sales"))
def import_sales(args):
    """Import sales from a CSV file (stock taken FIFO, as when recorded one by one)."""
    return _run("sales", args)
