"""CSV import API (API.md, "Control tower"): items, stock and sales files, checked before anything is written."""
