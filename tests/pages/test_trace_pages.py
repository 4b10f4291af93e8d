"""Trace pages: lot search, the lot page with forward and backward trees, recall through the form, the recall
report and its CSV, releasing a recall."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import Recall
from app.services import recalls, sales, tenancy

from ..factories import finished_batch
from ..helpers import count_queries, post_form

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def sold(org, owner):
    """An oil lot made into a SKU lot by a finished batch, and a sale of 3 of that SKU for order #77."""
    made = finished_batch(org, owner)
    made["sale"] = sales.record_sale(org, owner, sku_id=made["sku"].id, quantity="3", unit_price="9",
                                     order_ref="#77", customer="Ana")
    return made


def test_search_page_and_exact_code_redirects(client, owner, login, sold):
    login(owner)
    assert client.get("/trace").status_code == 200
    code = sold["oil_lot"].code
    response = client.get(f"/trace?q={code}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/trace/lots/{code}")
    html = client.get("/trace?q=LOT").get_data(as_text=True)
    assert sold["oil_lot"].code in html and sold["output_lot"].code in html
    assert "No lot, batch or SKU matches" in client.get("/trace?q=zzz-nothing").get_data(as_text=True)


def test_ingredient_lot_page_shows_forward_batch_lot_and_sale(client, owner, login, sold):
    """Does the oil lot's page show oil → batch → SKU lot → the sale with its order reference?"""
    login(owner)
    response = client.get(f"/trace/lots/{sold['oil_lot'].code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    forward = html.split('data-testid="forward-tree"')[1].split("</section>")[0]
    assert sold["batch"].label in forward and sold["output_lot"].code in forward
    assert "Order #77" in forward and "Ana" in forward
    assert 'data-testid="backward-empty"' in html


def test_sku_lot_page_shows_backward_inputs(client, owner, login, sold):
    login(owner)
    html = client.get(f"/trace/lots/{sold['output_lot'].code}").get_data(as_text=True)
    backward = html.split('data-testid="backward-tree"')[1].split("</section>")[0]
    assert sold["batch"].label in backward
    assert sold["oil_lot"].code in backward and sold["lye_lot"].code in backward
    assert "Made by" in html


def test_unknown_and_other_organizations_lots_are_404(client, org, other_org, owner, other_owner, login, sold):
    theirs = finished_batch(other_org, other_owner)
    login(owner)
    assert client.get("/trace/lots/NO-SUCH-LOT").status_code == 404
    assert client.get(f"/trace/lots/{theirs['oil_lot'].code}").status_code in (404, 200)
    # Lot codes are per organization: when ours and theirs share a code, ours is shown, never theirs.
    html = client.get(f"/trace/lots/{theirs['oil_lot'].code}").get_data(as_text=True)
    assert theirs["oil"].name not in html
    response = post_form(client, f"/trace/lots/{theirs['oil_lot'].id}/recall", {"reason": "x"}, form_url="/trace")
    assert response.status_code == 404
    recall = recalls.recall_lot(other_org, other_owner, theirs["oil_lot"].id, reason="Theirs")
    assert client.get(f"/trace/recalls/{recall.id}").status_code == 404
    assert client.get(f"/trace/recalls/{recall.id}.csv").status_code == 404
    assert post_form(client, f"/trace/recalls/{recall.id}/release", {}, form_url="/trace").status_code == 404


def test_recall_through_the_form_holds_the_lot_and_everything_downstream(client, org, owner, login, sold):
    login(owner)
    url = f"/trace/lots/{sold['oil_lot'].code}"
    response = post_form(client, f"/trace/lots/{sold['oil_lot'].id}/recall", {"reason": "Rancid oil"}, form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert sold["oil_lot"].hold_reason == "Rancid oil" and sold["output_lot"].hold_reason == "Rancid oil"
    report = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "#77" in report and "Ana" in report and sold["output_lot"].code in report
    assert sold["batch"].label in report
    html = client.get(f"/trace/lots/{sold['output_lot'].code}").get_data(as_text=True)
    assert 'data-testid="recall-banner"' in html and "made from recalled lot" in html
    assert "Recall report" in html
    assert sold["oil_lot"].code in client.get("/trace/recalls").get_data(as_text=True)


def test_the_recall_action_comes_after_the_trace_folded_and_keeps_its_confirmation(client, owner, login, sold):
    """On the lot page the Forward and Backward trees come first; the recall form follows them in a closed
    <details> (a phone reached the trace past a big "Recall and hold" button), still asking to confirm."""
    login(owner)
    html = client.get(f"/trace/lots/{sold['oil_lot'].code}").get_data(as_text=True)
    facts, forward = html.index('data-testid="lot-facts"'), html.index('<section id="forward">')
    backward, recall = html.index('<section id="backward">'), html.index('data-testid="recall-section"')
    assert facts < forward < backward < recall < html.index('data-testid="recall-lot"')
    section = html[html.rindex("<details", 0, recall):recall + 200]
    assert "open" not in section.split(">")[0]
    assert "<summary>Recall this lot…" in html and f'data-confirm="Recall {sold["oil_lot"].code} and put' in html


def test_recall_needs_a_reason(client, org, owner, login, sold):
    login(owner)
    url = f"/trace/lots/{sold['oil_lot'].code}"
    response = post_form(client, f"/trace/lots/{sold['oil_lot'].id}/recall", {"reason": "  "}, form_url=url)
    assert response.status_code == 422 and "Say why" in response.get_data(as_text=True)
    assert 'data-testid="recall-section" open' in response.get_data(as_text=True)  # the refusal is shown open
    response = post_form(client, f"/trace/lots/{sold['oil_lot'].id}/recall", {"reason": "x" * 300}, form_url=url)
    assert response.status_code == 422
    assert db.session.scalar(tenancy.scoped(Recall, org, func.count(Recall.id))) == 0


def test_recall_csv_downloads_and_release_lifts_the_hold(client, org, owner, login, sold):
    recall = recalls.recall_lot(org, owner, sold["oil_lot"].id, reason="Supplier recall")
    login(owner)
    response = client.get(f"/trace/recalls/{recall.id}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"recall-{recall.id}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert any(row[:1] == ["sale"] and "#77" in row for row in rows)
    assert any(row[:2] == ["lot", sold["output_lot"].code] for row in rows)
    url = f"/trace/recalls/{recall.id}"
    assert post_form(client, f"{url}/release", {}, form_url=url).status_code == 302
    db.session.expire_all()
    assert sold["oil_lot"].hold_reason is None and sold["output_lot"].hold_reason is None
    assert "released" in client.get(url).get_data(as_text=True)
    response = post_form(client, f"{url}/release", {}, form_url=url)
    assert response.status_code == 302
    assert "already released" in client.get(url).get_data(as_text=True)


def test_viewer_can_trace_but_not_recall(client, org, owner, viewer, login, sold):
    recall = recalls.recall_lot(org, owner, sold["oil_lot"].id, reason="Check")
    login(viewer)
    html = client.get(f"/trace/lots/{sold['oil_lot'].code}").get_data(as_text=True)
    assert "Recall and hold" not in html
    assert client.get(f"/trace/recalls/{recall.id}").status_code == 200
    response = post_form(client, f"/trace/lots/{sold['oil_lot'].id}/recall", {"reason": "x"}, form_url="/trace")
    assert response.status_code == 403
    response = post_form(client, f"/trace/recalls/{recall.id}/release", {}, form_url="/trace")
    assert response.status_code == 403
    db.session.expire_all()
    assert recall.status == "active"


def test_lot_page_queries_do_not_grow_with_sales(client, org, owner, login, sold):
    login(owner)
    url = f"/trace/lots/{sold['oil_lot'].code}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for index in range(5):
        sales.record_sale(org, owner, sku_id=sold["sku"].id, quantity="1", unit_price="9", order_ref=f"Q{index}")
    client.get(url)
    with count_queries() as many:
        assert "Q4" in client.get(url).get_data(as_text=True)
    assert many.count <= few.count, "\n".join(many.statements)
