"""Pricing, the billing page, Stripe Checkout/portal redirects (routes.py) and the Stripe webhook (api.py)."""
