"""The candle calculator: wax and fragrance for a number of vessels at a fill weight and fragrance load.

total = vessels × fill weight; wax = total ÷ (1 + load ÷ 100); fragrance = total − wax. Nothing here writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import ValidationFailed
from . import inputs

MAX_VESSELS = 100000


@dataclass
class CandleResult:
    vessels: int
    fill_weight: Decimal
    fragrance_load: Decimal
    unit: str
    total_weight: Decimal
    wax_weight: Decimal
    fragrance_weight: Decimal
    wax_per_vessel: Decimal
    fragrance_per_vessel: Decimal
    wick_notes: str = ""
    vessel_diameter: str = ""


def calculate_candle(data) -> CandleResult:
    """Validate and calculate a candle pour (API.md shape, plus optional "unit", "wick_notes")."""
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object.", fields={"_schema": "Expected an object."})
    vessels = inputs.number(data.get("vessels"), "vessels", "the number of vessels", minimum=1,
                            maximum=MAX_VESSELS)
    if vessels != vessels.to_integral_value() or isinstance(data.get("vessels"), float):
        raise ValidationFailed("The number of vessels is a whole number.", fields={"vessels": "A whole number."})
    fill = inputs.weight(data.get("fill_weight"), "fill_weight", "the fill weight")
    load = inputs.number(data.get("fragrance_load"), "fragrance_load", "the fragrance load", minimum=0, maximum=100)
    unit = inputs.weight_unit(data.get("unit"))
    total = vessels * fill
    wax = total / (1 + load / 100)
    count = int(vessels)
    return CandleResult(vessels=count, fill_weight=fill, fragrance_load=load, unit=unit, total_weight=total,
                        wax_weight=wax, fragrance_weight=total - wax, wax_per_vessel=wax / count,
                        fragrance_per_vessel=(total - wax) / count,
                        wick_notes=inputs.text(data.get("wick_notes"), "wick_notes", "Wick notes", required=False,
                                               max_length=2000),
                        vessel_diameter=inputs.text(data.get("vessel_diameter"), "vessel_diameter",
                                                    "Vessel diameter", required=False, max_length=40))


def candle_response(result: CandleResult) -> dict:
    """The candle calculation as the API's JSON (quantities as decimal strings)."""

    def text(value):
        return inputs.plain(inputs.rounded(value))

    wax = inputs.rounded(result.wax_weight)  # fragrance = total − wax, so the JSON adds up exactly
    return {"unit": result.unit, "total_weight": text(result.total_weight), "wax_weight": inputs.plain(wax),
            "fragrance_weight": inputs.plain(inputs.rounded(result.total_weight) - wax),
            "per_vessel": {"wax": text(result.wax_per_vessel), "fragrance": text(result.fragrance_per_vessel)}}

