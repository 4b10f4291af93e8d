"""Column helpers: quantities and money are exact Decimals (Numeric), times are aware UTC."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import BigInteger, DateTime, Numeric, String, TypeDecorator
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

QUANTITY_SCALE = 6
COST_SCALE = 10
MONEY_SCALE = 10

SQLITE_INTEGER_MAX = 2**63 - 1


class ExactDecimal(TypeDecorator):
    """NUMERIC(precision, scale) on PostgreSQL; on SQLite, which keeps NUMERIC as a binary float, the value
    times 10**scale as a 64-bit integer, so both databases hold the same digits and SQL sums and
    comparisons stay exact. (A value too large for 64 bits, far beyond any maker's numbers, is stored as
    its integer text and SQLite keeps it approximately instead of refusing it.)"""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int):
        super().__init__(precision, scale, asdecimal=True)
        self.scale = scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.impl.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name != "sqlite":
            return value
        scaled = int(Decimal(value).scaleb(self.scale).to_integral_value(ROUND_HALF_EVEN))
        return scaled if -SQLITE_INTEGER_MAX <= scaled <= SQLITE_INTEGER_MAX else str(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name != "sqlite":
            return value
        if isinstance(value, float):  # only beyond 64 bits (see above)
            value = Decimal(repr(value)).to_integral_value()
        return Decimal(value).scaleb(-self.scale)

    def coerce_compared_value(self, op, value):
        return self


class ExactText(TypeDecorator):
    """NUMERIC on PostgreSQL; decimal text on SQLite (for unit factors, which need 18 places and are
    never summed)."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int):
        super().__init__(precision, scale, asdecimal=True)
        self.scale = scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(self.impl.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name != "sqlite":
            return value
        return str(Decimal(value).quantize(Decimal(1).scaleb(-self.scale), ROUND_HALF_EVEN).normalize())

    def process_result_value(self, value, dialect):
        if value is None or dialect.name != "sqlite":
            return value
        return Decimal(str(value))


Quantity = ExactDecimal(28, QUANTITY_SCALE)
UnitCost = ExactDecimal(28, COST_SCALE)
Money = ExactDecimal(28, MONEY_SCALE)
Factor = ExactText(38, 18)

QUANTUM = Decimal(1).scaleb(-QUANTITY_SCALE)
COST_QUANTUM = Decimal(1).scaleb(-COST_SCALE)
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the one clock every module uses)."""
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


class _DecimalResult(TypeDecorator):
    """The result of exact_product_sum(): Decimal on every backend (SQLite answers decimal text)."""

    impl = String
    cache_ok = True

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(str(value))


class exact_product_sum(FunctionElement):
    """SUM(a * b) of two exact-decimal columns, exact on SQLite too (a Python aggregate over the scaled
    integers, registered by app.database), plain SQL SUM on PostgreSQL."""

    type = _DecimalResult()
    inherit_cache = True
    name = "exact_product_sum"


@compiles(exact_product_sum)
def _compile_product_sum(element, compiler, **kw):
    left, right = list(element.clauses)
    return f"sum({compiler.process(left, **kw)} * {compiler.process(right, **kw)})"


@compiles(exact_product_sum, "sqlite")
def _compile_product_sum_sqlite(element, compiler, **kw):
    left, right = list(element.clauses)
    scale = left.type.scale + right.type.scale
    return f"exact_product_sum({compiler.process(left, **kw)}, {compiler.process(right, **kw)}, {scale})"


class ExactProductSum:
    """SQLite aggregate behind exact_product_sum(): Σ a×b over scaled integers, answered as decimal text."""

    def __init__(self):
        self.total = 0
        self.scale = 0
        self.seen = False

    def step(self, left, right, scale):
        if left is None or right is None:
            return
        self.total += _as_int(left) * _as_int(right)
        self.scale = scale
        self.seen = True

    def finalize(self):
        return str(Decimal(self.total).scaleb(-self.scale)) if self.seen else None


def _as_int(value) -> int:
    if isinstance(value, float):
        return int(Decimal(repr(value)))
    return int(value)


class ordering_product_sum(FunctionElement):
    """SUM(a * b) for ORDER BY only: on SQLite a float total (scaled integers would overflow SUM), on
    PostgreSQL the exact sum. Never shown; exact_product_sum() is for figures."""

    type = Numeric()
    inherit_cache = True
    name = "ordering_product_sum"


@compiles(ordering_product_sum)
def _compile_ordering_sum(element, compiler, **kw):
    left, right = list(element.clauses)
    return f"sum({compiler.process(left, **kw)} * {compiler.process(right, **kw)})"


@compiles(ordering_product_sum, "sqlite")
def _compile_ordering_sum_sqlite(element, compiler, **kw):
    left, right = list(element.clauses)
    return f"total(CAST({compiler.process(left, **kw)} AS REAL) * {compiler.process(right, **kw)})"
