"""Change or release a lot's cure / hold date from the item page's lot table."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from ...services import inventory
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import submit_action
from . import bp


@bp.route("/inventory/lots/<int:lot_id>/hold", methods=["POST"])
@require_permission("inventory.adjust")
def lot_hold(lot_id: int):
    """Set a new hold date on a lot (?action=set with hold_until) or release its hold (action=release)."""
    org = current_org()
    lot = inventory.get_lot(org, current_user, lot_id)
    back = url_for("inventory.item_detail", item_id=lot.item_id, _anchor="lots")
    release = request.form.get("action") == "release"
    hold_until = None if release else (request.form.get("hold_until") or "").strip()
    if not release and not hold_until:
        flash(f"Choose the date lot {lot.code} can be used from, or release its hold.", "error")
        return redirect(back)
    submit_action(lambda: inventory.set_lot_hold(org, current_user, lot.id, hold_until), _changed)
    return redirect(back)


def _changed(lot) -> str:
    if lot.hold_until is None:
        return (f"Released the hold on lot {lot.code}."
                + (f" It is still held by a recall: {lot.hold_reason}" if lot.hold_reason else " It can be used now."))
    return f"Lot {lot.code} is on hold until {lot.hold_until.isoformat()}; it can be used from that date."
