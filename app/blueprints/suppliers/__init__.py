"""Supplier pages."""
