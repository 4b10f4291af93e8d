"""The soap calculator service against SoapCalc's published figures, the library data behind it, and
its refusals of bad input.

Expected figures are what SoapCalc (soapcalc.net) shows for the same inputs: its oil list gives the
KOH SAP value (NaOH = KOH ÷ 1.4027), the fatty acids, iodine and INS of each oil; a well-known check is
the classic castile bar, 16 oz olive oil at 5 % superfat → 2.06 oz NaOH and 6.08 oz water at 38 %."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from app.services import library
from app.services.craft import soap
from app.services.errors import ValidationFailed

from ...factories import ensure_inventory_reference_data


@pytest.fixture(autouse=True)
def reference_data(db):
    ensure_inventory_reference_data()


def calc(**request):
    return soap.soap_response(soap.calculate_soap(soap.parse_soap(request)))


def close(actual, expected, percent="0.5"):
    """Within `percent` % of SoapCalc's figure."""
    actual, expected = Decimal(actual), Decimal(str(expected))
    return abs(actual - expected) <= abs(expected) * Decimal(percent) / 100


def assert_qualities(actual, expected):
    assert actual is not None
    for name, value in expected.items():
        assert abs(actual[name] - value) <= 1, (name, actual[name], value)


# (request, expected lye, expected water, SoapCalc's qualities)
BLENDS = [
    pytest.param(
        dict(lye="NaOH", superfat=0, water={"mode": "percent_of_oils", "value": 38},
             oils=[{"name": "Olive Oil", "weight": 1000}]),
        "135.4", "380",
        dict(hardness=17, cleansing=0, conditioning=82, bubbly=0, creamy=17, iodine=85, ins=105),
        id="olive-only-naoh-0sf-percent-of-oils"),
    pytest.param(
        dict(lye="NaOH", superfat=8, water={"mode": "lye_concentration", "value": 33},
             oils=[{"name": "coconut oil (76°f)", "weight": 500}]),
        "84.28", "171.1",
        dict(hardness=79, cleansing=67, conditioning=10, bubbly=67, creamy=12, iodine=10, ins=258),
        id="coconut-only-naoh-8sf-lye-concentration"),
    pytest.param(
        dict(lye="NaOH", superfat=5, water={"mode": "lye_ratio", "value": 2},
             oils=[{"name": "Olive Oil", "weight": 400}, {"name": "Coconut Oil (76°F)", "weight": 300},
                   {"name": "Palm Oil", "weight": 300}]),
        "144.1", "288.2",
        dict(hardness=46, cleansing=20, conditioning=51, bubbly=20, creamy=25, iodine=53, ins=163),
        id="olive-coconut-palm-naoh-5sf-lye-ratio"),
    pytest.param(
        dict(lye="KOH", superfat=0, koh_purity=90, water={"mode": "percent_of_oils", "value": 300},
             oils=[{"name": "Coconut Oil (76°F)", "weight": 300}, {"name": "Olive Oil", "weight": 500},
                   {"name": "Castor Oil", "weight": 200}]),
        "231.2", "3000",
        dict(hardness=32, cleansing=20, conditioning=64, bubbly=38, creamy=30, iodine=63, ins=149),
        id="liquid-soap-koh-90pct-0sf"),
    pytest.param(
        dict(lye="KOH", superfat=8, koh_purity=100, water={"mode": "lye_ratio", "value": 3},
             oils=[{"name": "Olive Oil", "weight": 600}, {"name": "Coconut Oil (76°F)", "weight": 400}]),
        "199.4", "598.3",
        dict(hardness=42, cleansing=27, conditioning=53, bubbly=27, creamy=15, iodine=55, ins=166),
        id="olive-coconut-koh-100pct-8sf-lye-ratio"),
    pytest.param(
        dict(lye="NaOH", superfat=8, unit="lb", water={"mode": "lye_concentration", "value": 30},
             oils=[{"name": "Lard", "weight": 1}]),
        "0.1299", "0.3030",
        dict(hardness=42, cleansing=1, conditioning=52, bubbly=1, creamy=41, iodine=57, ins=139),
        id="lard-in-pounds-naoh-8sf"),
    pytest.param(
        dict(lye="NaOH", superfat=8, water={"mode": "percent_of_oils", "value": 33},
             oils=[{"name": "Shea Butter (Refined)", "weight": 160}, {"name": "Olive Oil", "weight": 400},
                   {"name": "Coconut Oil (76°F)", "weight": 200}, {"name": "Castor Oil", "weight": 40}]),
        "107.06", "264",
        dict(hardness=37, cleansing=17, conditioning=59, bubbly=21, creamy=25, iodine=61, ins=145),
        id="shea-olive-coconut-castor-naoh-8sf"),
]


@pytest.mark.parametrize("request_body, lye, water, qualities", BLENDS)
def test_soap_matches_soapcalc(request_body, lye, water, qualities):
    """Does the calculator give SoapCalc's lye and water (within 0.5 %) and qualities (within 1 point)?"""
    result = calc(**request_body)
    assert close(result["lye_weight"], lye)
    assert close(result["water_weight"], water)
    assert_qualities(result["qualities"], qualities)
    total = Decimal(result["oils_weight"]) + Decimal(result["lye_weight"]) + Decimal(result["water_weight"])
    assert Decimal(result["batch_weight"]) == total


def test_classic_castile_in_ounces():
    """16 oz olive oil, 5 % superfat, water 38 % of oils: the published 2.06 oz NaOH and 6.08 oz water."""
    result = calc(lye="NaOH", superfat=5, unit="oz", water={"mode": "percent_of_oils", "value": 38},
                  oils=[{"name": "Olive Oil", "weight": 16}])
    assert close(result["lye_weight"], "2.06") and result["water_weight"] == "6.08"
    assert result["unit"] == "oz"


def test_lines_split_the_lye_per_oil_and_the_formula_is_exact():
    """Is each line's lye weight × SAP × (1 − superfat) and KOH the NaOH figure × 56.1056 ÷ 39.9971 ÷ purity?"""
    naoh = calc(lye="NaOH", superfat=5, water={"mode": "lye_ratio", "value": 2},
                oils=[{"name": "Olive Oil", "weight": 700}, {"name": "My tallow", "weight": 300, "sap_naoh": "0.143"}])
    olive = library.list_library(q="Olive Oil").items[0]
    expected = Decimal(700) * olive.sap_naoh * Decimal("0.95") + Decimal(300) * Decimal("0.143") * Decimal("0.95")
    assert Decimal(naoh["lye_weight"]) == expected.quantize(Decimal("0.000001"))
    assert [line["percent"] for line in naoh["lines"]] == ["70", "30"]
    assert naoh["lines"][1]["sap_naoh"] == "0.143" and naoh["lines"][1]["lye_weight"] == "40.755"
    koh = calc(lye="KOH", superfat=5, koh_purity=90, water={"mode": "lye_ratio", "value": 2},
               oils=[{"name": "Olive Oil", "weight": 700}, {"name": "My tallow", "weight": 300, "sap_naoh": "0.143"}])
    ratio = Decimal("56.1056") / Decimal("39.9971") / Decimal("0.9")
    assert Decimal(koh["lye_weight"]) == (expected * ratio).quantize(Decimal("0.000001"))
    assert koh["koh_purity"] == "90"


def test_own_sap_wins_over_the_library_and_library_ids_work():
    """Does a typed sap_naoh win over the library's, and an oil be found by library id?"""
    olive = library.list_library(q="Olive Oil").items[0]
    by_id = calc(lye="NaOH", superfat=0, water={"mode": "lye_ratio", "value": 2},
                 oils=[{"library_id": olive.id, "weight": 100}])
    assert by_id["lines"][0]["name"] == "Olive Oil" and by_id["qualities"]["conditioning"] == 82
    own = calc(lye="NaOH", superfat=0, water={"mode": "lye_ratio", "value": 2},
               oils=[{"name": "OLIVE OIL", "weight": 100, "sap_naoh": "0.2"}])
    assert own["lye_weight"] == "20" and own["qualities"]["conditioning"] == 82  # profile still the library's


def test_qualities_are_null_when_an_oil_has_no_profile():
    result = calc(lye="NaOH", superfat=5, water={"mode": "percent_of_oils", "value": 38},
                  oils=[{"name": "Olive Oil", "weight": 500}, {"name": "Mystery fat", "weight": 500, "sap_naoh": 0.14}])
    assert result["qualities"] is None and result["fatty_acids"] is None


def test_dual_lye_splits_the_saponification():
    """A 90 % NaOH / 10 % KOH split: each lye does its share, KOH adjusted for purity."""
    spec = soap.parse_soap({"lye": "dual", "naoh_percent": 90, "koh_purity": 90, "superfat": 5,
                            "water": {"mode": "lye_concentration", "value": 30},
                            "oils": [{"name": "Olive Oil", "weight": 1000}]}, allow_dual=True)
    result = soap.calculate_soap(spec)
    base = Decimal(1000) * library.list_library(q="Olive Oil").items[0].sap_naoh * Decimal("0.95")
    assert result.naoh_weight == base * Decimal("0.9")
    koh = base * Decimal("0.1") * Decimal("56.1056") / Decimal("39.9971") / Decimal("0.9")
    assert abs(result.koh_weight - koh) < Decimal("1e-20")
    assert result.lye_weight == result.naoh_weight + result.koh_weight
    with pytest.raises(ValidationFailed):  # the API takes NaOH or KOH only
        soap.parse_soap({"lye": "dual", "superfat": 5, "water": {"mode": "lye_ratio", "value": 2},
                         "oils": [{"name": "Olive Oil", "weight": 1}]})


def test_additives_are_a_percentage_of_the_oils():
    result = calc(lye="NaOH", superfat=5, water={"mode": "percent_of_oils", "value": 38},
                  oils=[{"name": "Olive Oil", "weight": 1000}],
                  additives=[{"name": "Lavender Essential Oil", "percent": 3}, {"name": "Oat flour", "percent": "1.5"}])
    assert [(a["name"], a["weight"]) for a in result["additives"]] == [("Lavender Essential Oil", "30"),
                                                                      ("Oat flour", "15")]
    assert Decimal(result["batch_weight"]) == Decimal(result["oils_weight"]) + Decimal(result["lye_weight"]) + \
        Decimal(result["water_weight"]) + 45


GOOD = dict(lye="NaOH", superfat=5, water={"mode": "percent_of_oils", "value": 38},
            oils=[{"name": "Olive Oil", "weight": 100}])


@pytest.mark.parametrize("change, field", [
    (dict(oils=[]), "oils"),
    (dict(oils=None), "oils"),
    (dict(oils=[{"name": "Olive Oil", "weight": -5}]), "oils.0.weight"),
    (dict(oils=[{"name": "Olive Oil", "weight": 0}]), "oils.0.weight"),
    (dict(oils=[{"name": "Olive Oil", "weight": "abc"}]), "oils.0.weight"),
    (dict(oils=[{"name": "Olive Oil", "weight": "1e30"}]), "oils.0.weight"),
    (dict(oils=[{"name": "Dragon fat", "weight": 10}]), "oils.0.sap_naoh"),
    (dict(oils=[{"name": "Paraffin Wax", "weight": 10}]), "oils.0.sap_naoh"),
    (dict(oils=[{"library_id": 99999999999, "weight": 10}]), "oils.0.library_id"),
    (dict(oils=[{"name": "X", "weight": 10, "sap_naoh": -1}]), "oils.0.sap_naoh"),
    (dict(superfat=-1), "superfat"),
    (dict(superfat=101), "superfat"),
    (dict(superfat=None), "superfat"),
    (dict(lye="NaCl"), "lye"),
    (dict(lye=None), "lye"),
    (dict(lye="KOH", koh_purity=0), "koh_purity"),
    (dict(water={"mode": "buckets", "value": 1}), "water.mode"),
    (dict(water={"mode": "lye_concentration", "value": 0}), "water.value"),
    (dict(water={"mode": "lye_ratio", "value": -2}), "water.value"),
    (dict(water=None), "water"),
    (dict(unit="furlong"), "unit"),
    (dict(additives=[{"name": "Lavender", "percent": -1}]), "additives.0.percent"),
])
def test_bad_input_is_refused_with_the_field_named(change, field):
    with pytest.raises(ValidationFailed) as caught:
        soap.parse_soap({**GOOD, **change})
    assert field in caught.value.fields


def test_library_has_soap_data_for_every_oil_butter_and_200_entries():
    """Every oil and butter carries SAP (NaOH and KOH), a fatty-acid profile, iodine and INS; KOH SAP is
    NaOH SAP × 56.1056 ÷ 39.9971; every entry names its source; liquids have densities."""
    entries = json.loads(library.LIBRARY_FILE.read_text())
    assert len(entries) >= 200 and len({e["name"] for e in entries}) == len(entries)
    for entry in entries:
        assert entry.get("source"), entry["name"]
        if entry["category"] in ("oil", "butter") or entry.get("sap_naoh"):
            assert entry["sap_naoh"] and entry["sap_koh"] and isinstance(entry["fatty_acids"], dict), entry["name"]
            assert entry["iodine"] is not None and entry["ins"] is not None, entry["name"]
            ratio = Decimal(entry["sap_koh"]) / Decimal(entry["sap_naoh"])
            assert abs(ratio - Decimal("56.1056") / Decimal("39.9971")) < Decimal("0.0001"), entry["name"]
        if entry["category"] in ("liquid", "oil", "essential_oil", "fragrance_oil"):
            assert entry["density_g_per_ml"], entry["name"]
    lavender = next(e for e in entries if e["name"] == "Lavender Essential Oil")
    assert "Linalool" in lavender["allergens"] and lavender["inci"]
    assert sum(1 for e in entries if e["category"] == "essential_oil") >= 25
