"""Alembic environment: run the hub's revisions on the connection `migrate` gives."""

from __future__ import annotations

from alembic import context

from sync.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through sync.store.db.migrate(engine); "
        "this environment has no URL of its own"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
