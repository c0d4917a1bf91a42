"""Squad deployments: users with roles, squads with coaches and athletes, single-use
invitations, the audit log, and each athlete's research consent.

Revision ID: 0004_squad
Revises: 0003_ingest
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_squad"
down_revision = "0003_ingest"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("athletes") as batch:
        batch.add_column(sa.Column("research_consent", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("consent_changed_at", _utc()))
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("athlete_id", sa.Integer,
                  sa.ForeignKey("athletes.id", ondelete="SET NULL",
                                name=op.f("fk_users_athlete_id_athletes"))),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint("role IN ('athlete', 'coach', 'researcher', 'admin')",
                           name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("athlete_id", name=op.f("uq_users_athlete_id")),
    )
    op.create_table(
        "squads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_squads")),
        sa.UniqueConstraint("name", name=op.f("uq_squads_name")),
    )
    op.create_table(
        "squad_coaches",
        sa.Column("squad_id", sa.Integer,
                  sa.ForeignKey("squads.id", ondelete="CASCADE",
                                name=op.f("fk_squad_coaches_squad_id_squads"))),
        sa.Column("user_id", sa.Integer,
                  sa.ForeignKey("users.id", ondelete="CASCADE",
                                name=op.f("fk_squad_coaches_user_id_users"))),
        sa.PrimaryKeyConstraint("squad_id", "user_id", name=op.f("pk_squad_coaches")),
    )
    op.create_table(
        "squad_athletes",
        sa.Column("squad_id", sa.Integer,
                  sa.ForeignKey("squads.id", ondelete="CASCADE",
                                name=op.f("fk_squad_athletes_squad_id_squads"))),
        sa.Column("athlete_id", sa.Integer,
                  sa.ForeignKey("athletes.id", ondelete="CASCADE",
                                name=op.f("fk_squad_athletes_athlete_id_athletes"))),
        sa.Column("joined_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("squad_id", "athlete_id", name=op.f("pk_squad_athletes")),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_sha256", sa.Text, nullable=False),
        sa.Column("squad_id", sa.Integer,
                  sa.ForeignKey("squads.id", ondelete="CASCADE",
                                name=op.f("fk_invitations_squad_id_squads")),
                  nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("used_by", sa.Text),
        sa.Column("used_at", _utc()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_invitations_token_sha256")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("athlete_id", sa.Integer),
        sa.Column("athlete", sa.Text),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_at"), "audit_log")
    for table in ("audit_log", "invitations", "squad_athletes", "squad_coaches", "squads",
                  "users"):
        op.drop_table(table)
    with op.batch_alter_table("athletes") as batch:
        batch.drop_column("consent_changed_at")
        batch.drop_column("research_consent")
