"""Alembic migrations of the memory database (package data, run by init_db)."""
