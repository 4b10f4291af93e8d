"""Trace pages: find a lot, the lot page (facts, forward and backward trees, recall), recalls and their reports."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...models.types import utcnow
from ...services import inventory, recalls, traceability
from ...services.errors import NotFound
from ...services.timezones import org_today
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, submit, submit_action
from ..pages import ID, page_arg, text_arg
from . import bp
from .forms import RecallForm

PER_PAGE = 50


@bp.route("/trace")
@require_permission("traceability.view")
def lot_search():
    """Find a lot by its code, a batch code (its output lots) or a SKU code (its lots), or part of a lot or
    supplier lot code; a code that names exactly one lot opens its trace."""
    org = current_org()
    q = text_arg("q", 80)
    found = None
    if q:
        try:
            found = traceability.lookup_code(org, current_user, q)
        except NotFound:
            found = None
    if found is not None and len(found.lots) == 1:
        return redirect(url_for("trace.lot_trace", code=found.lots[0][0].code))
    matches = found.lots if found is not None else (traceability.search_lots(org, current_user, q) if q else [])
    active = recalls.list_recalls(org, current_user, status="active", page=1, per_page=5)
    now = utcnow()
    today = org_today(org, now)
    statuses = {lot.id: lot.status(today, now) for lot, _ in matches}
    return render_template("trace/lot_search.html", q=q, found=found, matches=matches, statuses=statuses,
                           active=active)


@bp.route("/trace/lots/<path:code>")
@require_permission("traceability.view")
def lot_trace(code: str):
    """The canonical lot page: facts, where it went (forward) and what it was made from (backward)."""
    return _render_lot(code, RecallForm(formdata=None))


@bp.route(f"/trace/lots/<{ID}:lot_id>/recall", methods=["POST"])
@require_permission("traceability.recall")
def lot_recall(lot_id: int):
    """Recall a lot: it and every lot made from it, at any depth, go on hold in one action."""
    org = current_org()
    lot = traceability.get_lot(org, current_user, lot_id)
    form = RecallForm()
    result = submit(form, lambda: recalls.recall_lot(org, current_user, lot.id, reason=form.reason.data.strip()))
    if isinstance(result.error, NotFound):
        raise result.error
    if not result.ok:
        return _render_lot(lot, form, status=result.status)
    flash(f"Recalled {lot.code}: it and everything made from it are on hold. Contact the customers below.",
          "success")
    return redirect(url_for("trace.recall_detail", recall_id=result.value.id, _anchor="sales"))


@bp.route("/trace/recalls")
@require_permission("traceability.view")
def recall_list():
    """Recalls, newest first, active and released."""
    status = request.args.get("status") if request.args.get("status") in ("active", "released") else ""
    page = recalls.list_recalls(current_org(), current_user, status=status or None, page=page_arg(),
                                per_page=PER_PAGE)
    return render_template("trace/recall_list.html", page=page, status=status,
                           args={"status": status} if status else {})


@bp.route(f"/trace/recalls/<{ID}:recall_id>")
@require_permission("traceability.view")
def recall_detail(recall_id: int):
    """The recall report: lots on hold, batches that used them, sales from them with order references."""
    report = recalls.recall_report(current_org(), current_user, recall_id)
    on_shelf: dict[int, list] = {}  # item id → [item, quantity still in the held lots]
    for line in report.lots:
        entry = on_shelf.setdefault(line.item.id, [line.item, 0])
        entry[1] += line.lot.remaining_quantity
    return render_template("trace/recall_detail.html", report=report, recall=report.recall,
                           on_shelf=[entry for entry in on_shelf.values() if entry[1] > 0], button_form=EmptyForm())


@bp.route(f"/trace/recalls/<{ID}:recall_id>.csv")
@require_permission("traceability.view")
def recall_csv(recall_id: int):
    """The recall report as CSV, for the regulator, the insurer or your own records."""
    text = recalls.recall_csv(current_org(), current_user, recall_id)
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="recall-{recall_id}.csv"'})


@bp.route(f"/trace/recalls/<{ID}:recall_id>/release", methods=["POST"])
@require_permission("traceability.recall")
def recall_release(recall_id: int):
    """Lift a recall's holds: each lot goes back to the hold it had before."""
    submit_action(lambda: recalls.release_recall(current_org(), current_user, recall_id),
                  lambda recall: f"Recall {recall.id} released: its lots are no longer held by it.")
    return redirect(url_for("trace.recall_detail", recall_id=recall_id))


def _render_lot(lot_or_code, form: RecallForm, *, status: int = 200):
    org = current_org()
    if isinstance(lot_or_code, str):  # the page is addressed by lot code only (never by a numeric id)
        if "\x00" in lot_or_code:
            raise NotFound("Lot not found.")
        lot_or_code = inventory.get_lot_by_code(org, current_user, lot_or_code)
    trace = traceability.trace_lot(org, current_user, lot_or_code)
    now = utcnow()
    lots = [trace.lot, *trace.forward.lots, *trace.backward.lots]
    statuses = {lot.id: lot.status(org_today(org, now), now) for lot in lots}
    lot_recalls = recalls.list_recalls_for_lot(org, current_user, trace.lot.id)
    active = [(recall, level) for recall, level in lot_recalls if recall.status == "active"]
    made_by = next((child.obj for child in trace.backward_tree.children if child.kind == "batch"), None)
    order_refs = sorted({s.sale.order_ref for s in trace.forward.sales if s.sale.order_ref})
    item = trace.items[trace.lot.item_id]
    return render_template("trace/lot_trace.html", trace=trace, lot=trace.lot, item=item,
                           cost_bought=inventory.cost_in_unit(org, item, trace.lot.unit_cost, trace.lot.purchase_unit),
                           statuses=statuses, recalls=lot_recalls, active_recalls=active, made_by=made_by,
                           order_refs=order_refs, form=form), status
