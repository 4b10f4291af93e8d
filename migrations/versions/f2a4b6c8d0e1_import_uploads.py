"""import uploads: a checked CSV file waiting for its confirmation

Revision ID: f2a4b6c8d0e1
Revises: e1f3a5c7b9d2
Create Date: 2026-11-28 23:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = "f2a4b6c8d0e1"
down_revision = "e1f3a5c7b9d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_count", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"],
                                name=op.f("fk_import_uploads_organization_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_import_uploads_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_uploads")),
    )
    with op.batch_alter_table("import_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_uploads_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_uploads_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_uploads_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("import_uploads")
