"""Row-level validation errors of operator data imports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from autonet.errors import BadInputError

__all__ = ["ImportValidationError", "RowError"]


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in an input file.

    Attributes:
        row: 1-based data record number (the header is not counted); None for a file-level
            problem such as a missing column.
        field: The column (or attribute) at fault, if any.
        value: The offending value as text, if any.
        reason: What is wrong and what is expected.
        line: The line of a CSV file (header = line 1), when known.
    """

    row: int | None
    field: str | None
    value: str | None
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        if self.field is not None:
            where.append(f"field {self.field!r}")
        head = ", ".join(where)
        value = f" value {self.value!r}:" if self.value is not None else ""
        return f"{head}:{value} {self.reason}" if head else f"{value} {self.reason}".strip()

    def as_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready mapping."""
        return asdict(self)


class ImportValidationError(BadInputError):
    """An input file was refused; nothing of it was written. Carries every problem found."""

    def __init__(self, source: str, errors: Sequence[RowError], *, shown: int = 5) -> None:
        self.source = source
        self.errors: list[RowError] = list(errors)
        lines = [str(error) for error in self.errors[:shown]]
        more = len(self.errors) - shown
        if more > 0:
            lines.append(f"... and {more} more")
        count = len(self.errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{source}: {count} {noun}, nothing imported:\n  " + "\n  ".join(lines))
