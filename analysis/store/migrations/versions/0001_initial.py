"""First schema: athletes, activities, samples, pain entries, import log.

Revision ID: 0001
Revises:
Create Date: 2026-05-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


# The canonical activity columns (analysis.schema) as they were at this revision.
ACTIVITY_COLUMNS = (
    ("activity_id", sa.Text), ("source_file", sa.Text), ("source_format", sa.Text),
    ("origin", sa.Text), ("name", sa.Text), ("sport", sa.Text), ("sport_raw", sa.Text),
    ("start_time", _utc), ("local_date", sa.Date), ("utc_offset_min", sa.Double),
    ("tz_name", sa.Text), ("tz_source", sa.Text), ("distance_m", sa.Double),
    ("elapsed_time_s", sa.Double), ("moving_time_s", sa.Double),
    ("elevation_gain_m", sa.Double), ("elevation_loss_m", sa.Double),
    ("elevation_source", sa.Text), ("elevation_method", sa.Text),
    ("downhill_5pct_m", sa.Double), ("downhill_10pct_m", sa.Double),
    ("avg_cadence_spm", sa.Double), ("cadence_source", sa.Text), ("cadence_unit_in", sa.Text),
    ("cadence_factor", sa.Double), ("avg_heart_rate_bpm", sa.Double),
    ("max_heart_rate_bpm", sa.Double), ("n_samples", sa.Integer), ("device", sa.Text),
    ("warnings", sa.Text),
)


def upgrade() -> None:
    op.create_table(
        "athletes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("tz", sa.Text),
        sa.Column("units", sa.Text, nullable=False, server_default="km"),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint("units IN ('km', 'mi')", name=op.f("ck_athletes_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_athletes")),
        sa.UniqueConstraint("name", name=op.f("uq_athletes_name")),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("athlete_id", sa.Integer, nullable=False),
        *(sa.Column(name, kind(), nullable=name not in ("activity_id", "start_time"))
          for name, kind in ACTIVITY_COLUMNS),
        sa.Column("imported_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name=op.f("fk_activities_athlete_id_athletes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint("athlete_id", "activity_id",
                            name=op.f("uq_activities_athlete_id_activity_id")),
    )
    op.create_index(op.f("ix_activities_athlete_id_start_time"), "activities",
                    ["athlete_id", "start_time"])
    op.create_table(
        "samples",
        sa.Column("activity_pk", sa.Integer, nullable=False),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(["activity_pk"], ["activities.id"], ondelete="CASCADE",
                                name=op.f("fk_samples_activity_pk_activities")),
        sa.PrimaryKeyConstraint("activity_pk", name=op.f("pk_samples")),
    )
    op.create_table(
        "pain_entries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("side", sa.Text),
        sa.Column("timing", sa.Text),
        sa.Column("provokers", sa.Text, nullable=False, server_default=""),
        sa.Column("activity_id", sa.Text),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name=op.f("ck_pain_entries_score")),
        sa.CheckConstraint("side IN ('left', 'right', 'both')",
                           name=op.f("ck_pain_entries_side")),
        sa.CheckConstraint("timing IN ('during_run', 'after_run', 'next_morning', "
                           "'daily_worst')", name=op.f("ck_pain_entries_timing")),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name=op.f("fk_pain_entries_athlete_id_athletes")),
        sa.ForeignKeyConstraint(
            ["athlete_id", "activity_id"], ["activities.athlete_id", "activities.activity_id"],
            name=op.f("fk_pain_entries_athlete_id_activity_id_activities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_entries")),
    )
    op.create_index(op.f("ix_pain_entries_athlete_id_date"), "pain_entries",
                    ["athlete_id", "date"])
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("athlete_id", sa.Integer, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("sha256", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("new_activities", sa.Integer, nullable=False, server_default="0"),
        sa.Column("imported_at", _utc(), nullable=False),
        sa.CheckConstraint("status IN ('imported', 'duplicate', 'failed', 'empty')",
                           name=op.f("ck_import_log_status")),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE",
                                name=op.f("fk_import_log_athlete_id_athletes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_log")),
    )
    op.create_index(op.f("ix_import_log_athlete_id_sha256"), "import_log",
                    ["athlete_id", "sha256"])


def downgrade() -> None:
    for table in ("import_log", "pain_entries", "samples", "activities", "athletes"):
        op.drop_table(table)
