"""Alembic environment: the URL comes from ``config.attributes`` set by migrate.py."""

from __future__ import annotations

from alembic import context

from switchdesk.adapters.db import live_tables  # noqa: F401 - registers its tables
from switchdesk.adapters.db.engine import make_engine
from switchdesk.adapters.db.tables import metadata

config = context.config
engine = make_engine(config.attributes["database_url"])
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
finally:
    engine.dispose()
