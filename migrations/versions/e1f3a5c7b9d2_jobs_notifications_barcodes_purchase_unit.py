"""background jobs, notifications (digest, alert e-mails), barcodes on items and SKUs, lot purchase unit

Revision ID: e1f3a5c7b9d2
Revises: d8b2e4f6a7c9
Create Date: 2026-11-28 22:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = "e1f3a5c7b9d2"
down_revision = "d8b2e4f6a7c9"
branch_labels = None
depends_on = None


def _org_fk(table):
    return sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                   name=op.f(f"fk_{table}_organization_id_organizations"), ondelete="CASCADE")


def _normalise_sku_barcodes():
    """Blank → NULL, spaces removed; a barcode repeated inside one organization is kept on its first SKU only
    (the barcode field was unused until now; uniqueness per organization starts here)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, organization_id, barcode FROM skus WHERE barcode IS NOT NULL "
                                "ORDER BY organization_id, id")).fetchall()
    seen = set()
    for sku_id, org_id, barcode in rows:
        value = "".join(barcode.split()) or None
        if value is not None and (org_id, value) in seen:
            value = None
        if value is not None:
            seen.add((org_id, value))
        if value != barcode:
            conn.execute(sa.text("UPDATE skus SET barcode = :value WHERE id = :id"), {"value": value, "id": sku_id})


def upgrade():
    op.create_table(
        "background_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_background_jobs_created_by_id_users"),
                                ondelete="SET NULL"),
        _org_fk("background_jobs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_jobs")),
    )
    with op.batch_alter_table("background_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_background_jobs_org_created", ["organization_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_background_jobs_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "digest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        _org_fk("digest_deliveries"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_digest_deliveries_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_deliveries")),
        sa.UniqueConstraint("organization_id", "user_id", "period", name="uq_digest_deliveries_period"),
    )
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_deliveries_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_digest_deliveries_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=True),
        sa.Column("alert_types", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("notification_preferences"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_preferences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preferences")),
        sa.UniqueConstraint("organization_id", "user_id", name="uq_notification_preferences_user"),
    )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_preferences_organization_id"), ["organization_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_notification_preferences_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True))
    # Alerts that exist before alert e-mails do are not news: the first `send-alerts` mails only new ones.
    op.execute("UPDATE alerts SET emailed_at = opened_at")

    with op.batch_alter_table("inventory_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("barcode", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_inventory_items_org_barcode", ["organization_id", "barcode"])

    with op.batch_alter_table("inventory_lots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purchase_unit", sa.String(length=40), nullable=True))

    _normalise_sku_barcodes()
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_skus_org_barcode", ["organization_id", "barcode"])


def downgrade():
    with op.batch_alter_table("skus", schema=None) as batch_op:
        batch_op.drop_constraint("uq_skus_org_barcode", type_="unique")
    with op.batch_alter_table("inventory_lots", schema=None) as batch_op:
        batch_op.drop_column("purchase_unit")
    with op.batch_alter_table("inventory_items", schema=None) as batch_op:
        batch_op.drop_constraint("uq_inventory_items_org_barcode", type_="unique")
        batch_op.drop_column("barcode")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_column("emailed_at")
    op.drop_table("notification_preferences")
    op.drop_table("digest_deliveries")
    op.drop_table("background_jobs")
