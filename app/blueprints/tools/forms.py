"""The calculator forms (plain HTML forms that work without JavaScript): rows of oils, additives and
lotion ingredients read from the POSTed fields into the API.md request shape, and the services' field
errors ("oils.2.weight") put back on the row the maker typed ("oil_amount-4")."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ...services.craft.inputs import MAX_LINES, plain
from ...services.errors import ValidationFailed

SOAP_OIL_ROWS, SOAP_ADDITIVE_ROWS, LOTION_ROWS, MORE_ROWS = 6, 3, 6, 4
SOAP_FIELDS = {"lye": "lye", "superfat": "superfat", "koh_purity": "koh_purity", "naoh_percent": "naoh_percent",
               "water.mode": "water_mode", "water.value": "water_value", "water": "water_value", "unit": "unit"}
CANDLE_FIELDS = ("vessels", "fill_weight", "fragrance_load", "unit", "wick_notes", "vessel_diameter", "wax_name",
                 "fragrance_name")


def _count(form, name: str, default: int) -> int:
    try:
        value = int(form.get(name) or default)
    except (TypeError, ValueError):
        value = default
    if form.get("action") == "more" and name in ("oil_rows", "ing_rows"):
        value += MORE_ROWS
    return max(1, min(value, MAX_LINES))


def _value(form, name: str) -> str:
    return (form.get(name) or "").replace("\x00", "").strip()[:200]


def soap_rows(form) -> dict:
    """The soap form's filled oil rows and options, as the calculator's input."""
    return {"oils": _count(form, "oil_rows", SOAP_OIL_ROWS), "additives": _count(form, "add_rows", SOAP_ADDITIVE_ROWS)}


def soap_data(form, rows: dict) -> tuple[dict, dict]:
    """The API.md soap request from the page's fields, and which form row each oil/additive came from.

    In percent mode each oil's amount is its percentage of the total oil weight; the percentages must
    total 100 (ValidationFailed on the "oils" field otherwise)."""
    percent_mode = form.get("amount_mode") == "percent"
    data = {"lye": _value(form, "lye") or "NaOH", "superfat": _value(form, "superfat"),
            "water": {"mode": _value(form, "water_mode"), "value": _value(form, "water_value")},
            "unit": _value(form, "unit") or "g", "oils": [], "additives": []}
    if data["lye"] != "NaOH":
        data["koh_purity"] = _value(form, "koh_purity") or "90"
    if data["lye"] == "dual":
        data["naoh_percent"] = _value(form, "naoh_percent")
    row_map = {"oils": [], "additives": []}
    amounts = []
    for row in range(rows["oils"]):
        name, sap, amount = (_value(form, f"oil_{key}-{row}") for key in ("name", "sap", "amount"))
        if not (name or sap or amount):
            continue
        oil = {"name": name, "weight": amount}
        if sap:
            oil["sap_naoh"] = sap
        data["oils"].append(oil)
        row_map["oils"].append(row)
        amounts.append(amount)
    if percent_mode and data["oils"]:
        total = _decimal(_value(form, "total_oils"))
        if total is None or total <= 0:
            raise ValidationFailed("Enter the total oil weight the percentages are of.",
                                   fields={"total_oils": "Enter the total oil weight."})
        percents = [_decimal(a) for a in amounts]
        for index, percent in enumerate(percents):
            if percent is None or percent <= 0:
                raise ValidationFailed("Each oil's percentage must be a number above zero.",
                                       fields={f"oil_amount-{row_map['oils'][index]}": "A percentage above zero."})
        summed = sum(percents, Decimal(0))
        if abs(summed - 100) > Decimal("0.01"):
            raise ValidationFailed(f"The oil percentages total {plain(summed)} %, not 100 %.",
                                   fields={"oils": f"Percentages total {plain(summed)} %; they must total 100 %."})
        data["total_oils"] = plain(total)
        for oil, percent in zip(data["oils"], percents):
            oil["percent"] = plain(percent)
            oil["weight"] = plain(total * percent / 100)
    for row in range(rows["additives"]):
        name, percent = _value(form, f"add_name-{row}"), _value(form, f"add_percent-{row}")
        if name or percent:
            data["additives"].append({"name": name, "percent": percent})
            row_map["additives"].append(row)
    if not data["additives"]:
        del data["additives"]
    return data, row_map


def soap_error_fields(error: ValidationFailed, row_map: dict) -> dict[str, str]:
    """The service's field errors named after the page's inputs."""
    fields = {}
    for name, message in (error.fields or {}).items():
        if name in SOAP_FIELDS:
            fields[SOAP_FIELDS[name]] = message
            continue
        parts = name.split(".")
        if parts[0] in ("oils", "additives") and len(parts) >= 3 and parts[1].isdigit():
            rows = row_map.get(parts[0], [])
            index = int(parts[1])
            row = rows[index] if index < len(rows) else index
            key = {"weight": "amount", "sap_naoh": "sap", "name": "name", "library_id": "name",
                   "percent": "percent"}.get(parts[2], "name")
            fields[f"{'oil' if parts[0] == 'oils' else 'add'}_{key}-{row}"] = message
        else:
            fields[name] = message
    return fields


def soap_form_from(data: dict) -> dict:
    """Form values that reopen a saved soap calculation."""
    form = {"lye": data.get("lye", "NaOH"), "superfat": data.get("superfat", ""), "unit": data.get("unit", "g"),
            "koh_purity": data.get("koh_purity", "90"), "naoh_percent": data.get("naoh_percent", ""),
            "water_mode": (data.get("water") or {}).get("mode", ""),
            "water_value": (data.get("water") or {}).get("value", "")}
    oils = [oil for oil in data.get("oils") or [] if isinstance(oil, dict)][:MAX_LINES]
    percent_mode = bool(data.get("total_oils")) and all("percent" in oil for oil in oils)
    if percent_mode:
        form.update(amount_mode="percent", total_oils=data["total_oils"])
    for row, oil in enumerate(oils):
        form[f"oil_name-{row}"] = oil.get("name", "")
        form[f"oil_sap-{row}"] = oil.get("sap_naoh", "")
        form[f"oil_amount-{row}"] = oil.get("percent" if percent_mode else "weight", "")
    additives = [a for a in data.get("additives") or [] if isinstance(a, dict)][:MAX_LINES]
    for row, additive in enumerate(additives):
        form[f"add_name-{row}"] = additive.get("name", "")
        form[f"add_percent-{row}"] = additive.get("percent", "")
    form["oil_rows"] = str(max(SOAP_OIL_ROWS, len(oils) + 1))
    form["add_rows"] = str(max(SOAP_ADDITIVE_ROWS, len(additives) + 1))
    return {key: str(value) for key, value in form.items() if value is not None}


def rows_error_fields(error: ValidationFailed, row_map: list, *, prefix: str, names: dict) -> dict[str, str]:
    """Map a calculator error's row fields back onto the form's row field names."""
    fields = {}
    for name, message in (error.fields or {}).items():
        parts = name.split(".")
        if parts[0] == prefix and len(parts) >= 3 and parts[1].isdigit():
            index = int(parts[1])
            row = row_map[index] if index < len(row_map) else index
            fields[f"{names.get(parts[2], 'ing_name')}-{row}"] = message
        else:
            fields[name] = message
    return fields


def lotion_rows(form) -> int:
    """How many ingredient rows the lotion form shows."""
    return _count(form, "ing_rows", LOTION_ROWS)


def lotion_data(form, rows: int) -> tuple[dict, list]:
    """The lotion form's batch weight and filled ingredient rows, as the calculator's input."""
    data = {"batch_weight": _value(form, "batch_weight"), "unit": _value(form, "unit") or "g", "ingredients": []}
    row_map = []
    for row in range(rows):
        name, percent, phase = (_value(form, f"ing_{key}-{row}") for key in ("name", "percent", "phase"))
        if name or percent:
            data["ingredients"].append({"name": name, "percent": percent, "phase": phase or "other"})
            row_map.append(row)
    return data, row_map


def lotion_form_from(data: dict) -> dict:
    """Form data that reopens a saved lotion calculation."""
    form = {"batch_weight": data.get("batch_weight", ""), "unit": data.get("unit", "g")}
    lines = [line for line in data.get("ingredients") or [] if isinstance(line, dict)][:MAX_LINES]
    for row, line in enumerate(lines):
        form[f"ing_name-{row}"] = line.get("name", "")
        form[f"ing_percent-{row}"] = line.get("percent", "")
        form[f"ing_phase-{row}"] = line.get("phase", "")
    form["ing_rows"] = str(max(LOTION_ROWS, len(lines) + 1))
    return {key: str(value) for key, value in form.items() if value is not None}


def candle_data(form) -> dict:
    """The candle form's values, as the calculator's input."""
    return {name: _value(form, name) for name in CANDLE_FIELDS if name != "wick_notes"} | {
        "wick_notes": (form.get("wick_notes") or "").replace("\x00", "").strip()[:2000]}


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return value if value.is_finite() else None
