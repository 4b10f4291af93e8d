"""Purchase-order pages (list, detail with line editing, send, cancel, receive, print view, CSV)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("purchasing", __name__)
