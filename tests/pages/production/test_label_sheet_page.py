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


def test_the_label_states_the_net_weight_from_the_sku(client, org, owner, login, reference_data):
    """With no net weight typed, does every label say the SKU's size ("4 oz bar") in both systems, the
    single label too, and a typed value still win?"""
    made = finished_batch(org, owner)
    batch_id = made["batch"].id
    login(owner)
    html = client.get(f"/batches/{batch_id}/labels?count=3").get_data(as_text=True)
    assert html.count('<p class="sheet-net">Net wt 4 oz (113 g)</p>') == 3
    assert 'data-testid="net-from-sku"' in html
    html = client.get(f"/batches/{batch_id}/labels?count=2&net_weight=110+g").get_data(as_text=True)
    assert html.count('<p class="sheet-net">Net wt 110 g</p>') == 2 and "(113 g)</p>" not in html
    html = client.get(f"/batches/{batch_id}/label").get_data(as_text=True)
    assert '<dd data-testid="label-net">Net wt 4 oz (113 g)</dd>' in html


def test_net_content_from_the_size_or_the_items_own_unit(org, owner, reference_data):
    """A size that starts with a weight or volume is stated in both systems; a size that does not falls back
    to the item's "1 each = 113 g" mapping; with neither there is nothing to state."""
    from app.services import batches, products, units

    from ...factories import sku_item

    product = products.create_product(org, owner, name="Lotion")
    cases = {"250 mL bottle": "Net vol 250 mL (8.5 fl oz)", "8 fl. oz": "Net vol 8 fl oz (237 mL)",
             "1.5 kg": "Net wt 1.5 kg (52.9 oz)", "2oz tin": "Net wt 2 oz (57 g)", "Large": None,
             # a thousands separator is not a decimal comma (the label said "Net wt 1 g"); "2,5 kg" is 2.5 kg
             "1,000 g tub": "Net wt 1000 g (35.3 oz)", "2,5 kg": "Net wt 2.5 kg (88.2 oz)",
             "1,250.5 mL": "Net vol 1250.5 mL (42.3 fl oz)"}
    for size, expected in cases.items():
        sku = products.create_sku(org, owner, product.id, size_label=size)
        assert batches.label_net_content(org, sku_item(org, sku)) == expected, size
    sku = products.create_sku(org, owner, product.id, size_label="Trial size")
    item = sku_item(org, sku)
    units.add_item_unit_mapping(org, owner, item.id, unit_name="each", quantity="113", in_unit="g")
    assert batches.label_net_content(org, item) == "Net wt 113 g (4 oz)"
