"""Integrations with outside services: a shop's orders as lot-aware sales (shopify) and the AI recipe assistant
(assistant). `from app.services.integrations import shopify, assistant` — each module's public verbs."""
from __future__ import annotations

from . import assistant, shopify

__all__ = ["assistant", "shopify"]
