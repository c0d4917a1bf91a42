"""Sport family on activities (duplicate matching) and a data version per athlete (caches).

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# analysis.store.matching.sport_family as it was at this revision.
FAMILY = ("CASE WHEN sport IN ('run', 'trail_run', 'treadmill_run') THEN 'run' "
          "WHEN sport IN ('walk', 'hike') THEN 'walk' WHEN sport = 'ride' THEN 'ride' "
          "ELSE 'other' END")


def upgrade() -> None:
    op.add_column("athletes", sa.Column("data_version", sa.Integer, nullable=False,
                                        server_default="0"))
    op.add_column("activities", sa.Column("sport_family", sa.Text, nullable=False,
                                          server_default="other"))
    op.execute(f"UPDATE activities SET sport_family = {FAMILY}")
    op.create_index(op.f("ix_activities_athlete_id_sport_family_start_time"), "activities",
                    ["athlete_id", "sport_family", "start_time"])


def downgrade() -> None:
    op.drop_index(op.f("ix_activities_athlete_id_sport_family_start_time"), "activities")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("sport_family")
    with op.batch_alter_table("athletes") as batch:
        batch.drop_column("data_version")
