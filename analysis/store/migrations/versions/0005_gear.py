"""The shoes (gear) each activity was done in, as its source names them.

Revision ID: 0005_gear
Revises: 0004_squad
Create Date: 2026-12-04

Activities stored before this revision have no gear recorded (empty, as for files that
name none).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_gear"
down_revision = "0004_squad"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("activities", sa.Column("gear", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("gear")
