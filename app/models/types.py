"""Column helpers: quantities and money are exact Decimals (Numeric), times are aware UTC."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, TypeDecorator

QUANTITY_SCALE = 6
COST_SCALE = 10
MONEY_SCALE = 10

Quantity = Numeric(28, QUANTITY_SCALE, asdecimal=True)
UnitCost = Numeric(28, COST_SCALE, asdecimal=True)
Money = Numeric(28, MONEY_SCALE, asdecimal=True)
Factor = Numeric(38, 18, asdecimal=True)

QUANTUM = Decimal(1).scaleb(-QUANTITY_SCALE)
COST_QUANTUM = Decimal(1).scaleb(-COST_SCALE)
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
