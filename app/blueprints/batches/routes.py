"""Batch pages: the list, starting a batch (with a stock check), and the batch page / record.

The in-progress actions (notes, timers, extras, substitutions, finish, fail, cancel) are in actions.py,
the printable label in label.py (the dashboard part is composed in main/dashboard.py).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ...formatting import display_zone
from ...models.batches import BATCH_STATUSES
from ...models.types import utcnow
from ...services import batches, recipes, units
from ...services.craft import lye_check as craft_lye
from ...services.errors import DomainError, InsufficientStock, NotFound
from ...tenant import current_org
from ..decorators import require_permission
from ..forms_support import EmptyForm, apply_field_errors, submit
from ..pages import choices, id_arg, page_arg, unit_choices
from . import bp
from .forms import ExtraForm, FinishForm, NoteForm, ReasonForm, StartForm, SubstituteForm, TimerForm

PER_PAGE = 50
STATUS_LABELS = {"in_progress": "In progress", "completed": "Completed", "failed": "Failed", "cancelled": "Cancelled"}


@bp.route("/batches")
@require_permission("batches.view")
def batch_list():
    """Batches newest first, filtered by status, recipe and start date; label search."""
    org = current_org()
    args = request.args
    status = args.get("status") if args.get("status") in BATCH_STATUSES else ""
    recipe_id = id_arg("recipe_id")
    q = (args.get("q") or "").strip()[:40]
    date_from, date_to = _date_arg("from"), _date_arg("to")
    page = batches.list_batches(org, current_user, status=status or None, recipe_id=recipe_id or None, q=q or None,
                                date_from=_day_start(date_from), date_to=_day_start(date_to, days=1),
                                page=page_arg(), per_page=PER_PAGE)
    recipe_names = {r.id: r.name for r in recipes.recipes_by_id(org, current_user, {b.recipe_id for b in page.items},
                                                                permission="batches.view").values()}
    filters = {"status": status, "recipe_id": recipe_id, "q": q, "from": args.get("from", "") if date_from else "",
               "to": args.get("to", "") if date_to else ""}
    filters = {key: value for key, value in filters.items() if value}
    options = recipes.recipe_options(org, current_user, include_archived=True, permission="batches.view")
    return render_template("batches/batch_list.html", page=page, recipe_names=recipe_names, filters=filters,
                           statuses=STATUS_LABELS, recipe_options=options, status=status, recipe_id=recipe_id, q=q,
                           date_from=date_from, date_to=date_to)


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat((request.args.get(name) or "").strip())
    except ValueError:
        return None


def _day_start(day: date | None, *, days: int = 0) -> datetime | None:
    """Midnight of `day` (+ days) in the viewer's time zone, as UTC."""
    if day is None:
        return None
    local = datetime.combine(day + timedelta(days=days), time(0), tzinfo=display_zone())
    return local.astimezone(timezone.utc)


@bp.route("/batches/new", methods=["GET", "POST"])
@require_permission("batches.start")
def batch_new():
    """Pick a recipe and scale, check stock, start: every ingredient is deducted oldest lot first."""
    org = current_org()
    if request.method == "GET":
        query = MultiDict(request.args)
        query.setdefault("scale", "1")
        form = StartForm(formdata=query if query.get("recipe_id") else None)
    else:
        form = StartForm()
    options = recipes.recipe_options(org, current_user, permission="batches.start")
    form.recipe_id.choices = choices([("", "— choose a recipe —")] + options)
    if request.method == "GET" and request.args.get("recipe_id"):
        form.recipe_id.validate(form)
        form.scale.validate(form)
    status, shortages, context = 200, None, {}
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 422
        elif request.form.get("action") == "start":
            result = submit(form, lambda: batches.start_batch(org, current_user, form.recipe_id.data,
                                                              form.scale.data, notes=form.notes.data or ""),
                            validate=False)
            if result.ok:
                flash(f"Started batch {result.value.label}. Stock for its ingredients was deducted lot by lot.",
                      "success")
                return redirect(url_for("batches.batch_detail", batch_id=result.value.id))
            status = 422 if isinstance(result.error, NotFound) else result.status
            if isinstance(result.error, InsufficientStock):
                shortages = getattr(result.error, "shortages", [])
    if form.recipe_id.data and form.scale.data is not None and not form.recipe_id.errors:
        context = _stock_context(org, form, status)
        status = context.pop("status")
    return render_template("batches/batch_new.html", form=form, shortages=shortages, **context), status


def _stock_context(org, form: StartForm, status: int) -> dict:
    """The live stock check and cost estimate for the chosen recipe and scale."""
    try:
        recipe, scale, check = recipes.check_recipe_stock(org, current_user, form.recipe_id.data, form.scale.data)
        preview = recipes.cost_preview(org, current_user, recipe.id, scale)
        version = recipes.get_version(org, current_user, recipe)
    except NotFound:
        form.recipe_id.errors = list(form.recipe_id.errors) + ["Choose one of your recipes."]
        return {"status": 422}
    except DomainError as exc:
        apply_field_errors(form, exc)
        return {"status": 422}
    return {"status": status, "recipe": recipe, "scale": scale, "check": check, "preview": preview,
            "version": version, "lye_check": craft_lye.check_recipe_lye(org, recipe, version)}


@bp.route("/batches/<int:batch_id>")
@require_permission("batches.view")
def batch_detail(batch_id: int):
    """A batch in progress (its working forms) or the record of a finished, failed or cancelled batch."""
    return render_detail(batch_id)


def render_detail(batch_id: int, *, submitted: str | None = None, form=None, status: int = 200):
    """The batch page; `form` (named `submitted`) is the one just posted, shown with its errors."""
    org = current_org()
    record = batches.batch_record(org, current_user, batch_id)
    forms = {}
    if record.batch.status == "in_progress":
        forms = _working_forms(org, record)
        if submitted:
            forms[submitted] = form
            fill_choices(org, record, forms)
    now = utcnow()
    return render_template(
        "batches/batch_detail.html", record=record, batch=record.batch, recipe=record.recipe, forms=forms,
        submitted=submitted, statuses=STATUS_LABELS, now=now, duration=duration, button_form=EmptyForm(),
        # a running timer with a length says when it is done: readable after the phone's screen has slept
        timers_due={t.id: t.started_at + timedelta(minutes=t.duration_minutes)
                    for t in record.timers if t.duration_minutes and not t.stopped_at},
        net_cost=record.net_cost, container_cost=sum(
            (row.cost for row, _, _ in record.consumption if row.kind == "container"), 0),
    ), status


def _working_forms(org, record) -> dict:
    forms = {
        "note": NoteForm(prefix="note", formdata=None), "timer": TimerForm(prefix="timer", formdata=None),
        "extra": ExtraForm(prefix="extra", formdata=None), "substitute": SubstituteForm(prefix="sub", formdata=None),
        "finish": FinishForm(prefix="finish", formdata=None), "fail": ReasonForm(prefix="fail", formdata=None),
        "cancel": ReasonForm(prefix="cancel", formdata=None),
    }
    forms["finish"].yield_quantity.data = record.batch.planned_yield
    forms["finish"].output_item_id.data = str(record.recipe.output_item_id or "")
    # Labour: what the work timers measured, else the recipe's expected minutes.
    timed = record.timer_minutes
    forms["finish"].labour_minutes.data = timed if timed is not None else (record.recipe.labour_minutes or None)
    fill_choices(org, record, forms)
    return forms


def fill_choices(org, record, forms: dict) -> None:
    """Item and unit choices for the batch page forms in `forms`."""
    options = recipes.item_options(org, current_user, include_ids=[record.recipe.output_item_id],
                                   permission="batches.view")
    items = [(i, f"{name} ({unit})") for i, name, unit, _ in options]
    unit_list = unit_choices(units.list_units(org, current_user), blank="item's unit")
    used = {}
    for row, item, _ in record.consumption:
        if row.credited_event_id is None and row.kind != "container":
            used[item.id] = f"{item.name} ({item.unit})"
    if "extra" in forms:
        forms["extra"].item_id.choices = choices([("", "— choose an item —")] + items)
        forms["extra"].unit.choices = unit_list
    if "substitute" in forms:
        forms["substitute"].replace_item_id.choices = choices([("", "— used in this batch —")] + list(used.items()))
        forms["substitute"].with_item_id.choices = choices([("", "— choose the substitute —")] + items)
        forms["substitute"].unit.choices = unit_list
    if "finish" in forms:
        # What a maker sells comes first, then a new product, then ingredients (an infused oil, a base) marked
        # as such: a first soap batch listed only its own oils, lye and water as what it could make.
        products = [(i, f"{name} ({unit})") for i, name, unit, kind in options
                    if kind == "product" or i == record.recipe.output_item_id]
        made = {i for i, _ in products}
        ingredients = [(i, f"{name} ({unit}) — an ingredient") for i, name, unit, kind in options
                       if kind == "ingredient" and i not in made]
        outputs = products + ingredients
        from ...services.authz import has_permission

        new = [("new", "New product / SKU… (named after the recipe)")] \
            if has_permission(current_user, "products.edit") else []
        forms["finish"].output_item_id.choices = choices([("", "— choose the output item —")] + products + new
                                                         + ingredients)
        for entry in forms["finish"].outputs:
            entry.form.item_id.choices = choices([("", "—")] + outputs)


def duration(start: datetime, end: datetime | None = None) -> str:
    """A short elapsed time: 2 d 3 h, 1 h 5 min, 4 min."""
    end = end or utcnow()
    minutes = max(0, int((end - start).total_seconds() // 60))
    days, rest = divmod(minutes, 60 * 24)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"
