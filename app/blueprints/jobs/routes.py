"""Jobs pages: /jobs (recent jobs, paginated), /jobs/<id> (progress bar polling /jobs/<id>/status, with a
no-script refresh; the error and Retry when it failed; the result and its file when it succeeded),
/jobs/<id>/download, and POST /jobs/exports (build a large CSV export in the background)."""
from __future__ import annotations

import re

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...services import jobs
from ...services.control_tower.export_job import export_title
from ...tenant import current_org
from ..decorators import PERMISSION_ATTR, signed_in
from ..forms_support import EmptyForm, submit_action
from ..pages import page_arg
from . import bp

PER_PAGE = 25


def starts_jobs(view):
    """Signed in; the service checks the job kind's own permission (an export needs reports.export, an import
    inventory.import or sales.import) and refuses developers viewing an organization. Declared as the write
    `jobs.start` for scripts/audit_route_permissions.py and the permission walkers."""
    wrapped = login_required(view)
    setattr(wrapped, PERMISSION_ATTR, "jobs.start")
    return wrapped


@bp.route("/jobs")
@signed_in
def job_list():
    """The organization's jobs, newest first (members without reports.view see their own)."""
    page = jobs.list_jobs(current_org(), current_user, page_arg(), PER_PAGE)
    return render_template("jobs/job_list.html", page=page, names=jobs.creator_names(page.items))


@bp.route("/jobs/<int:job_id>")
@signed_in
def detail(job_id: int):
    """One job: its progress while it runs, its error and Retry when it failed, its result and file when done."""
    return _detail_page(job_id)


def _detail_page(job_id, status: int = 200):
    org = current_org()
    state = jobs.status(org, current_user, job_id)  # first: it notices a job its worker lost
    job = jobs.get(org, current_user, job_id)
    result = jobs.result_of(job)
    return render_template("jobs/job_detail.html", job=job, state=state,
                           result=result, summary=_summary(job, result), retry_form=EmptyForm()), status


def _summary(job, result: dict) -> str | None:
    """One sentence about what a finished job did."""
    if job.status != "succeeded":
        return None
    if job.kind == "import":
        return f"Imported {result.get('created', 0)} row(s) of {result.get('kind', 'data')} from {result.get('filename', 'the file')}."
    if job.kind == "export":
        return f"{result.get('rows', 0)} row(s) exported; the file is ready to download."
    if job.kind == "digest" and result.get("email"):
        if result.get("reason") == "nothing_to_report":
            return f"Nothing to report, so no digest was sent to {result['email']}."
        return f"Digest sent to {result['email']}."
    return result.get("summary") if isinstance(result.get("summary"), str) else None


@bp.route("/jobs/<int:job_id>/status")
@signed_in
def job_status(job_id: int):
    """The job's status as JSON, for the progress bar's script."""
    response = jsonify(jobs.status(current_org(), current_user, job_id))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@starts_jobs
def job_retry(job_id: int):
    """Run a failed job again."""
    result = submit_action(lambda: jobs.retry(current_org(), current_user, job_id))
    if result.ok:
        flash(*_retry_message(result.value))
        return redirect(url_for("jobs.detail", job_id=job_id))
    return _detail_page(job_id, result.status)


def _retry_message(job) -> tuple[str, str]:
    """The flash after Retry: what became of the job (an inline run may fail again)."""
    if job.status == "succeeded":
        return "Job finished.", "success"
    if job.status == "failed":
        return "The job failed again: see the problem below.", "error"
    return "Job queued again.", "success"


@bp.route("/jobs/exports", methods=["POST"])
@starts_jobs
def export_start():
    """Build one CSV export in the background (for large lists), then offer it on the job's page."""
    name = (request.form.get("name") or "").strip()[:40]
    result = submit_action(lambda: jobs.start(current_org(), current_user, "export", {"name": name},
                                              title=export_title(name)))
    if result.ok:
        return redirect(url_for("jobs.detail", job_id=result.value.id))
    page = jobs.list_jobs(current_org(), current_user, 1, PER_PAGE)
    return render_template("jobs/job_list.html", page=page, names=jobs.creator_names(page.items)), result.status


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_CONTENT_TYPES = {"text/csv", "text/plain", "application/json"}  # anything else is served as a plain download


@bp.route("/jobs/<int:job_id>/download")
@signed_in
def job_download(job_id: int):
    """The file a finished job made (an export's CSV)."""
    file = jobs.download(current_org(), current_user, job_id)
    filename = _UNSAFE_FILENAME.sub("-", file["filename"]).strip("-.") or f"job-{job_id}"
    content_type = file["content_type"] if file["content_type"] in _CONTENT_TYPES else "application/octet-stream"
    return Response(file["text"], mimetype=content_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
