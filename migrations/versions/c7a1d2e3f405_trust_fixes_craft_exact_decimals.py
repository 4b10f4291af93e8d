"""trust fixes, craft tools, exact decimals on SQLite

- idempotency_keys (Idempotency-Key on creating API POSTs)
- inventory_items.allow_fractions (count units take whole numbers unless allowed)
- inventory_lots.public_token (the label QR's public lot page), filled for existing lots
- inventory_lots.hold_until: an instant → a calendar date in the organization's time zone
- global_items.iodine / ins / source, recipes.calculator_inputs (craft calculators)
- SQLite only: quantities and money rewritten as scaled integers, unit factors as decimal text
  (models.types.ExactDecimal / ExactText); PostgreSQL keeps NUMERIC as it is.

Revision ID: c7a1d2e3f405
Revises: b5e62bb7c337
Create Date: 2026-11-28 20:30:00
"""
import secrets
from datetime import datetime, time, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "c7a1d2e3f405"
down_revision = "b5e62bb7c337"
branch_labels = None
depends_on = None

# (table, column, scale) of every exact-decimal column at this revision.
EXACT_COLUMNS = [
    ("batch_consumptions", "quantity", 6), ("batch_consumptions", "unit_cost", 10), ("batch_consumptions", "cost", 10),
    ("batch_outputs", "quantity", 6), ("batch_outputs", "unit_cost", 10),
    ("batches", "scale", 6), ("batches", "planned_yield", 6), ("batches", "yield_quantity", 6),
    ("batches", "waste_quantity", 6), ("batches", "yield_variance", 6), ("batches", "input_cost", 10),
    ("batches", "container_cost", 10), ("batches", "loss_cost", 10),
    ("global_items", "density", 6), ("global_items", "sap_naoh", 6), ("global_items", "sap_koh", 6),
    ("global_items", "capacity", 6),
    ("inventory_events", "quantity", 6), ("inventory_events", "unit_cost", 10),
    ("inventory_items", "quantity", 6), ("inventory_items", "density", 6), ("inventory_items", "reorder_point", 6),
    ("inventory_items", "safety_stock", 6), ("inventory_items", "capacity", 6),
    ("inventory_lots", "original_quantity", 6), ("inventory_lots", "remaining_quantity", 6),
    ("inventory_lots", "unit_cost", 10),
    ("item_unit_mappings", "quantity", 6),
    ("recipe_lines", "quantity", 6), ("recipe_lines", "percent", 6),
    ("recipe_versions", "yield_quantity", 6), ("recipe_versions", "base_quantity", 6),
    ("recipes", "superfat_pct", 6), ("recipes", "water_pct", 6), ("recipes", "fragrance_load_pct", 6),
    ("reservations", "quantity", 6),
    ("sale_consumptions", "quantity", 6), ("sale_consumptions", "unit_cost", 10), ("sale_consumptions", "cost", 10),
    ("sale_consumptions", "returned_quantity", 6),
    ("sales", "quantity", 6), ("sales", "unit_price", 10), ("sales", "revenue", 10), ("sales", "cogs", 10),
    ("sales", "margin", 10), ("sales", "returned_quantity", 6), ("sales", "returned_revenue", 10),
    ("sales", "returned_cogs", 10),
    ("skus", "retail_price", 10), ("skus", "wholesale_price", 10),
    ("subscription_tiers", "monthly_price", 10),
]


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_idempotency_keys_organization_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_idempotency_keys_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("organization_id", "key", name="uq_idempotency_keys_organization_key"),
    )
    op.create_index(op.f("ix_idempotency_keys_organization_id"), "idempotency_keys", ["organization_id"])

    with op.batch_alter_table("global_items") as batch:
        batch.add_column(sa.Column("iodine", sa.Numeric(precision=28, scale=6), nullable=True))
        batch.add_column(sa.Column("ins", sa.Numeric(precision=28, scale=6), nullable=True))
        batch.add_column(sa.Column("source", sa.String(length=255), nullable=True))
    with op.batch_alter_table("recipes") as batch:
        batch.add_column(sa.Column("calculator_inputs", sa.JSON(), nullable=True))
    with op.batch_alter_table("inventory_items") as batch:
        batch.add_column(sa.Column("allow_fractions", sa.Boolean(), server_default=sa.false(), nullable=False))

    # Lots: a public token each, and hold_until as the calendar date it was meant to be.
    with op.batch_alter_table("inventory_lots") as batch:
        batch.add_column(sa.Column("public_token", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("hold_until_date", sa.Date(), nullable=True))
    lots = sa.table("inventory_lots", sa.column("id", sa.Integer), sa.column("public_token", sa.String),
                    sa.column("hold_until", sa.DateTime(timezone=True)), sa.column("hold_until_date", sa.Date),
                    sa.column("organization_id", sa.Integer))
    zones = dict(bind.execute(sa.text("SELECT id, timezone FROM organizations")).all())
    for lot_id, org_id, hold_until in bind.execute(sa.select(lots.c.id, lots.c.organization_id, lots.c.hold_until)):
        bind.execute(lots.update().where(lots.c.id == lot_id).values(
            public_token=secrets.token_urlsafe(16), hold_until_date=_hold_date(hold_until, zones.get(org_id))))
    with op.batch_alter_table("inventory_lots") as batch:
        batch.drop_column("hold_until")
    with op.batch_alter_table("inventory_lots") as batch:
        batch.alter_column("hold_until_date", new_column_name="hold_until")
        batch.alter_column("public_token", existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(op.f("uq_inventory_lots_public_token"), ["public_token"])

    if sqlite:
        _sqlite_exact_decimals(bind)


def _hold_date(value, zone_name):
    """A hold typed as a date was stored as that date's UTC midnight: keep it. Any other instant becomes
    its date in the organization's zone, one day later when not at local midnight (a hold never ends earlier)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    if value.time() == time(0):
        return value.date()
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except Exception:
        zone = ZoneInfo("UTC")
    local = value.astimezone(zone)
    return local.date() + (timedelta(days=1) if local.time() != time(0) else timedelta(0))


def _sqlite_exact_decimals(bind):
    """Rewrite SQLite's binary-float NUMERIC values as exact scaled integers, and unit factors as text."""
    for table, column, scale in EXACT_COLUMNS:
        rows = bind.execute(sa.text(f'SELECT id, "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL')).all()
        for row_id, value in rows:
            exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
            scaled = int(exact.scaleb(scale).to_integral_value(ROUND_HALF_EVEN))
            bind.execute(sa.text(f'UPDATE "{table}" SET "{column}" = :v WHERE id = :id'), {"v": scaled, "id": row_id})
    factors = bind.execute(sa.text("SELECT id, factor FROM units")).all()
    with op.batch_alter_table("units") as batch:
        batch.alter_column("factor", existing_type=sa.Numeric(precision=38, scale=18), type_=sa.String(length=64),
                           existing_nullable=False)
    for row_id, value in factors:
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
        bind.execute(sa.text("UPDATE units SET factor = :v WHERE id = :id"),
                     {"v": str(exact.normalize()), "id": row_id})


def downgrade():
    raise NotImplementedError("This revision rewrites stored values; restore a backup to go back.")
