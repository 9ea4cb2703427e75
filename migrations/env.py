"""Alembic environment: the URL comes from Settings, the metadata from agent_platform.models."""

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import agent_platform.models  # noqa: F401  (registers every table on the metadata)
from agent_platform.db import get_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Run migrations on a connection (given by the caller, or from the platform's engine)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    with get_engine().connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run_migrations_online()
