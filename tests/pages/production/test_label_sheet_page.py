"""The label sheet: one lot's labels, how many, on an Avery 5160/22806 or custom sheet at exact sizes."""
from __future__ import annotations

from ...factories import finished_batch


def test_label_sheet_prints_the_requested_count_with_the_label_facts(client, org, owner, login, reference_data):
    """Do 7 labels of the batch's lot come out, each with product, lot code, dates, ingredients and QR?"""
    made = finished_batch(org, owner)
    lot_code = made["output_lot"].code
    batch_id = made["batch"].id
    login(owner)
    response = client.get(f"/batches/{batch_id}/labels?layout=avery22806&count=7&net_weight=4+oz")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('data-testid="sheet-label"') == 7
    assert html.count('data-testid="label-sheet"') == 1  # 12 per sheet
    assert html.count(f"<code>{lot_code}</code>") == 7
    assert html.count("<svg") >= 7 and "Net wt 4 oz" in html
    assert "Ingredients:</strong> " + made["oil"].name in html
    assert "layout=avery22806" in html  # the sheet's stylesheet


def test_a_full_avery_5160_sheet_and_a_second_page(client, org, owner, login, reference_data):
    """Does the default sheet hold 30 labels, and 31 labels start a second sheet?"""
    made = finished_batch(org, owner)
    login(owner)
    html = client.get(f"/batches/{made['batch'].id}/labels").get_data(as_text=True)
    assert html.count('data-testid="sheet-label"') == 30
    html = client.get(f"/batches/{made['batch'].id}/labels?count=31").get_data(as_text=True)
    assert html.count('data-testid="label-sheet"') == 2


def test_sheet_stylesheet_has_exact_physical_sizes(client, org, owner, login, reference_data):
    """Is an Avery 5160 label 2.625 × 1 in on a letter page, and a custom one the size asked for?"""
    login(owner)
    css = client.get("/batches/labels/sheet.css?layout=avery5160")
    assert css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "size: 8.5in 11in" in text and "repeat(3, 2.625in)" in text and "height: 1in" in text
    text = client.get("/batches/labels/sheet.css?layout=custom&width=1.5&height=0.75").get_data(as_text=True)
    assert "width: 1.5in; height: 0.75in" in text


def test_bad_sheet_input_is_a_clear_400(client, org, owner, login, reference_data):
    """Are a count of 0 and an absurd custom size refused with a message, not a 500?"""
    made = finished_batch(org, owner)
    login(owner)
    response = client.get(f"/batches/{made['batch'].id}/labels?count=0&layout=custom&width=99&height=x")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Print between 1 and 300 labels." in html and "0.5–8 in wide" in html


def test_another_organizations_batch_is_404(client, org, other_org, owner, other_owner, login, reference_data):
    made = finished_batch(other_org, other_owner)
    login(owner)
    assert client.get(f"/batches/{made['batch'].id}/labels").status_code == 404


def test_a_finished_batch_links_to_its_label_sheet(client, org, owner, login, reference_data):
    made = finished_batch(org, owner)
    login(owner)
    html = client.get(f"/batches/{made['batch'].id}").get_data(as_text=True)
    assert f'href="/batches/{made["batch"].id}/labels"' in html
