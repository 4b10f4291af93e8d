"""Batch pages: list, start (with the live stock check), the batch page and its forms, finish / fail /
cancel, the printable label, the dashboard widget, permissions and tenancy."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Batch, BatchTimer
from app.services import batches, recipes, tenancy

from ...factories import assert_invariants, make_item, make_lot
from ...helpers import count_queries, csrf_token, post_form

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def soap(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g", inci_name="Olea Europaea Fruit Oil", allergens="")
    lye = make_item(org, name="Sodium Hydroxide", unit="g", inci_name="Sodium Hydroxide")
    scent = make_item(org, name="Lavender EO", unit="g", inci_name="Lavandula Angustifolia Oil",
                      allergens="Linalool, Limonene")
    bar = make_item(org, name="Lavender Bar", kind="product", unit="each", shelf_life_days=365)
    make_lot(org, oil, "5000", "0.01")
    make_lot(org, lye, "1000", "0.02")
    make_lot(org, scent, "500", "0.20")
    recipe = recipes.create_recipe(org, owner, name="Lavender Soap", yield_quantity="10", yield_unit="each",
                                   output_item_id=bar.id, lines=[
                                       {"item_id": scent.id, "quantity": "30", "unit": "g"},
                                       {"item_id": oil.id, "quantity": "700", "unit": "g"},
                                       {"item_id": lye.id, "quantity": "90", "unit": "g"}])
    return recipe, oil, lye, scent, bar


def _batch(org, batch_id) -> Batch:
    db.session.expire_all()
    return tenancy.get_for_org(Batch, batch_id, org)


def _batch_count(org) -> int:
    from sqlalchemy import func

    return db.session.scalar(tenancy.scoped(Batch, org, func.count(Batch.id))) or 0


def test_empty_list_and_start_page_render(client, owner, login, soap):
    """Do the empty batch list and the start page (with a recipe preselected) render?"""
    recipe = soap[0]
    login(owner)
    assert 'data-testid="empty-batches"' in client.get("/batches").get_data(as_text=True)
    html = client.get(f"/batches/new?recipe_id={recipe.id}&scale=2").get_data(as_text=True)
    assert "Lavender Soap" in html and 'data-testid="batch-stock-check"' in html and "1,400 g" in html
    assert client.get("/batches/new?recipe_id=abc&scale=zz").status_code == 200


def test_start_page_stock_check_is_cards_with_rounded_numbers(client, org, owner, login, soap):
    """On a phone the start page's stock check is a card per line (its five columns squeezed long names to a
    letter per row): is it a card table with labelled numbers, rounded for reading (878.84 g, not 878.835217 g)?"""
    recipe, oil = soap[0], soap[1]
    make_lot(org, oil, "0.835217", "0.01")
    login(owner)
    html = client.get(f"/batches/new?recipe_id={recipe.id}").get_data(as_text=True)
    assert 'class="striped cards" data-testid="batch-stock-table"' in html
    assert 'data-label="Needed">700 g' in html and 'data-label="Available">5,000.84 g' in html
    assert "5,000.835217" not in html
    check = client.get(f"/recipes/{recipe.id}/stock-check").get_data(as_text=True)
    assert 'data-label="Available">5,000.84 g' in check


def test_start_through_the_form_then_finish_and_see_the_record(client, org, owner, login, soap):
    """Start → batch page → finish: the output lot appears with its unit cost, and invariants hold."""
    recipe, oil, lye, scent, bar = soap
    login(owner)
    check = post_form(client, "/batches/new", {"recipe_id": recipe.id, "scale": "1", "action": "check"})
    assert check.status_code == 200 and "enough stock" in check.get_data(as_text=True)
    response = post_form(client, "/batches/new", {"recipe_id": recipe.id, "scale": "1", "action": "start"})
    assert response.status_code == 302
    batch = db.session.scalars(tenancy.scoped(Batch, org)).one()
    assert response.headers["Location"].endswith(f"/batches/{batch.id}")
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert batch.label in page and "in progress" in page and 'data-testid="finish-batch"' in page
    # cost: 30 × 0.20 + 700 × 0.01 + 90 × 0.02 = 6 + 7 + 1.80 = 14.80 → 1.48 per bar
    response = post_form(client, f"/batches/{batch.id}/finish", {
        "finish-yield_quantity": "10", "finish-waste_quantity": "", "finish-output_item_id": str(bar.id),
        "finish-hold_until": "", "finish-notes": "Nice trace"}, form_url=f"/batches/{batch.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert _batch(org, batch.id).status == "completed"
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'data-testid="output-table"' in page and "Lavender Bar" in page and "$1.48" in page
    assert "$14.80" in page and "completed" in page
    # every lot code on the batch page (its output and what it consumed) opens that lot's trace
    assert page.count('title="Trace this lot"') == 4
    assert_invariants(org)


def test_finishing_with_a_cure_date_says_when_it_can_be_sold(client, org, owner, login, soap):
    """Finishing with a cure/hold date: does the flash say the bars are curing until then (it said only "into
    stock", and a maker at the stall found them unsellable)?"""
    recipe, bar = soap[0], soap[4]
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    response = post_form(client, f"/batches/{batch.id}/finish", {
        "finish-yield_quantity": "9", "finish-waste_quantity": "1", "finish-output_item_id": str(bar.id),
        "finish-hold_until": "2031-01-15", "finish-notes": ""}, form_url=f"/batches/{batch.id}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "finished: 9 each into stock. Curing until 2031-01-15: it cannot be used or sold before then." in page


def test_a_yield_far_from_the_plan_is_asked_about_once(client, org, owner, login, soap):
    """Planned 10 each, typed 1,000: is it refused once with the unit named and a 'Yes, this yield is right' box,
    nothing finished, and then finished as typed when ticked? An ordinary 9 needs no box (test above)."""
    recipe, bar = soap[0], soap[4]
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    data = {"finish-yield_quantity": "1,000", "finish-output_item_id": str(bar.id)}
    response = post_form(client, f"/batches/{batch.id}/finish", data, form_url=f"/batches/{batch.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'data-testid="confirm-yield"' in html
    assert "1,000 each is far from the planned 10 each. This recipe counts its yield in each" in html
    assert _batch(org, batch.id).status == "in_progress"
    response = post_form(client, f"/batches/{batch.id}/finish", {**data, "finish-confirm_yield": "y"},
                         form_url=f"/batches/{batch.id}")
    assert response.status_code == 302
    finished = _batch(org, batch.id)
    assert finished.status == "completed" and finished.yield_quantity == Decimal("1000")


def test_insufficient_stock_names_each_short_line_and_deducts_nothing(client, org, owner, login, soap):
    """Does starting without enough stock answer 422 naming every short line, with nothing written?"""
    recipe = soap[0]
    login(owner)
    response = post_form(client, "/batches/new", {"recipe_id": recipe.id, "scale": "20", "action": "start"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-testid="shortages"' in html and "Lavender EO" in html and "Olive Oil" in html
    assert _batch_count(org) == 0
    assert_invariants(org)


@pytest.mark.parametrize("data", [
    {"recipe_id": "", "scale": "1"},
    {"recipe_id": "999999", "scale": "1"},
    {"scale": "-1"},
    {"scale": "abc"},
    {"scale": "99999999"},
])
def test_bad_start_input_is_a_422(client, org, owner, login, soap, data):
    """Is a missing/unknown recipe or a bad scale refused with a 4xx and nothing written?"""
    payload = {"recipe_id": soap[0].id, "action": "start", **data}
    login(owner)
    response = post_form(client, "/batches/new", payload)
    assert response.status_code == 422
    assert _batch_count(org) == 0


def test_in_progress_forms_note_timer_extra_substitute(client, org, owner, login, soap):
    """Do the note, timer start/stop, extra ingredient and substitution forms work (and refuse bad input)?"""
    recipe, oil, lye, scent, bar = soap
    other_scent = make_item(org, name="Rosemary EO", unit="g")
    make_lot(org, other_scent, "100", "0.30")
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    url = f"/batches/{batch.id}"
    assert post_form(client, f"{url}/notes", {"note-note": "Traced at 4 min"}).status_code == 302
    assert post_form(client, f"{url}/notes", {"note-note": ""}, form_url=url).status_code == 422
    assert post_form(client, f"{url}/timers", {"timer-label": "Gel phase", "timer-duration_minutes": "30"},
                     form_url=url).status_code == 302
    timer = db.session.scalars(tenancy.scoped(BatchTimer, org)).one()
    page = client.get(url).get_data(as_text=True)
    assert "Traced at 4 min" in page and "Gel phase" in page and 'data-testid="stop-timer"' in page
    # a 30-minute timer says when it is done (the org shows UTC): readable after the phone's screen slept
    due = (timer.started_at + timedelta(minutes=30)).astimezone(timezone.utc)
    assert f'done at <span data-testid="timer-due">{due:%H:%M}</span>' in page
    assert post_form(client, f"{url}/timers/{timer.id}/stop", {}, form_url=url).status_code == 302
    response = post_form(client, f"{url}/extras", {"extra-item_id": str(oil.id), "extra-quantity": "10",
                                                   "extra-unit": ""}, form_url=url)
    assert response.status_code == 302
    bad = post_form(client, f"{url}/extras", {"extra-item_id": str(oil.id), "extra-quantity": "99999",
                                              "extra-unit": ""}, form_url=url)
    assert bad.status_code == 422 and "Not enough" in bad.get_data(as_text=True)
    response = post_form(client, f"{url}/substitutions", {"sub-replace_item_id": str(scent.id),
                                                          "sub-with_item_id": str(other_scent.id),
                                                          "sub-quantity": "30", "sub-unit": "g"}, form_url=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(url).get_data(as_text=True)
    assert "returned" in page and "Rosemary EO" in page
    assert_invariants(org)


def test_finish_refuses_bad_input_inline(client, org, owner, login, soap):
    """Is a bad yield or a half-filled output row a 422 on the form, the batch still in progress?"""
    recipe, oil, lye, scent, bar = soap
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    url = f"/batches/{batch.id}"
    response = post_form(client, f"{url}/finish", {"finish-yield_quantity": "-3", "finish-output_item_id": str(bar.id)},
                         form_url=url)
    assert response.status_code == 422
    response = post_form(client, f"{url}/finish", {"finish-yield_quantity": "10", "finish-output_item_id": "",
                                                   "finish-outputs-0-item_id": str(bar.id),
                                                   "finish-outputs-0-quantity": ""}, form_url=url)
    assert response.status_code == 422 and "Give each output" in response.get_data(as_text=True)
    assert _batch(org, batch.id).status == "in_progress"


def test_finish_into_several_outputs(client, org, owner, login, soap):
    """Do several output rows each become a lot, splitting the cost by quantity?"""
    recipe, oil, lye, scent, bar = soap
    small = make_item(org, name="Lavender Bar Mini", kind="product", unit="each")
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    url = f"/batches/{batch.id}"
    response = post_form(client, f"{url}/finish", {
        "finish-yield_quantity": "10", "finish-output_item_id": "",
        "finish-outputs-0-item_id": str(bar.id), "finish-outputs-0-quantity": "6",
        "finish-outputs-1-item_id": str(small.id), "finish-outputs-1-quantity": "4"}, form_url=url)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    record = batches.batch_record(org, owner, batch.id)
    assert sorted(row.quantity for row, _, _ in record.outputs) == [Decimal(4), Decimal(6)]


def test_cancel_and_fail_through_the_page(client, org, owner, login, soap):
    """Does cancel return the stock (and a second cancel is a 409), and fail keep the loss?"""
    recipe = soap[0]
    first = batches.start_batch(org, owner, recipe.id, "1")
    second = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    response = post_form(client, f"/batches/{first.id}/cancel", {}, form_url=f"/batches/{first.id}")
    assert response.status_code == 302 and _batch(org, first.id).status == "cancelled"
    again = post_form(client, f"/batches/{first.id}/cancel", {}, form_url=f"/batches/{first.id}")
    assert again.status_code == 409
    response = post_form(client, f"/batches/{second.id}/fail", {"fail-reason": "Seized"},
                         form_url=f"/batches/{second.id}")
    assert response.status_code == 302
    failed = _batch(org, second.id)
    assert failed.status == "failed" and failed.loss_cost == Decimal("14.80")
    page = client.get(f"/batches/{second.id}").get_data(as_text=True)
    assert "Seized" in page and "failed" in page
    assert_invariants(org)


def test_label_has_qr_svg_ingredients_by_weight_and_allergens(client, org, owner, login, soap):
    """Does the label show the code, an inline SVG QR, INCI names heaviest first and the allergens?"""
    recipe = soap[0]
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(owner)
    response = client.get(f"/batches/{batch.id}/label")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in html and batch.label in html and "data-print" in html
    olive, lye, lavender = (html.index(name) for name in ("Olea Europaea Fruit Oil", "Sodium Hydroxide",
                                                          "Lavandula Angustifolia Oil"))
    assert olive < lye < lavender
    assert "Limonene, Linalool" in html
    assert "style=" not in html.split('<article class="batch-label"')[1]


def test_label_of_a_batch_made_in_one_day_shows_one_date(client, org, owner, login, soap):
    """A batch started and finished the same day: does its label say "Made 2026-11-29", not "2026-11-29 – 2026-11-29"?"""
    recipe, bar = soap[0], soap[4]
    batch = batches.start_batch(org, owner, recipe.id, "1")
    batches.finish_batch(org, owner, batch.id, yield_quantity="10", output_item_id=bar.id)
    login(owner)
    html = client.get(f"/batches/{batch.id}/label").get_data(as_text=True)
    made = html.split("<dt>Made</dt><dd>")[1].split("</dd>")[0]
    assert " – " not in made and len(made) == 10, made
    sheet = client.get(f"/batches/{batch.id}/labels").get_data(as_text=True)
    assert 'data-testid="label-overflow"' in sheet and "flash flash-warning hidden" in sheet


def test_list_filters_and_query_count(client, org, owner, login, soap):
    """Do status / recipe / date filters work, and does the list cost the same queries for 2 and 12 batches?"""
    recipe = soap[0]
    first = batches.start_batch(org, owner, recipe.id, "0.1")
    batches.cancel_batch(org, owner, first.id)
    batches.start_batch(org, owner, recipe.id, "0.1")
    login(owner)
    db.session.expire_all()
    with count_queries() as small:
        html = client.get("/batches").get_data(as_text=True)
    assert first.label in html
    assert first.label not in client.get("/batches?status=in_progress").get_data(as_text=True)
    assert first.label in client.get(f"/batches?recipe_id={recipe.id}&status=cancelled").get_data(as_text=True)
    today = datetime.now(timezone.utc).date()
    assert first.label not in client.get(f"/batches?from={today + timedelta(days=2)}").get_data(as_text=True)
    assert client.get("/batches?from=nonsense&to=2020-99-99&status=bogus&recipe_id=x").status_code == 200
    for _ in range(10):
        batches.start_batch(org, owner, recipe.id, "0.1")
    db.session.expire_all()
    with count_queries() as large:
        assert client.get("/batches").status_code == 200
    assert large.count == small.count, (small.count, large.count)


def test_list_recipe_filter_keeps_the_chosen_recipe_selected(client, org, owner, login, soap):
    """Does the recipe picker of a filtered batch list show the recipe it is filtered by (and only that one)?"""
    recipe = soap[0]
    other = recipes.clone_recipe(org, owner, recipe.id, name="Rose Soap")
    login(owner)
    html = client.get(f"/batches?recipe_id={recipe.id}").get_data(as_text=True)
    assert f'<option value="{recipe.id}" selected>' in html
    assert f'<option value="{other.id}" >' in html and html.count(" selected>") == 1
    assert " selected>" not in client.get("/batches").get_data(as_text=True).split('name="recipe_id"')[1] \
        .split("</select>")[0]


def test_dashboard_lists_batches_in_progress_timers_and_stuck_alert(client, org, owner, login, soap):
    """Does the dashboard show batches in progress, running timers and a stuck-batch alert, beside inventory?"""
    recipe = soap[0]
    batch = batches.start_batch(org, owner, recipe.id, "1")
    batches.start_timer(org, owner, batch.id, label="Cure in mold")
    stored = _batch(org, batch.id)
    stored.started_at = datetime.now(timezone.utc) - timedelta(days=8)  # the default: stuck after 7 days
    db.session.commit()
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="production-widget"' in html and "Cure in mold" in html and batch.label in html
    assert "1 batch in progress for more than 7 days (stuck)" in html
    assert 'data-testid="inventory-widget"' in html  # the inventory widget is still there


def test_dashboard_calls_a_batch_stuck_by_the_organizations_setting_as_the_alert_does(client, org, owner, login,
                                                                                     soap):
    """Is a 4-day-old batch not stuck under the default 7 days (the dashboard said stuck after 3 while no alert
    opened), and stuck — badge, banner and alert together — once the organization sets 3 days?"""
    from app.services import control_tower, org_settings

    batch = batches.start_batch(org, owner, soap[0].id, "1")
    _batch(org, batch.id).started_at = datetime.now(timezone.utc) - timedelta(days=4)
    db.session.commit()
    login(owner)
    html = client.get("/dashboard").get_data(as_text=True)
    assert batch.label in html and "stuck" not in html
    assert not [a for a in control_tower.list_alerts(org, owner) if a.alert.type == "stuck_batch"]

    org_settings.update_organization(org, owner, settings={"stuck_batch_days": "3"})
    html = client.get("/dashboard").get_data(as_text=True)
    assert "1 batch in progress for more than 3 days (stuck)" in html and 'badge-warn">stuck<' in html
    assert [a for a in control_tower.list_alerts(org, owner) if a.alert.type == "stuck_batch"]


# ---- permissions and tenancy -----------------------------------------------------------------------

def test_another_orgs_batch_is_404(client, org, owner, other_owner, login, soap):
    """Is every page and action of another organization's batch a 404?"""
    recipe = soap[0]
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(other_owner)
    for url in (f"/batches/{batch.id}", f"/batches/{batch.id}/label"):
        assert client.get(url).status_code == 404
    token = csrf_token(client, "/batches/new")
    for action in ("finish", "cancel", "fail", "notes", "timers", "extras", "substitutions"):
        assert client.post(f"/batches/{batch.id}/{action}", data={"csrf_token": token}).status_code == 404, action
    response = client.post("/batches/new", data={"csrf_token": token, "recipe_id": recipe.id, "scale": "1",
                                                  "action": "start"})
    assert response.status_code == 422
    assert _batch(org, batch.id).status == "in_progress"


def test_viewer_can_look_but_not_start_finish_or_cancel(client, org, owner, viewer, login, soap):
    """Can a viewer open batch pages but get a 403 on every write?"""
    recipe = soap[0]
    batch = batches.start_batch(org, owner, recipe.id, "1")
    login(viewer)
    assert client.get(f"/batches/{batch.id}").status_code == 200
    assert client.get("/batches").status_code == 200
    token = csrf_token(client, f"/batches/{batch.id}")
    assert client.post("/batches/new", data={"csrf_token": token, "recipe_id": recipe.id, "scale": "1",
                                             "action": "start"}).status_code == 403
    for action in ("finish", "cancel", "fail", "notes"):
        assert client.post(f"/batches/{batch.id}/{action}", data={"csrf_token": token}).status_code == 403, action
    assert _batch(org, batch.id).status == "in_progress" and _batch_count(org) == 1
