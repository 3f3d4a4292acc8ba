"""Bulk INSERT of a validated frame: COPY on PostgreSQL, driver ``executemany`` on SQLite."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.exc import IntegrityError

__all__ = ["insert_frame"]

# How SQLAlchemy's SQLite DATETIME type stores values, so that it parses them back.
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def _column(series: pd.Series, dialect: str) -> list[Any]:
    """Driver-ready values: None for missing, naive-UTC datetimes (text on SQLite)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        missing = series.isna().to_numpy()
        if dialect == "sqlite":
            values = series.dt.strftime(_SQLITE_DATETIME).to_numpy(dtype=object, copy=True)
        else:
            values = np.array(series.dt.to_pydatetime(), dtype=object)
        values[missing] = None
        return values.tolist()
    if pd.api.types.is_integer_dtype(series.dtype):
        return [int(v) for v in series.to_numpy()]
    # Floats and text alike: pandas' missing markers (NaN, NA, None) become SQL NULL.
    values = series.to_numpy(dtype=object, copy=True)
    values[series.isna().to_numpy()] = None
    return values.tolist()


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame) -> None:
    """INSERT every row of ``frame`` (columns named as ``table``'s) on ``connection``.

    Runs inside the connection's current transaction. Tables with JSON columns go through
    SQLAlchemy's own ``executemany``; the others skip its per-row type processing, which
    dominates the time of a large import: PostgreSQL gets ``COPY ... FROM STDIN``, SQLite one
    driver-level ``executemany`` with values already in the form SQLAlchemy stores them.
    """
    if frame.empty:
        return
    names = [str(c) for c in frame.columns]
    unknown = [n for n in names if n not in table.c]
    if unknown:
        raise ValueError(f"columns {unknown} are not columns of table {table.name!r}")
    if any(isinstance(table.c[n].type, JSON) for n in names):
        records = cast(list[dict[str, Any]], frame.to_dict("records"))
        connection.execute(insert(table), records)
        return
    dialect = connection.dialect.name
    columns = [_column(frame[n], dialect) for n in names]
    rows = list(zip(*columns, strict=True))
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
    name = connection.dialect.identifier_preparer.format_table(table)
    if dialect == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        statement = f"COPY {name} ({quoted}) FROM STDIN"
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except connection.dialect.loaded_dbapi.IntegrityError as exc:
            raise IntegrityError(statement, None, exc) from exc
        return
    marks = ", ".join("?" for _ in names)
    connection.exec_driver_sql(f"INSERT INTO {name} ({quoted}) VALUES ({marks})", rows)
