"""Craft tools: the public soap, candle and lotion calculators (pure Decimal arithmetic, no writes),
saving a calculation into a recipe draft, and the soap recipe lye check.

Modules: soap, candle, lotion (calculators), inputs (shared parsing), saving (save as recipe),
lye_check (does a soap recipe's lye still match its oils and superfat?).
"""
