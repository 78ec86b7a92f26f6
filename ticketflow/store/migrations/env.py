"""Alembic environment: runs against the connection `ticketflow.store.migrate` hands it."""

from alembic import context

from ticketflow.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
