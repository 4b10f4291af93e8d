"""Working on a batch in progress: notes, timers, extra ingredients, substitutions, finish, fail, cancel.

Each form posts to its own endpoint; a refused form re-renders the batch page with its errors (422),
and nothing is written (each service call is one transaction).
"""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from ...formatting import format_quantity
from ...services import batches
from ...services.errors import NotFound
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import submit, submit_action
from . import bp
from .forms import ExtraForm, FinishForm, NoteForm, ReasonForm, SubstituteForm, TimerForm
from .routes import fill_choices, render_detail


def _run(batch_id: int, name: str, form, call, success, *, anchor: str = "", check=None):
    """Validate `form`, run the service `call`, flash `success`; on refusal re-render the page (4xx)."""
    org = current_org()
    record = batches.batch_record(org, current_user, batch_id)  # another organization's batch is a 404
    fill_choices(org, record, {name: form})
    if not form.validate_on_submit() or (check is not None and not check()):
        return render_detail(batch_id, submitted=name, form=form, status=422)
    result = submit(form, call, validate=False)  # errors land on their fields, outputs.N.field included
    if result.ok:
        flash(success(result.value) if callable(success) else success, "success")
        return redirect(url_for("batches.batch_detail", batch_id=batch_id) + anchor)
    # A NotFound here is a bad id in the form, not a missing page.
    status = 422 if isinstance(result.error, NotFound) else result.status
    return render_detail(batch_id, submitted=name, form=form, status=status)


@bp.route("/batches/<int:batch_id>/notes", methods=["POST"])
@require_permission("batches.start")
def batch_note(batch_id: int):
    """Add a note to the batch timeline."""
    form = NoteForm(prefix="note")
    return _run(batch_id, "note", form,
                lambda: batches.add_note(current_org(), current_user, batch_id, form.note.data),
                "Note added.", anchor="#timeline")


@bp.route("/batches/<int:batch_id>/timers", methods=["POST"])
@require_permission("batches.start")
def batch_timer_start(batch_id: int):
    """Start a named timer (e.g. "Gel phase", "Cure in mold 48 h")."""
    form = TimerForm(prefix="timer")
    return _run(batch_id, "timer", form,
                lambda: batches.start_timer(current_org(), current_user, batch_id,
                                            label=form.label.data, duration_minutes=form.duration_minutes.data),
                lambda timer: f"Timer “{timer.label}” started.", anchor="#timers")


@bp.route("/batches/<int:batch_id>/timers/<int:timer_id>/stop", methods=["POST"])
@require_permission("batches.start")
def batch_timer_stop(batch_id: int, timer_id: int):
    """Stop a running timer."""
    org = current_org()
    batches.get_batch(org, current_user, batch_id)  # another organization's batch is a 404
    submit_action(lambda: batches.stop_timer(org, current_user, timer_id, batch_id=batch_id),
                  lambda timer: f"Timer “{timer.label}” stopped.")
    return redirect(url_for("batches.batch_detail", batch_id=batch_id) + "#timers")


@bp.route("/batches/<int:batch_id>/extras", methods=["POST"])
@require_permission("batches.start")
def batch_extra(batch_id: int):
    """Use an extra ingredient in the batch (oldest lot first, or a named lot); its cost joins the batch."""
    form = ExtraForm(prefix="extra")
    return _run(batch_id, "extra", form,
                lambda: batches.add_extra(current_org(), current_user, batch_id,
                                          item_id=form.item_id.data, quantity=form.quantity.data,
                                          unit=form.unit.data or None, lot_code=(form.lot_code.data or "").strip(),
                                          notes=(form.notes.data or "").strip()),
                "Extra ingredient added to the batch.", anchor="#consumed")


@bp.route("/batches/<int:batch_id>/substitutions", methods=["POST"])
@require_permission("batches.start")
def batch_substitute(batch_id: int):
    """Swap an ingredient: its stock goes back to the exact lots, the substitute is deducted."""
    form = SubstituteForm(prefix="sub")
    return _run(batch_id, "substitute", form,
                lambda: batches.substitute(current_org(), current_user, batch_id,
                                           replace_item_id=form.replace_item_id.data,
                                           with_item_id=form.with_item_id.data, quantity=form.quantity.data,
                                           unit=form.unit.data or None),
                "Substitution recorded.", anchor="#consumed")


@bp.route("/batches/<int:batch_id>/finish", methods=["POST"])
@require_permission("batches.finish")
def batch_finish(batch_id: int):
    """Finish: output lot(s) at the batch's true cost, yield variance recorded."""
    form = FinishForm(prefix="finish")
    outputs = []

    def complete_outputs() -> bool:
        """The filled output rows (item + quantity each); a half-filled row is marked and refused."""
        ok = True
        for entry in form.outputs:
            row = entry.form
            if row.is_blank():
                continue
            if not row.item_id.data or row.quantity.data is None:
                field = row.item_id if not row.item_id.data else row.quantity
                field.errors = list(field.errors) + ["Give each output an item and a quantity."]
                ok = False
            outputs.append({"item_id": row.item_id.data, "quantity": row.quantity.data,
                            "yield_portion": row.yield_portion.data})
        return ok and yield_is_plausible()

    def yield_is_plausible() -> bool:
        """A yield under a tenth or over ten times the plan is asked about once (typing 12 bars into a recipe
        that yields grams recorded 12 g, -99 %); ticking 'Yes, this yield is right' finishes it as typed."""
        actual = form.yield_quantity.data
        batch = batches.get_batch(current_org(), current_user, batch_id)  # its plan only, not its whole record
        planned = batch.planned_yield
        if form.confirm_yield.data or actual is None or not planned or planned / 10 <= actual <= planned * 10:
            return True
        form.yield_far_off = True
        unit = batch.yield_unit
        form.yield_quantity.errors = list(form.yield_quantity.errors) + [
            f"{format_quantity(actual, unit=unit)} {unit} is far from the planned {format_quantity(planned, unit=unit)} "
            f"{unit}. This recipe counts its yield in {unit}: check the number, or tick “Yes, this yield is right”."]
        return False

    def finish():
        return batches.finish_batch(current_org(), current_user, batch_id,
                                    yield_quantity=form.yield_quantity.data,
                                    output_item_id=(form.output_item_id.data or None) if form.output_item_id.data != "new"
                                    else None, new_product=form.output_item_id.data == "new", outputs=outputs or None,
                                    waste_quantity=form.waste_quantity.data, hold_until=form.hold_until.data,
                                    notes=(form.notes.data or "").strip(), labour_minutes=form.labour_minutes.data)

    return _run(batch_id, "finish", form, finish, check=complete_outputs, success=
                lambda batch: f"Batch {batch.label} finished: {format_quantity(batch.yield_quantity, unit=batch.yield_unit)} "
                              f"{batch.yield_unit} into stock."
                              + (f" Curing until {form.hold_until.data:%Y-%m-%d}: it cannot be used or sold before then."
                                 if form.hold_until.data else "")
                              + (" It went into a new product and SKU named after the recipe: give the SKU a retail "
                                 "price to sell it in one tap." if form.output_item_id.data == "new" else ""))


@bp.route("/batches/<int:batch_id>/fail", methods=["POST"])
@require_permission("batches.finish")
def batch_fail(batch_id: int):
    """Mark the batch failed: what it consumed stays consumed, recorded as a loss."""
    form = ReasonForm(prefix="fail")
    return _run(batch_id, "fail", form,
                lambda: batches.fail_batch(current_org(), current_user, batch_id,
                                           reason=form.reason.data or ""),
                lambda batch: f"Batch {batch.label} marked failed; its cost is recorded as a loss.")


@bp.route("/batches/<int:batch_id>/cancel", methods=["POST"])
@require_permission("batches.cancel")
def batch_cancel(batch_id: int):
    """Cancel: every consumed quantity goes back to the exact lot it came from."""
    form = ReasonForm(prefix="cancel")
    return _run(batch_id, "cancel", form,
                lambda: batches.cancel_batch(current_org(), current_user, batch_id,
                                             reason=form.reason.data or ""),
                lambda batch: f"Batch {batch.label} cancelled; all stock went back to its lots.")
