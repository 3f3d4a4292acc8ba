"""Alembic revisions of the memory database."""
