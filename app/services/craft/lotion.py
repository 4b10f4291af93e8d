"""The lotion calculator: phase percentages to grams for a batch weight; the percentages total 100 (± 0.01).
Nothing here writes."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import ValidationFailed
from . import inputs

TOLERANCE = Decimal("0.01")
PHASES = ("water", "oil", "cool_down", "other")


@dataclass
class LotionLine:
    name: str
    phase: str
    percent: Decimal
    weight: Decimal


@dataclass
class LotionResult:
    batch_weight: Decimal
    unit: str
    lines: list[LotionLine]
    total_percent: Decimal


def calculate_lotion(data) -> LotionResult:
    """Validate and calculate a lotion formula (API.md shape, plus optional "unit")."""
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object.", fields={"_schema": "Expected an object."})
    batch = inputs.weight(data.get("batch_weight"), "batch_weight", "the batch weight")
    unit = inputs.weight_unit(data.get("unit"))
    raw = inputs.line_list(data.get("ingredients"), "ingredients", "ingredient")
    lines = []
    for index, line in enumerate(raw):
        prefix = f"ingredients.{index}"
        name = inputs.text(line.get("name"), f"{prefix}.name", "The ingredient's name")
        phase = inputs.text(line.get("phase"), f"{prefix}.phase", "The phase", required=False, max_length=40)
        percent = inputs.number(line.get("percent"), f"{prefix}.percent", "a percentage", minimum=0, maximum=100)
        lines.append(LotionLine(name=name, phase=phase or "other", percent=percent, weight=batch * percent / 100))
    total = sum((line.percent for line in lines), Decimal(0))
    if abs(total - 100) > TOLERANCE:
        raise ValidationFailed(f"The percentages add up to {inputs.plain(total)} %, not 100 %.",
                               fields={"ingredients": f"Percentages total {inputs.plain(total)} %; they must total 100 %."})
    return LotionResult(batch_weight=batch, unit=unit, lines=lines, total_percent=total)


def lotion_response(result: LotionResult) -> dict:
    """The lotion calculation as the API's JSON (quantities as decimal strings)."""
    return {"unit": result.unit, "batch_weight": inputs.plain(result.batch_weight),
            "lines": [{"name": line.name, "phase": line.phase, "percent": inputs.plain(line.percent),
                       "weight": inputs.plain(inputs.rounded(line.weight))} for line in result.lines]}

