"""Pages of query results for every list (HTML and API): two queries, the rows and the total."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..extensions import db
from .errors import ValidationFailed

MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def page_args(page, per_page) -> tuple[int, int]:
    """Validated (page, per_page): whole numbers, page ≥ 1, 1 ≤ per_page ≤ 200."""
    try:
        page = max(1, int(page))
        per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    except (TypeError, ValueError):
        raise ValidationFailed("Page numbers are whole numbers.", fields={"page": "Whole number."}) from None
    return page, per_page


def paginate(stmt, count_stmt, page, per_page) -> Page:
    """Run a page of `stmt` (scalars) and the total from `count_stmt`: two queries."""
    page, per_page = page_args(page, per_page)
    total = db.session.scalar(count_stmt) or 0
    rows = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=rows, total=total, page=page, per_page=per_page)
