"""Where each activity's sport came from (the file, a guess, the runner) and why it was guessed.

Revision ID: 0003_ingest
Revises: 0002
Create Date: 2026-05-12

Activities stored before this revision whose warnings say the file named no sport were
guessed (by name or speed alone); they are marked so, for the runner to confirm.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_ingest"
down_revision = "0002"
branch_labels = None
depends_on = None

GUESSED = "warnings LIKE '%file names no sport%'"


def upgrade() -> None:
    op.add_column("activities", sa.Column("sport_source", sa.Text))
    op.add_column("activities", sa.Column("sport_reason", sa.Text))
    op.execute(f"UPDATE activities SET sport_source = CASE WHEN {GUESSED} THEN 'guessed' "
               "ELSE 'file' END, sport_reason = CASE WHEN "
               f"{GUESSED} THEN 'guessed from its name or speed (before reasons were kept)' "
               "ELSE '' END")


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("sport_reason")
        batch.drop_column("sport_source")
