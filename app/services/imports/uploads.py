"""The import page's flow: a checked file is kept server-side (ImportUpload) between its validation report and
the confirmation, so any web worker can import it; confirming imports it in one transaction (all rows or
none) or, for a big file, starts a background job. Uploads are the uploader's own; a day-old one is purged."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete

from ...extensions import db
from ...models import ImportUpload
from ...models.types import utcnow
from .. import tenancy
from ..authz import authorize
from ..base import transaction, unit_of_work
from ..errors import InvalidState, NotFound
from ..validation import clean_text
from . import IMPORT_KINDS, ImportResult, import_csv

KEEP_FOR = timedelta(days=1)
BACKGROUND_ABOVE = 1000  # rows: a bigger file is imported by a background job


@dataclass
class Checked:
    """A checked file: its report, and the stored upload when it has no problem."""

    result: ImportResult
    upload: ImportUpload | None = None


@dataclass
class Confirmed:
    """An import run now (`upload` carries the counts) or started in the background (`job`)."""

    upload: ImportUpload
    job: object | None = None


def check_upload(org, actor, kind: str, file_text, filename: str | None = None) -> Checked:
    """Check a CSV file (nothing is imported); a file without problems is stored for the confirmation."""
    result = import_csv(org, actor, kind, file_text, dry_run=True)
    if not result.ok:
        return Checked(result)
    text = file_text.decode("utf-8-sig") if isinstance(file_text, bytes) else file_text
    return Checked(result, _store(org, actor, kind, text.lstrip("\ufeff"), filename, result.rows))


@unit_of_work
def _store(org, actor, kind, text, filename, rows) -> ImportUpload:
    purge_stale_uploads(org)
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = clean_text("".join(c for c in base if c.isprintable())[:255], "filename", 255) or f"{kind}.csv"
    upload = ImportUpload(organization_id=org.id, user_id=actor.id, kind=kind, filename=name[:255], content=text,
                          row_count=rows, created_at=utcnow())
    db.session.add(upload)
    db.session.flush()
    return upload


def get_upload(org, actor, upload_id) -> ImportUpload:
    """The actor's own upload (NotFound for another member's, another organization's, or a purged one)."""
    upload = tenancy.get_for_org(ImportUpload, upload_id, org)
    authorize(actor, org, IMPORT_KINDS[upload.kind][1])
    if upload.user_id != actor.id or (upload.imported_at is None and upload.created_at < utcnow() - KEEP_FOR):
        raise NotFound("Upload not found: it was discarded or is more than a day old. Upload the file again.")
    return upload


def confirm_upload(org, actor, upload_id) -> Confirmed:
    """Import the checked file: at most BACKGROUND_ABOVE rows now, in one transaction with the upload marked
    imported; a bigger file as a background job (the upload is then dropped: the job keeps the file).
    A file that no longer validates raises ValidationFailed with `.result`, and nothing is written."""
    upload = get_upload(org, actor, upload_id)
    if upload.imported_at is not None:
        raise InvalidState(f"{upload.filename} was already imported.")
    if upload.row_count > BACKGROUND_ABOVE:
        from .. import jobs

        job = jobs.start(org, actor, "import", {"kind": upload.kind, "csv_text": upload.content,
                                                "filename": upload.filename},
                         title=f"Import {upload.filename} ({upload.row_count:,} rows)", total=upload.row_count)
        _forget(org, actor, upload.id)
        return Confirmed(upload, job)
    with transaction():
        result = import_csv(org, actor, upload.kind, upload.content)
        upload = tenancy.get_for_org_for_update(ImportUpload, upload.id, org)
        if upload.imported_at is not None:
            raise InvalidState(f"{upload.filename} was already imported.")
        upload.imported_at, upload.created_count, upload.content = utcnow(), result.created, ""
    return Confirmed(upload)


@unit_of_work
def discard_upload(org, actor, upload_id) -> None:
    """Drop a checked file without importing it."""
    _forget(org, actor, get_upload(org, actor, upload_id).id)


@unit_of_work
def _forget(org, actor, upload_id) -> None:
    db.session.execute(delete(ImportUpload).where(ImportUpload.organization_id == org.id,
                                                  ImportUpload.id == upload_id))


def purge_stale_uploads(org) -> int:
    """Delete the organization's uploads more than a day old (inside the caller's transaction)."""
    result = db.session.execute(delete(ImportUpload).where(ImportUpload.organization_id == org.id,
                                                           ImportUpload.created_at < utcnow() - KEEP_FOR))
    return result.rowcount or 0
