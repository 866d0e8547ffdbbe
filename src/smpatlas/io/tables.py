"""Tables: what every reader gives, and the problems of reading.

Owns :class:`Table` (where the rows came from, the header, the rows with the
row numbers a person sees), :class:`FileError` (a file that cannot be read at
all, with a message for a person), :class:`CellProblem` (one cell that cannot
be read as a value) and the check, shared by CSV and XLSX, that refuses a
title above the header. Opens no file: that is :mod:`readers` (CSV, JSON) and
:mod:`workbooks` (XLSX), which import this module; it imports neither. Knows
nothing of the codebook or databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class FileError(Exception):
    """A file that cannot be read at all (becomes a file-level Problem)."""

    def __init__(self, message: str, hint: str | None = None, row: int | None = None, code: str = "file") -> None:
        super().__init__(message)
        self.message, self.hint, self.row, self.code = message, hint, row, code
        #: The XLSX sheet the problem is in, once one was chosen (None for CSV and JSON).
        self.sheet: str | None = None


class CellProblem(NamedTuple):
    """A cell that cannot be read as a value (reported by the importer at its row and column).

    ``block``, when the problem stands for more cells than its own (merged cells), is that block as (first row,
    first column, last row, last column), rows as numbered in the sheet and columns 0-based: the importer
    reports nothing more of those cells being empty.
    """

    row: int
    column: int  # 0-based index in the header
    message: str
    hint: str
    code: str
    block: tuple[int, int, int, int] | None = None

    def covers(self, row: int, column: int) -> bool:
        """Whether the cell at ``row`` (as numbered in the sheet) and ``column`` (0-based) is one it stands for."""
        r0, c0, r1, c1 = self.block or (self.row, self.column, self.row, self.column)
        return r0 <= row <= r1 and c0 <= column <= c1


@dataclass
class Table:
    """One sheet or file of rows.

    ``rows`` yields ``(row_number, cells)``: a list of cells in header order for
    tabular files, or a dict keyed by field for JSON records (``keyed``).
    """

    file: str
    sheet: str | None
    header: list[str]
    rows: Iterator[tuple[int, Any]]
    keyed: bool = False
    size: int = 0
    #: Cells that cannot be read as values.
    cell_problems: list[CellProblem] = field(default_factory=list)
    position: Any = field(default=None, repr=False)  # () -> bytes read so far
    #: What the reader chose that the person should know (a cover sheet passed over): reported as warnings.
    notes: list[CellProblem] = field(default_factory=list)


def _lone_title(header: list[Any]) -> bool:
    """True when row 1 has exactly one filled cell (not an ignored '#' column): perhaps a title, not a header."""
    filled = [str(h).strip() for h in header if h is not None and str(h).strip()]
    return len(filled) == 1 and not filled[0].startswith("#")


def _check_title_row(header: list[Any], following: list[tuple[int, list[Any]]]) -> None:
    """Refuse a title above the header: row 1 holds one cell and row 2 or 3 a row of column names."""
    title = next(str(h).strip() for h in header if h is not None and str(h).strip())
    for n, cells in following:
        if n > 3:
            break
        names = [c for c in cells if isinstance(c, str) and c.strip()]
        others = [c for c in cells if not isinstance(c, str) and c is not None]
        if len(names) >= 3 and not others:
            raise FileError(
                f"the header must be in row 1; row {n} looks like the header ({len(names)} column names such as "
                f"{names[0].strip()!r}), and row 1 holds only {title[:60]!r}",
                hint=f"delete the row{'s' if n > 2 else ''} above row {n} so that the column names are in row 1",
                row=1, code="no_header",
            )
