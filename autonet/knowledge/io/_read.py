"""Reading operator tables (CSV or Parquet) and parsing their columns, collecting row errors."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from autonet.knowledge.io.errors import ImportValidationError, RowError

__all__ = ["Table", "check_columns", "read_table"]

_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass
class Table:
    """A file's records, all columns kept, plus the errors found so far."""

    frame: pd.DataFrame
    source: str
    file_format: str  # "csv" or "parquet"
    errors: list[RowError] = field(default_factory=list)

    @property
    def has_lines(self) -> bool:
        return self.file_format == "csv"

    def add(self, index: np.ndarray | Sequence[int], column: str, reason: str) -> None:
        """Record ``reason`` for column ``column`` at 0-based record positions ``index``."""
        if len(index) == 0:
            return
        values = self.frame[column].to_numpy()
        for i in np.asarray(index, dtype=np.int64).tolist():
            self.errors.append(
                RowError(
                    row=i + 1,
                    field=column,
                    value=_text(values[i]),
                    reason=reason,
                    line=i + 2 if self.has_lines else None,
                )
            )

    def add_one(self, i: int, column: str | None, value: str | None, reason: str) -> None:
        self.errors.append(
            RowError(i + 1, column, value, reason, i + 2 if self.has_lines else None)
        )

    def raise_if_errors(self) -> None:
        if self.errors:
            self.errors.sort(key=lambda e: (e.row if e.row is not None else -1, e.field or ""))
            raise ImportValidationError(self.source, self.errors)

    # Column parsers: each returns clean values (NaN/NaT/"" where missing) and records errors.

    def text(self, column: str, *, required: bool = True, max_len: int = 200) -> np.ndarray:
        text = self.frame[column].astype("string").str.strip().fillna("")
        values = text.to_numpy(dtype=object)
        if required:
            self.add(np.flatnonzero(values == ""), column, "missing value: a name is required")
        too_long = np.flatnonzero((text.str.len() > max_len).to_numpy())
        self.add(too_long, column, f"longer than {max_len} characters")
        return values

    def number(self, column: str, *, required: bool = True, minimum: float | None = None):
        raw = self.frame[column]
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw):
            values = raw.to_numpy(dtype=float, na_value=np.nan, copy=True)
            missing = np.isnan(values)
        else:
            text = raw.astype("string").str.strip().fillna("")
            missing = (text == "").to_numpy()
            values = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
            bad = np.isnan(values) & ~missing
            bad_text = text.str.lower().isin(["nan", "na", "null", "none", "n/a"]).to_numpy()
            self.add(np.flatnonzero(bad & ~bad_text), column, "not a number")
            self.add(np.flatnonzero(bad_text), column, "NaN/NA is not a value: remove the row")
        if required:
            self.add(np.flatnonzero(missing), column, "missing value: a number is required")
        infinite = np.flatnonzero(np.isinf(values))
        self.add(infinite, column, "not a finite number")
        if minimum is not None:
            with np.errstate(invalid="ignore"):
                low = np.flatnonzero(values < minimum)
            self.add(low, column, f"below the minimum {minimum:g}")
        values[np.isinf(values)] = np.nan
        return values

    def time(self, column: str, *, required: bool = True) -> np.ndarray:
        """Times as naive-UTC ``datetime64[ns]``: ISO 8601 text (zone converted to UTC, none =
        UTC), numeric epoch seconds, or a Parquet timestamp column."""
        raw = self.frame[column]
        reason = "not a time: expected ISO 8601 (e.g. 2026-11-22T10:00:00Z) or epoch seconds"
        if pd.api.types.is_datetime64_any_dtype(raw.dtype):
            parsed = pd.to_datetime(raw, utc=True)
            missing = parsed.isna().to_numpy()
            bad = np.zeros(len(raw), bool)
        else:
            if pd.api.types.is_numeric_dtype(raw.dtype):
                seconds = raw.to_numpy(dtype=float, na_value=np.nan, copy=True)
                missing = np.isnan(seconds)
                is_number = ~missing
            else:
                text = raw.astype("string").str.strip().fillna("")
                missing = (text == "").to_numpy()
                seconds = pd.to_numeric(text.where(~missing, None), errors="coerce").to_numpy(
                    dtype=float, na_value=np.nan
                )
                is_number = ~np.isnan(seconds)
            out_of_range = is_number & ~(np.abs(np.nan_to_num(seconds)) < 1e11)
            self.add(np.flatnonzero(out_of_range), column, "epoch seconds out of range")
            is_number &= ~out_of_range
            parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
            if is_number.any():
                parsed[is_number] = pd.to_datetime(seconds[is_number], unit="s", utc=True)
            is_text = ~missing & ~is_number & ~out_of_range
            if is_text.any():
                text_values = raw[is_text].astype("string").str.strip()
                parsed[is_text] = pd.to_datetime(
                    text_values, format="ISO8601", utc=True, errors="coerce"
                )
            bad = is_text & parsed.isna().to_numpy()
        self.add(np.flatnonzero(bad), column, reason)
        if required:
            self.add(np.flatnonzero(missing), column, "missing value: a time is required")
        return parsed.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _fail(source: str, reason: str, field_name: str | None = None) -> ImportValidationError:
    return ImportValidationError(source, [RowError(None, field_name, None, reason)])


def _csv_header(path: Path, source: str, delimiter: str) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            header = next(csv.reader(handle, delimiter=delimiter), None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise _fail(source, f"not a readable UTF-8 CSV file: {exc}") from exc
    if header is None or not any(name.strip() for name in header):
        raise _fail(source, "the file is empty: expected a header line and data rows")
    return [name.strip() for name in header]


def _ragged_rows(path: Path, width: int, delimiter: str) -> list[RowError]:
    errors = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        for index, record in enumerate(reader):
            if record and len(record) != width:
                errors.append(
                    RowError(
                        index + 1,
                        None,
                        delimiter.join(record)[:120],
                        f"has {len(record)} fields, the header has {width}",
                        reader.line_num,
                    )
                )
    return errors


def read_table(path: str | Path, *, columns_lower: bool = True) -> Table:
    """Read a CSV (``.csv``/``.tsv``/``.txt``) or Parquet file into a :class:`Table`.

    CSV values are read as text so that every bad value can be reported as written.

    Raises:
        FileNotFoundError: The file does not exist.
        ImportValidationError: Unknown format, empty file, unreadable or ragged rows,
            duplicate or blank column names, no data rows.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {source}")
    suffix = path.suffix.lower()
    if suffix in _PARQUET_SUFFIXES:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for corrupt files
            raise _fail(source, f"not a readable Parquet file: {exc}") from exc
        header = [str(c).strip() for c in frame.columns]
        file_format = "parquet"
    elif suffix in _CSV_SUFFIXES:
        delimiter = "\t" if suffix == ".tsv" else ","
        header = _csv_header(path, source, delimiter)
        try:
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding="utf-8-sig",
                sep=delimiter,
                skip_blank_lines=True,
            )
        except pd.errors.ParserError as exc:
            errors = _ragged_rows(path, len(header), delimiter)
            if errors:
                raise ImportValidationError(source, errors) from exc
            raise _fail(source, f"malformed CSV: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise _fail(source, f"not UTF-8 text: {exc}") from exc
        file_format = "csv"
    else:
        raise _fail(
            source,
            f"unknown file type {suffix or '(none)'!r}: expected one of "
            f"{', '.join(_CSV_SUFFIXES + _PARQUET_SUFFIXES)}",
        )
    if columns_lower:
        header = [name.lower() for name in header]
    blank = [i + 1 for i, name in enumerate(header) if not name]
    if blank:
        raise _fail(source, f"column(s) {blank} have no name in the header")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise _fail(source, f"duplicate column name(s) {duplicates}")
    frame.columns = pd.Index(header)
    if frame.empty:
        raise _fail(source, "no data rows after the header")
    return Table(frame=frame.reset_index(drop=True), source=source, file_format=file_format)


def check_columns(table: Table, *, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    """Refuse missing required columns and unknown columns, naming what is expected."""
    required, optional = list(required), list(optional)
    present = list(table.frame.columns)
    missing = [name for name in required if name not in present]
    unknown = [name for name in present if name not in required and name not in optional]
    expected = ", ".join(required) + (f" (optional: {', '.join(optional)})" if optional else "")
    errors = [
        RowError(None, name, None, f"required column is missing; expected columns: {expected}")
        for name in missing
    ]
    errors += [
        RowError(None, name, None, f"unknown column; expected columns: {expected}")
        for name in unknown
    ]
    if errors:
        raise ImportValidationError(table.source, errors)
