"""Inventory pages (routes.py and friends) and the inventory JSON API (api.py)."""
