"""Expiring and expired lots, and disposing of an expired lot in one action."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...formatting import format_quantity
from ...services import inventory
from ...services.errors import NotFound
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import submit
from ..pages import safe_next
from . import bp
from .forms import DisposeForm

MAX_DAYS = 3650


@bp.route("/inventory/expiring")
@require_permission("inventory.view")
def expiring_list():
    """Lots expiring within the organization's window (?days= overrides) and expired lots still in stock."""
    return _render_expiring()


@bp.route("/inventory/lots/<int:lot_id>/dispose", methods=["POST"])
@require_permission("inventory.adjust")
def lot_dispose(lot_id: int):
    """Dispose of what is left of one expired lot (an `expired` ledger event on that exact lot)."""
    org = current_org()
    form = DisposeForm()
    back = safe_next(request.form.get("next"), url_for("inventory.expiring_list"))
    result = submit(form, lambda: inventory.dispose_expired_lot(org, current_user, lot_id,
                                                                notes=(form.notes.data or "").strip()))
    if result.ok:
        flash(_disposed_message(result.value), "success")
        return redirect(back)
    if isinstance(result.error, NotFound):
        raise result.error
    if result.error is None:
        flash("The disposal could not be read; nothing was changed.", "error")
    return _render_expiring(status=result.status)


def _render_expiring(status: int = 200):
    org = current_org()
    days = request.args.get("days", type=int)
    if days is not None and not 0 <= days <= MAX_DAYS:
        days = None
    window = days if days is not None else org.expiring_soon_days
    expiring = inventory.list_expiring(org, current_user, days=window)
    expired = inventory.list_expired(org, current_user)
    return render_template("inventory/expiring_list.html", expiring=expiring, expired=expired, days=window,
                           default_days=org.expiring_soon_days, dispose_form=DisposeForm()), status


def _disposed_message(result) -> str:
    events = getattr(result, "events", None) or (result if isinstance(result, list) else [result])
    event = events[0] if events else None
    lot = getattr(event, "lot", None)
    if event is None or lot is None:
        return "Expired lot disposed."
    return (f"Disposed {format_quantity(abs(event.quantity), unit=lot.item.unit)} {lot.item.unit} of {lot.item.name} "
            f"from expired lot {lot.code}.")
