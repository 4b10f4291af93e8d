"""Sales CSV import: upload → a validation report (row, column, problem) before anything is written →
"Import N sales" → every row recorded in one transaction, or none."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ...services import sales
from ...services.errors import ValidationFailed
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import submit
from . import bp
from .forms import ImportConfirmForm, ImportForm

# Larger checked files are confirmed by uploading them again instead of posting the text back
# (a form field is capped well below the file-upload limit).
HIDDEN_TEXT_LIMIT = 400_000
EXAMPLE = "sku,quantity,unit_price,order_ref,channel,customer,date\nLAV-BAR,2,8.50,#1042,Market,Ana,2026-03-14\n"


@bp.route("/sales/import", methods=["GET", "POST"])
@require_permission("sales.import")
def sale_import():
    """Check a sales CSV and show every problem with its row and column; nothing is written yet."""
    form = ImportForm()
    result = submit(form, lambda: _check(form))
    if not result.ok:
        return _render(form, status=result.status)
    text, report = result.value
    return _render(form, report=report, text=text, status=200 if report.ok else 422)


def _check(form: ImportForm):
    """(text, validation report) of the uploaded or pasted CSV; nothing is written."""
    text, problem = _uploaded_text(form)
    if problem:
        raise ValidationFailed(problem, fields={"file": problem})
    return text, sales.validate_sales_csv(current_org(), current_user, text)


@bp.route("/sales/import/confirm", methods=["POST"])
@require_permission("sales.import")
def sale_import_confirm():
    """Import the checked file: all rows in one transaction, or nothing when any row fails."""
    form = ImportConfirmForm()
    upload = ImportForm()
    text = form.csv_text.data if form.validate_on_submit() else None
    if text is None:
        text, problem = _uploaded_text(upload) if upload.validate_on_submit() else (None, "The form expired.")
        if problem:
            flash(f"Nothing was imported: {problem} Check the file again.", "error")
            return redirect(url_for("sales.sale_import"))
    result = submit(ImportForm(formdata=None), lambda: sales.import_sales_csv(current_org(), current_user, text),
                    validate=False)
    if not result.ok:  # nothing was imported; a file that no longer validates shows its report again
        report = getattr(result.error, "report", None)
        return _render(ImportForm(formdata=None), report=report, text=text if report is not None else None,
                       status=result.status)
    imported = result.value
    flash(f"Imported {len(imported)} sale{'' if len(imported) == 1 else 's'}.", "success")
    return redirect(url_for("sales.sale_list"))


def _uploaded_text(form: ImportForm) -> tuple[str | None, str | None]:
    """The CSV text from the uploaded file, else the pasted text; or a problem to show."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        raw = upload.read(sales.MAX_CSV_CHARS * 4 + 1)
        if len(raw) > sales.MAX_CSV_CHARS * 4:
            return None, "The file is too large (at most 2 MB)."
        try:
            return raw.decode("utf-8-sig"), None
        except UnicodeDecodeError:
            return None, "The file is not UTF-8 text; save it as “CSV UTF-8” and upload it again."
    text = (form.csv_text.data or "").strip("\ufeff")
    if text.strip():
        return text, None
    return None, "Choose a CSV file or paste its contents."


def _render(form: ImportForm, *, report=None, text: str | None = None, status: int = 200):
    confirm = None
    if report is not None and report.ok and text is not None:
        confirm = ImportConfirmForm(formdata=None)
        confirm.csv_text.data = text if len(text) <= HIDDEN_TEXT_LIMIT else ""
    return render_template("sales/sale_import.html", form=form, report=report, confirm=confirm,
                           reupload=confirm is not None and not confirm.csv_text.data,
                           columns=sales.CSV_COLUMNS, example=EXAMPLE), status
