"""Sales pages (routes.py) and the sales, returns, reservations and products JSON API (api.py)."""
