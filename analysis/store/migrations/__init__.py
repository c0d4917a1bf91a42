"""Alembic migrations of the kneeload database (run through analysis.store.engine.upgrade)."""
