"""Server-rendered SVG charts: geometry for templates/reports/_charts.html (no JavaScript, works offline and on
a phone; every chart also has a table). Coordinates are computed from the exact Decimals and rounded to
tenths of a pixel; the numbers shown are the Decimals themselves."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

WIDTH = Decimal(640)
HEIGHT = Decimal(220)
LEFT, RIGHT, TOP, BOTTOM = Decimal(8), Decimal(8), Decimal(14), Decimal(26)
TENTH = Decimal("0.1")


def _px(value: Decimal) -> str:
    return str(value.quantize(TENTH, ROUND_HALF_UP))


@dataclass
class Chart:
    title: str
    kind: str  # line | bars | hbars
    labels: list[str]
    series: list[dict]  # {"name", "values": [Decimal], "css": "series-1"}
    unit: str = "money"  # money | number
    geometry: dict = field(default_factory=dict)
    csv_url: str | None = None
    slug: str = ""
    empty_text: str = "Nothing in this period."  # shown instead of a flat, unlabelled axis when every value is 0

    @property
    def has_data(self) -> bool:
        return any(value != 0 for s in self.series for value in s["values"])


def _scale(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    if high == low:
        high = low + 1
    return low, high


def line_chart(title: str, points: list[tuple[date, Decimal]], *, slug: str, csv_url=None,
               empty_text: str | None = None) -> Chart:
    """One line over days (e.g. inventory value at the end of each day)."""
    values = [value for _day, value in points]
    chart = Chart(title, "line", [day.isoformat() for day, _ in points],
                  [{"name": title, "values": values, "css": "series-1"}], slug=slug, csv_url=csv_url)
    if empty_text:
        chart.empty_text = empty_text
    low, high = _scale(values)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(values) - 1, 1)
    coords = []
    for index, value in enumerate(values):
        x = LEFT + inner_w * index / count
        y = TOP + inner_h * (high - value) / (high - low)
        coords.append(f"{_px(x)},{_px(y)}")
    zero_y = TOP + inner_h * high / (high - low)
    chart.geometry = {"points": " ".join(coords), "zero_y": _px(zero_y), "high": high, "low": low,
                      "last": coords[-1].split(",") if coords else None, "area": _area(coords, zero_y)}
    return chart


def _area(coords: list[str], zero_y: Decimal) -> str:
    if not coords:
        return ""
    first_x, last_x = coords[0].split(",")[0], coords[-1].split(",")[0]
    return f"{first_x},{_px(zero_y)} " + " ".join(coords) + f" {last_x},{_px(zero_y)}"


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list[Decimal]]], *, slug: str,
              csv_url=None, empty_text: str | None = None) -> Chart:
    """Grouped vertical bars, one group per label (e.g. revenue, COGS and margin per week)."""
    chart = Chart(title, "bars", labels,
                  [{"name": name, "values": values, "css": f"series-{n + 1}"} for n, (name, values) in enumerate(series)],
                  slug=slug, csv_url=csv_url)
    if empty_text:
        chart.empty_text = empty_text
    every = [value for _name, values in series for value in values]
    low, high = _scale(every)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    groups = max(len(labels), 1)
    group_w = inner_w / groups
    bar_w = group_w * Decimal("0.8") / max(len(series), 1)
    zero_y = TOP + inner_h * high / (high - low)
    bars = []
    for g in range(len(labels)):
        for s, (_name, values) in enumerate(series):
            value = values[g]
            y = TOP + inner_h * (high - max(value, Decimal(0))) / (high - low)
            h = inner_h * abs(value) / (high - low)
            x = LEFT + group_w * g + group_w * Decimal("0.1") + bar_w * s
            bars.append({"x": _px(x), "y": _px(y), "w": _px(bar_w), "h": _px(h), "css": f"series-{s + 1}",
                         "label": labels[g], "value": value})
    chart.geometry = {"bars": bars, "zero_y": _px(zero_y), "high": high, "low": low}
    return chart


def hbar_chart(title: str, rows: list[tuple[str, Decimal]], *, slug: str, unit: str = "money", csv_url=None,
               empty_text: str | None = None) -> Chart:
    """Horizontal bars, largest first (e.g. top items by value)."""
    chart = Chart(title, "hbars", [name for name, _ in rows], [{"name": title, "values": [v for _, v in rows],
                                                                 "css": "series-1"}],
                  unit=unit, slug=slug, csv_url=csv_url)
    if empty_text:
        chart.empty_text = empty_text
    high = max([Decimal(0), *[v for _, v in rows]]) or Decimal(1)
    row_h = Decimal(28)
    bars = []
    for index, (name, value) in enumerate(rows):
        w = (WIDTH - Decimal(280)) * max(value, Decimal(0)) / high  # 80 px left for the value text
        bars.append({"y": _px(row_h * index + 4), "w": _px(w), "label": name, "value": value,
                     "text_y": _px(row_h * index + 19), "value_x": _px(Decimal(200) + w + 4)})
    chart.geometry = {"bars": bars, "height": _px(row_h * max(len(rows), 1) + 8)}
    return chart
