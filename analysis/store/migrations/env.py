"""Alembic environment: migrations run on the connection kneeload hands over, or, from the
`alembic` command line (e.g. `revision --autogenerate`), on $KNEELOAD_DB or data/."""

from alembic import context
from sqlalchemy import Connection

from analysis.store.engine import make_engine
from analysis.store.models import metadata


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    with make_engine().begin() as connection:
        run(connection)
