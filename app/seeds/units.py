"""The global units every organization shares: (symbol, label, dimension, factor to the base unit).

Bases: g (weight), mL (volume), each (count), m (length). Factors are exact by definition
(1 lb = 453.59237 g, 1 US fl oz = 29.5735295625 mL); a drop is the pharmacy convention of 0.05 mL.
"""
from __future__ import annotations

from decimal import Decimal

GLOBAL_UNITS: list[tuple[str, str, str, Decimal]] = [
    ("g", "gram", "weight", Decimal("1")),
    ("kg", "kilogram", "weight", Decimal("1000")),
    ("mg", "milligram", "weight", Decimal("0.001")),
    ("oz", "ounce", "weight", Decimal("28.349523125")),
    ("lb", "pound", "weight", Decimal("453.59237")),
    ("mL", "millilitre", "volume", Decimal("1")),
    ("L", "litre", "volume", Decimal("1000")),
    ("tsp", "teaspoon (US)", "volume", Decimal("4.92892159375")),
    ("tbsp", "tablespoon (US)", "volume", Decimal("14.78676478125")),
    ("fl oz", "fluid ounce (US)", "volume", Decimal("29.5735295625")),
    ("cup", "cup (US)", "volume", Decimal("236.5882365")),
    ("pint", "pint (US)", "volume", Decimal("473.176473")),
    ("quart", "quart (US)", "volume", Decimal("946.352946")),
    ("gallon", "gallon (US)", "volume", Decimal("3785.411784")),
    ("drop", "drop", "volume", Decimal("0.05")),
    ("each", "each", "count", Decimal("1")),
    ("dozen", "dozen", "count", Decimal("12")),
    ("pair", "pair", "count", Decimal("2")),
    ("m", "metre", "length", Decimal("1")),
    ("cm", "centimetre", "length", Decimal("0.01")),
    ("mm", "millimetre", "length", Decimal("0.001")),
    ("in", "inch", "length", Decimal("0.0254")),
    ("ft", "foot", "length", Decimal("0.3048")),
]
