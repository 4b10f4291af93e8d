"""The import page: choose what the file holds (items, opening stock / restocks, sales), download its template,
upload → a validation report (row, column, problem) before anything is written → confirm → every row in one
transaction, or none. The checked file waits server-side (ImportUpload) so any web worker can import it; a file
above 1,000 rows is imported by a background job (its page shows the progress)."""
from __future__ import annotations

import csv
import functools
import io
from collections import Counter

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...services import csv_rows
from ...services.authz import has_permission
from ...services.errors import ValidationFailed
from ...services.imports import IMPORT_KINDS
from ...services.imports import uploads as import_uploads
from ...services.imports.columns import DATE_NOTE, HELP, TITLES, UNITS_NOTE, template_csv
from ...services.imports.common import MAX_CHARS
from ...tenant import current_org
from ..decorators import PERMISSION_ATTR
from ..forms_support import EmptyForm, submit, submit_action
from . import bp
from .forms import UploadForm

PROBLEMS_SHOWN = 200  # a big file's report shows the first problems and the counts per column
PREVIEW_ROWS = 10
TARGETS = {"items": ("inventory.item_list", "Go to inventory"), "stock": ("inventory.item_list", "Go to inventory"),
           "sales": ("sales.sale_list", "Go to sales")}


def require_import(view):
    """Signed in with inventory.import or sales.import (each kind is checked again by the service)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not _kinds():
            message = ("Your role does not allow importing (inventory.import or sales.import). "
                       "Ask an owner or manager for access; CSV import is part of the paid plans.")
            return render_template("errors/403.html", status=403, message=message), 403
        return view(*args, **kwargs)

    setattr(wrapper, PERMISSION_ATTR, "inventory.import|sales.import")
    return login_required(wrapper)


def _kinds() -> list[tuple[str, str]]:
    """The kinds this member may import: (kind, title)."""
    return [(kind, TITLES[kind]) for kind in TITLES if has_permission(current_user, IMPORT_KINDS[kind][1])]


@bp.route("/imports", methods=["GET", "POST"])
@require_import
def import_page():
    """Choose a kind and a file; checking it writes nothing. A clean file goes on to its confirmation page."""
    form = UploadForm()
    form.kind.choices = _kinds()
    if request.method == "GET" and request.args.get("kind") in dict(form.kind.choices):
        form.kind.data = request.args["kind"]
    result = submit(form, lambda: _check(form))
    if not result.ok:
        return _render(form, status=result.status)
    checked = result.value
    if checked.upload is not None:
        return redirect(url_for("imports.upload_detail", upload_id=checked.upload.id), code=303)
    return _render(form, report=checked.result, filename=_filename(form), status=422)


def _check(form: UploadForm):
    upload = form.file.data
    if not hasattr(upload, "read") or not getattr(upload, "filename", ""):
        raise ValidationFailed("Choose a CSV file to check.", fields={"file": "Choose a CSV file."})
    raw = upload.read(MAX_CHARS * 4 + 1)
    return import_uploads.check_upload(current_org(), current_user, form.kind.data, raw, upload.filename)


def _filename(form: UploadForm) -> str:
    return getattr(form.file.data, "filename", "") or ""


def _render(form: UploadForm, *, report=None, filename: str = "", status: int = 200, upload=None):
    by_column = Counter(p.column for p in report.problems) if report is not None else Counter()
    kind = form.kind.data if form.kind.data in TITLES else "items"
    return render_template("imports/import_page.html", form=form, report=report, filename=filename,
                           problems=report.problems[:PROBLEMS_SHOWN] if report is not None else [],
                           by_column=by_column.most_common(), help=HELP, titles=TITLES, kind=kind,
                           units_note=UNITS_NOTE, date_note=DATE_NOTE, kinds=dict(form.kind.choices),
                           upload=upload), status


@bp.route("/imports/template.csv")
@require_import
def import_template():
    """The template of a kind (?kind=items|stock|sales): its header row and one example row."""
    kind = request.args.get("kind", "items")
    if kind not in TITLES:
        abort(404)
    return Response(template_csv(kind), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="batchtrack-{kind}-template.csv"'})


@bp.route("/imports/<int:upload_id>")
@require_import
def upload_detail(upload_id: int):
    """A checked file waiting for its confirmation (a preview of its first rows), or the imported one's result."""
    return _detail(upload_id)


def _detail(upload_id: int, status: int = 200):
    upload = import_uploads.get_upload(current_org(), current_user, upload_id)
    header, preview = _preview(upload.content)
    target, target_label = TARGETS[upload.kind]
    return render_template("imports/upload_detail.html", upload=upload, title=TITLES[upload.kind], header=header,
                           preview=preview, background=upload.row_count > import_uploads.BACKGROUND_ABOVE,
                           target=url_for(target), target_label=target_label, form=EmptyForm()), status


def _preview(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the first rows of the file with their line numbers (as the problem report counts them,
    blank lines included), for a look before importing."""
    if not text:
        return [], []
    reader = csv.reader(io.StringIO(text), delimiter=csv_rows.delimiter(text))
    rows = []
    for values in reader:
        if any(v.strip() for v in values):
            rows.append((reader.line_num, values))
        if len(rows) > PREVIEW_ROWS:
            break
    return (rows[0][1], rows[1:]) if rows else ([], [])


@bp.route("/imports/<int:upload_id>/confirm", methods=["POST"])
@require_import
def upload_confirm(upload_id: int):
    """Import the checked file: all rows in one transaction (or a background job for a big file)."""
    result = submit_action(lambda: import_uploads.confirm_upload(current_org(), current_user, upload_id),
                           shown_by_page=(ValidationFailed,))
    if result.ok:
        if result.value.job is not None:
            return redirect(url_for("jobs.detail", job_id=result.value.job.id), code=303)
        upload = result.value.upload
        flash(f"Imported {upload.created_count:,} {_noun(upload.kind, upload.created_count)} from {upload.filename}.",
              "success")
        return redirect(url_for("imports.upload_detail", upload_id=upload.id), code=303)
    found = getattr(result.error, "result", None)
    if found is not None:  # the data changed since the check: the file's problems now; nothing was written
        flash("Nothing was imported: the file no longer passes its checks (your data changed since). "
              "Fix the rows below and upload it again.", "error")
        form = UploadForm(formdata=None)
        form.kind.choices = _kinds()
        form.kind.data = found.kind
        return _render(form, report=found, status=422)
    return _detail(upload_id, result.status)  # refused (read-only, already imported, expired form): flashed


@bp.route("/imports/<int:upload_id>/discard", methods=["POST"])
@require_import
def upload_discard(upload_id: int):
    """Drop a checked file without importing it."""
    result = submit_action(lambda: import_uploads.discard_upload(current_org(), current_user, upload_id),
                           "The file was discarded; nothing was imported.")
    if not result.ok:
        return _detail(upload_id, result.status)
    return redirect(url_for("imports.import_page"), code=303)


def _noun(kind: str, count: int) -> str:
    singular = {"items": "item", "stock": "restock", "sales": "sale"}[kind]
    return singular if count == 1 else f"{singular}s"
