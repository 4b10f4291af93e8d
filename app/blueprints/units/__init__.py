"""Unit manager pages (the JSON endpoints live in api.py)."""
