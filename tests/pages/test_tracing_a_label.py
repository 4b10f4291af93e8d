"""A label can be traced: Trace takes the batch code and the lot code printed on it (and SKU codes), the label
prints the output lot code, and its QR code opens a public lot page (no login) on an unguessable URL that
shows only what the label shows — with a recall warning when the lot is recalled."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import BatchOutput, InventoryLot
from app.services import batches, products, recalls, recipes, tenancy

from ..factories import make_item, make_lot, make_product
from ..helpers import csrf_token

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def soap(org, owner):
    oil = make_item(org, name="Olive Oil", unit="g", inci_name="Olea Europaea Fruit Oil")
    lye = make_item(org, name="Sodium Hydroxide", unit="g", inci_name="Sodium Hydroxide")
    scent = make_item(org, name="Lavender EO", unit="g", inci_name="Lavandula Angustifolia Oil",
                      allergens="Linalool, Limonene")
    bar = make_item(org, name="Lavender Bar", kind="product", unit="each")
    mini = make_item(org, name="Lavender Mini", kind="product", unit="each")
    make_lot(org, oil, "5000", "0.01")
    make_lot(org, lye, "1000", "0.02")
    scent_lot = make_lot(org, scent, "500", "0.20")
    recipe = recipes.create_recipe(org, owner, name="Lavender Soap", yield_quantity="10", yield_unit="each",
                                   output_item_id=bar.id, lines=[
                                       {"item_id": scent.id, "quantity": "30", "unit": "g"},
                                       {"item_id": oil.id, "quantity": "700", "unit": "g"},
                                       {"item_id": lye.id, "quantity": "90", "unit": "g"}])
    return {"recipe": recipe, "bar": bar, "mini": mini, "scent_lot": scent_lot}


def _finished(org, owner, soap, *, two_outputs=False):
    batch = batches.start_batch(org, owner, soap["recipe"].id, "1")
    if two_outputs:
        batches.finish_batch(org, owner, batch.id, yield_quantity="10", outputs=[
            {"item_id": soap["bar"].id, "quantity": "8"}, {"item_id": soap["mini"].id, "quantity": "4"}])
    else:
        batches.finish_batch(org, owner, batch.id, yield_quantity="10", output_item_id=soap["bar"].id)
    return batch, _outputs(org, batch)


def _outputs(org, batch):
    lot_ids = list(db.session.scalars(tenancy.scoped(BatchOutput, org, BatchOutput.lot_id)
                                      .where(BatchOutput.batch_id == batch.id).order_by(BatchOutput.id)))
    return [db.session.get(InventoryLot, lot_id) for lot_id in lot_ids]


# ---- Trace accepts what the label prints ---------------------------------------------------------------

def test_the_batch_code_on_a_label_opens_its_output_lot(client, org, owner, login, soap):
    """Does typing the label's batch code (any case) open the trace of the batch's one output lot?"""
    batch, (lot,) = _finished(org, owner, soap)
    login(owner)
    for q in (batch.label, batch.label.lower()):
        response = client.get("/trace", query_string={"q": q})
        assert response.status_code == 302, q
        assert response.headers["Location"].endswith(f"/trace/lots/{lot.code}")


def test_a_batch_with_several_outputs_lists_them_to_choose(client, org, owner, login, soap):
    batch, lots = _finished(org, owner, soap, two_outputs=True)
    login(owner)
    html = client.get("/trace", query_string={"q": batch.label}).get_data(as_text=True)
    assert 'data-testid="lookup-batch"' in html and "made 2 lots" in html
    assert all(f"/trace/lots/{lot.code}" in html for lot in lots)


def test_a_batch_without_output_says_so(client, org, owner, login, soap):
    """Does the code of a batch still in progress explain there is no output lot yet (not "No lot matches")?"""
    batch = batches.start_batch(org, owner, soap["recipe"].id, "1")
    login(owner)
    html = client.get("/trace", query_string={"q": batch.label}).get_data(as_text=True)
    assert f"Batch {batch.label} is still in progress, so it has no output lot yet." in html
    assert "No lot, batch or SKU matches" not in html


def test_a_sku_code_lists_its_lots(client, org, owner, login, soap):
    product = make_product(org, owner, name="Lavender Soap")
    sku = products.create_sku(org, owner, product.id, item_id=soap["bar"].id, code="LAV-BAR")
    _, (first,) = _finished(org, owner, soap)
    _, (second,) = _finished(org, owner, soap)
    login(owner)
    html = client.get("/trace", query_string={"q": "lav-bar"}).get_data(as_text=True)
    assert 'data-testid="lookup-sku"' in html and sku.code in html
    assert html.index(second.code) < html.index(first.code)  # newest first


def test_another_organizations_batch_code_finds_nothing(client, org, owner, other_owner, login, soap):
    batch, _ = _finished(org, owner, soap)
    login(other_owner)
    html = client.get("/trace", query_string={"q": batch.label}).get_data(as_text=True)
    assert "No lot, batch or SKU matches" in html


def test_lookup_api(org, owner, other_owner, api, soap):
    """Does GET /api/v1/trace/lookup?code= resolve batch, lot and SKU codes (404 for others' or unknown)?"""
    batch, (lot,) = _finished(org, owner, soap)
    client = api(owner)
    body = client.get(f"/api/v1/trace/lookup?code={batch.label.lower()}").get_json()
    assert body["kind"] == "batch" and body["batch"]["label"] == batch.label
    assert [entry["code"] for entry in body["lots"]] == [lot.code] and body["message"] == ""
    assert client.get(f"/api/v1/trace/lookup?code={lot.code}").get_json()["kind"] == "lot"
    pending = batches.start_batch(org, owner, soap["recipe"].id, "1")
    body = client.get(f"/api/v1/trace/lookup?code={pending.label}").get_json()
    assert body["lots"] == [] and "still in progress" in body["message"]
    assert client.get("/api/v1/trace/lookup?code=NOPE").status_code == 404
    assert api(other_owner).get(f"/api/v1/trace/lookup?code={batch.label}").status_code == 404
    assert client.get("/api/v1/trace/lookup").status_code == 422


# ---- the label and its QR -------------------------------------------------------------------------------

def test_every_lot_gets_its_own_unguessable_token(org, owner, soap):
    _, lots = _finished(org, owner, soap, two_outputs=True)
    tokens = [lot.public_token for lot in db.session.scalars(tenancy.scoped(InventoryLot, org))]
    assert len(tokens) == len(set(tokens)) == 5
    assert all(token and len(token) >= 22 for token in tokens)
    assert all(lot.code not in lot.public_token for lot in lots)


def test_the_label_prints_the_lot_code_and_its_qr_opens_the_public_page(client, app, org, owner, login, soap):
    batch, (lot,) = _finished(org, owner, soap)
    login(owner)
    html = client.get(f"/batches/{batch.id}/label").get_data(as_text=True)
    assert 'data-testid="label-lot"' in html and lot.code in html and batch.label in html
    public_url = app.config["BASE_URL"].rstrip("/") + f"/l/{lot.public_token}"
    assert public_url in html  # the URL the QR code encodes, printed under it


def test_a_label_per_output_lot(client, org, owner, login, soap):
    batch, (big, small) = _finished(org, owner, soap, two_outputs=True)
    login(owner)
    html = client.get(f"/batches/{batch.id}/label?lot={small.code}").get_data(as_text=True)
    assert f"/l/{small.public_token}" in html and f"/l/{big.public_token}" not in html
    assert 'data-testid="label-lot-choice"' in html and "Lavender Mini" in html


# ---- the public lot page ------------------------------------------------------------------------------

def test_the_public_page_shows_the_label_and_nothing_else(client, org, owner, soap):
    """Can anyone open /l/<token> without signing in and see the label's facts — and no costs or stock?"""
    batch, (lot,) = _finished(org, owner, soap)
    response = client.get(f"/l/{lot.public_token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    page = html.split('data-testid="public-lot"')[1]
    assert "Lavender Bar" in page and batch.label in page and lot.code in page
    assert batch.started_at.date().isoformat() in page
    olive, lye, lavender = (page.index(name) for name in ("Olea Europaea Fruit Oil", "Sodium Hydroxide",
                                                          "Lavandula Angustifolia Oil"))
    assert olive < lye < lavender
    assert "Limonene, Linalool" in page
    assert "recalled" not in page
    for secret in ("$", "cost", "0.01", "Remaining", str(lot.remaining_quantity), "Olive Oil", org.name):
        assert secret not in page, secret


def test_a_signed_in_maker_on_the_public_page_gets_a_way_into_the_app(client, org, owner, other_owner, login,
                                                                       soap):
    """A maker who scanned a label with the phone's own camera lands on the public page: is there a way into the
    app that opens this lot (found by the token, not the code another organization may share), and none for a
    customer or another organization's member beyond a "not one of your lots"?"""
    _, (lot,) = _finished(org, owner, soap)
    assert 'data-testid="open-in-app"' not in client.get(f"/l/{lot.public_token}").get_data(as_text=True)
    login(owner)
    html = client.get(f"/l/{lot.public_token}").get_data(as_text=True)
    link = f'href="/scan?code=/l/{lot.public_token}" role="button" class="secondary" data-testid="open-in-app"'
    assert link in html
    response = client.get(f"/scan?code=/l/{lot.public_token}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/trace/lots/{lot.code}")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    login(other_owner)
    assert client.get(f"/scan?code=/l/{lot.public_token}").status_code == 404


def test_unknown_tokens_and_lot_codes_are_404(client, org, owner, soap):
    _, (lot,) = _finished(org, owner, soap)
    for token in ("x" * 22, lot.code, str(lot.id), lot.public_token[:-1] + "!"):
        assert client.get(f"/l/{token}").status_code == 404, token


def test_a_recalled_lot_says_do_not_use(client, org, owner, soap):
    """Does the public page of a lot made from a recalled ingredient lot say it is recalled?"""
    _, (lot,) = _finished(org, owner, soap)
    recall = recalls.recall_lot(org, owner, soap["scent_lot"].id, reason="Contaminated oil")
    html = client.get(f"/l/{lot.public_token}").get_data(as_text=True)
    assert "This lot is recalled — do not use" in html and "Contaminated" not in html
    recalls.release_recall(org, owner, recall.id)
    assert "This lot is recalled" not in client.get(f"/l/{lot.public_token}").get_data(as_text=True)


def test_a_recalled_sibling_output_marks_the_lot_recalled(client, org, owner, soap):
    _, (big, small) = _finished(org, owner, soap, two_outputs=True)
    recalls.recall_lot(org, owner, big.id, reason="Bad batch")
    assert "This lot is recalled — do not use" in client.get(f"/l/{small.public_token}").get_data(as_text=True)


def test_a_bought_in_lot_has_a_public_page_too(client, org, soap):
    shea = make_item(org, name="Shea Butter", unit="g", inci_name="Butyrospermum Parkii Butter",
                     allergens="Tree nuts")
    lot = make_lot(org, shea, "100", "0.05")
    html = client.get(f"/l/{lot.public_token}").get_data(as_text=True)
    assert "Butyrospermum Parkii Butter" in html and "Tree nuts" in html and lot.code in html


def test_the_public_page_is_rate_limited(client, app, org, owner, soap):
    _, (lot,) = _finished(org, owner, soap)
    app.config["PUBLIC_PAGE_RATE_LIMIT"] = "3 per minute"
    try:
        codes = [client.get(f"/l/{lot.public_token}").status_code for _ in range(5)]
    finally:
        app.config.pop("PUBLIC_PAGE_RATE_LIMIT")
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429
