"""Case-insensitive "contains" filters for the search boxes: one place escapes LIKE's wildcards."""
from __future__ import annotations

from sqlalchemy import or_


def contains(q, *columns):
    """`column ILIKE '%q%'` for any of `columns`, the user's %, _ and backslash taken literally (not as wildcards)."""
    pattern = "%" + str(q).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
