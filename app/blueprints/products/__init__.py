"""Product pages: products, their variants and SKUs, and the lots each SKU holds (routes.py)."""
