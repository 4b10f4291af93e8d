"""Traceability pages: lot search, the lot page with its forward and backward trace, recalls (routes.py);
the traceability JSON API (api.py)."""
