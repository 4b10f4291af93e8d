"""Locations and transfers pages (filled in below)."""
from __future__ import annotations
