"""Workbooks: XLSX files of partnerships as tables.

Owns opening an XLSX sheet as a :class:`~smpatlas.io.tables.Table`
(python-calamine, the fastest sound reader, for ordinary sheets; large sheets
streamed in flat memory by :mod:`sheetstream`): choosing the sheet (a title
above the header and sheet names in other capitals recognised), formula cells
detected in the sheet XML and refused in the columns that are read, Excel
error values and merged ranges among the data reported. Without ``--sheet``, a cover sheet in front
of the data (or an empty first sheet) is passed over. Hidden rows and columns are read like the others:
hiding (or filtering) is a view, not a deletion, and Excel's own "Save As CSV" writes them too. Reading problems
become :class:`~smpatlas.io.tables.FileError`. CSV, JSON and choosing a reader
by file type are :mod:`readers`'s; this module must not import it. Knows
nothing of the codebook or databases.
"""

from __future__ import annotations

import itertools
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from smpatlas.cells import restore
from smpatlas.io import sheetstream
from smpatlas.io.tables import CellProblem, FileError, Table, _check_title_row, _lone_title


def _xlsx(path: Path, sheet: str | None) -> Table:
    from python_calamine import CalamineWorkbook

    if not zipfile.is_zipfile(path):
        raise FileError("not a readable .xlsx file (it is not a zip archive; truncated or another format?)",
                        hint="open it in Excel and save it again as .xlsx", code="xlsx")
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        ws: Any = None
        cover: tuple[str, str] | None = None  # (sheet passed over, what it is: "cover" or "empty")
        if sheet is None:
            lowered = {n.lower(): n for n in names}
            sheet = lowered.get("partnerships")
            if sheet is None:
                sheet, ws, cover = _first_data_sheet(path, wb, names)
        sheet = _sheet_named(sheet, names)
        # A large sheet is streamed: don't let python-calamine load it whole (only to check it opens).
        if ws is None and not _streams(path, sheet):
            ws = wb.get_sheet_by_name(sheet)
    except FileError:
        raise
    except Exception as exc:  # calamine raises several types for broken files
        raise FileError(f"not a readable .xlsx file ({type(exc).__name__}: {exc})",
                        hint="open it in Excel and save it again as .xlsx", code="xlsx") from None
    try:
        table = _sheet_table(path, sheet, ws, names)
    except FileError as exc:
        exc.sheet = exc.sheet or sheet  # the report names the sheet read, also when it was not given
        raise
    if cover is not None:
        skipped, kind = cover
        said = "is empty" if kind == "empty" else "holds no table (a cover or notes)"
        table.notes.append(CellProblem(
            0, 0, f"read sheet {sheet!r}: the first sheet, {skipped!r}, {said}",
            f"to read another sheet, name it with --sheet; to read {skipped!r}, put the column names in its "
            "first row", "sheet_chosen"))
    return table


def _sheet_table(path: Path, sheet: str, ws: Any, names: list[str]) -> Table:
    """The chosen sheet as a table: the header checked, formulas refused, error values and merged cells
    among the data listed."""
    numbered = _numbered_rows(path, sheet, ws)
    try:
        first, header_cells = next(numbered)
    except StopIteration:
        others = [n for n in names if n != sheet]
        raise FileError(f"sheet {sheet!r} is empty", hint="put the column names in row 1" + (
            "; or choose another sheet with --sheet: " + ", ".join(map(repr, others)) if others else ""),
            code="empty") from None
    if first != 1:  # the first row with cells is further down: row 1 is blank
        header_cells = []
        numbered = _chain_rows((first, header_cells), numbered)
    header = [_header_text(c) for c in header_cells]
    if not any(h.strip() for h in header):
        raise FileError("row 1 is blank: the header (the column names) must be in row 1",
                        hint="delete the blank rows above the header", row=1, code="no_header")
    if _lone_title(header):
        peeked = list(itertools.islice(numbered, 2))
        _check_title_row(header, peeked)
        numbered = itertools.chain(peeked, numbered)
    # Formulas and error values count only in columns that are read: not under a header starting with '#'
    # (ignored), nor beyond the header's columns (reported per row by the importer if they hold values).
    data = _data_columns(header)
    formulas, errors, merges = _scan_sheet(path, sheet)
    formulas = [ref for ref in formulas if _ref(ref)[1] in data]
    errors = [e for e in errors if e[1] in data]
    if formulas:
        shown = ", ".join(formulas[:5]) + (" …" if len(formulas) > 5 else "")
        raise FileError(
            f"sheet {sheet!r} contains formulas ({len(formulas)} cell{'s' if len(formulas) != 1 else ''}: {shown})",
            hint="SMP Atlas imports values only: copy the sheet and 'Paste Special → Values', then import "
                 "(formulas in columns headed '#…' are ignored)",
            code="formula",
        )

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for n, cells in numbered:
            out = [restore(c) if type(c) is str and c[:1] == "'" else c for c in cells]
            if any(c.strip() if type(c) is str else c is not None for c in out):  # else a blank row
                yield n, out

    problems = [CellProblem(row, col, f"the cell holds the Excel error value {code}",
                            "fix or clear the cell in Excel, then import", "error_cell") for row, col, code in errors]
    problems += _merged_cells(merges, data)
    return Table(str(path), sheet, header, rows(), size=path.stat().st_size, cell_problems=problems)


def _first_data_sheet(path: Path, wb: Any, names: list[str]) -> tuple[str | None, Any, tuple[str, str] | None]:
    """Without ``--sheet`` or a sheet called partnerships: the first visible worksheet (a chart sheet holds no
    rows; a hidden sheet is often a template's lists for dropdowns), else the first worksheet, else the first
    sheet. A cover in front of the data (a first sheet with cells, none of its first three rows with three
    filled: a title, a date, a few notes) or an empty first sheet is passed over for the next visible worksheet
    that holds a table. Returns the sheet, its python-calamine sheet when it was loaded to be looked at, and
    the sheet passed over with what it is ("cover" or "empty")."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    meta = list(getattr(wb, "sheets_metadata", None) or [])
    work = [str(m.name) for m in meta if m.typ == SheetTypeEnum.WorkSheet]
    shown = [str(m.name) for m in meta if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible]
    if len(shown) > 1:
        first = _looked_at(path, wb, shown[0])
        if first[0] != "table":
            for name in shown[1:]:
                kind, ws = _looked_at(path, wb, name)
                if kind == "table":
                    return name, ws, (shown[0], first[0])
        return shown[0], first[1], None
    for candidates in (shown, work):
        if candidates:
            return candidates[0], None, None
    return (names[0] if names else None), None, None


def _looked_at(path: Path, wb: Any, name: str) -> tuple[str, Any]:
    """Whether a sheet is ``empty`` (no cells), holds a ``table`` (one of its first three rows has three or more
    filled cells: column names, or a title above them) or is a ``cover``; and its python-calamine sheet."""
    ws = None if _streams(path, name) else wb.get_sheet_by_name(name)
    rows = _numbered_rows(path, name, ws)
    kind = "empty"
    try:
        for n, cells in rows:
            if n > 3:
                break
            filled = sum(1 for c in cells if (c.strip() if isinstance(c, str) else c is not None))
            if filled >= 3:
                return "table", ws
            if filled:
                kind = "cover"
    finally:
        rows.close()  # type: ignore[attr-defined]
    return kind, ws


def _sheet_named(sheet: str | None, names: list[str]) -> str:
    """The sheet ``--sheet`` means: its exact name, or the one name equal to it ignoring case and spaces."""
    if sheet in names:
        return sheet
    listed = "sheets in this file: " + (", ".join(map(repr, names)) or "none")
    if sheet is None:
        raise FileError("the workbook has no sheets", hint=listed, code="sheet")
    same = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
    if len(same) == 1:
        return same[0]
    if same:
        raise FileError(f"no sheet named exactly {sheet!r}, and several differ from it only in capitals",
                        hint=listed + "; give one of them exactly with --sheet", code="sheet")
    raise FileError(f"no sheet named {sheet!r}", hint=listed + "; give one of them with --sheet", code="sheet")


def _data_columns(header: list[str]) -> frozenset[int]:
    """0-based indexes of the columns read: a header that is neither blank nor starts with '#'."""
    return frozenset(i for i, h in enumerate(header) if h.strip() and not h.strip().startswith("#"))


def _merged_cells(ranges: list[Merge], data: frozenset[int]) -> list[CellProblem]:
    """Merged ranges among the data (only the first cell of a range holds a value): ``ranges`` as
    ((first row, first column), (last row, last column)), 0-based."""
    from openpyxl.utils.cell import get_column_letter

    def _letters(col: int) -> str:  # 0-based
        return str(get_column_letter(col + 1))

    out: list[CellProblem] = []
    for (r0, c0), (r1, c1) in ranges:
        if r1 < 1 or not any(c in data for c in range(c0, c1 + 1)) or (r0, c0) == (r1, c1):
            continue  # in the header row, in ignored columns, or one cell
        span = f"{_letters(c0)}{r0 + 1}:{_letters(c1)}{r1 + 1}"
        # the cells without the value, one problem for them all (at the first): the rest of the first row (not
        # the header's), the rows below
        parts = [(q, a, z, b) for q, a, z, b in [(r0, c0 + 1, r0, c1), (r0 + 1, c0, r1, c1)]
                 if q <= z and a <= b and q >= 1]
        row, col = parts[0][:2]
        cells = [f"{_letters(a)}{q + 1}" + (f":{_letters(b)}{z + 1}" if (q, a) != (z, b) else "")
                 for q, a, z, b in parts]
        empty = " and ".join(cells) + (" is" if len(cells) == 1 and ":" not in cells[0] else " are")
        out.append(CellProblem(
            row + 1, col, f"{empty} part of merged cells {span} (only {_letters(c0)}{r0 + 1} holds the value)",
            f"unmerge them in Excel and fill every {'row' if r1 > r0 else 'cell'}, then import", "merged_cells",
            block=(r0 + 1, c0, r1 + 1, c1)))
    return out


#: Sheets whose XML is larger than this (bytes, uncompressed) are streamed (:mod:`sheetstream`) rather than
#: loaded whole by python-calamine: memory stays flat however many rows a workbook has. About 13,000 rows of
#: the codebook's columns; ``SMPATLAS_XLSX_STREAM_ABOVE`` overrides it.
STREAM_ABOVE = 32 * 1024 * 1024


def _streams(path: Path, sheet: str) -> bool:
    """True when the sheet's XML is larger than the streaming threshold."""
    limit = int(os.environ.get("SMPATLAS_XLSX_STREAM_ABOVE", STREAM_ABOVE))
    with zipfile.ZipFile(path) as z:
        return z.getinfo(sheetstream.member_of(z, sheet)).file_size > limit


def _numbered_rows(path: Path, sheet: str, ws: Any) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the sheet: from python-calamine, or streamed when the sheet is large (no ``ws``)."""
    if ws is None:
        return _streamed(str(path), sheet)
    return _calamine_rows(path, sheet, ws)


def _calamine_rows(path: Path, sheet: str, ws: Any) -> Iterator[tuple[int, list[Any]]]:
    """python-calamine's rows; should it fail on a cell (a duration of millions of years, in a cell formatted
    as [h]:mm, is an OverflowError), the rest of the sheet is streamed, which reads such a cell as a number."""
    given = 0
    try:
        for cells in ws.iter_rows():
            given += 1
            yield given, list(cells)
    except (OverflowError, ValueError):
        yield from ((n, cells) for n, cells in _streamed(str(path), sheet) if n > given)


def _streamed(path: str, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from sheetstream.stream(path, sheet)
    except sheetstream.SheetError as exc:
        raise FileError(f"not a readable .xlsx file ({exc})", hint="open it in Excel and save it again as .xlsx",
                        code="xlsx") from None


def _chain_rows(first: tuple[int, list[Any]], rest: Iterator[tuple[int, list[Any]]]
                ) -> Iterator[tuple[int, list[Any]]]:
    yield first
    yield from rest


def _header_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _ref(ref: str) -> tuple[int, int]:
    """'B12' → (12, 1): the row number and the 0-based column index."""
    m = re.match(r"([A-Z]+)(\d+)", ref)
    if not m:
        return 0, 0
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col - 1


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]|\st=\"e\"")


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?\bref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')
Merge = tuple[tuple[int, int], tuple[int, int]]  # ((first row, first column), (last row, last column)), 0-based


def _merge_range(first: bytes, last: bytes) -> Merge:
    (r0, c0), (r1, c1) = _ref(first.decode("ascii")), _ref(last.decode("ascii"))
    return (r0 - 1, c0), (r1 - 1, c1)


def _scan_sheet(path: Path, sheet: str) -> tuple[list[str], list[tuple[int, int, str]], list[Merge]]:
    """References of cells holding formulas, (row, column, code) of cells holding error values, and the
    merged ranges, from the sheet's XML (read in chunks: flat memory, for streamed sheets too)."""
    try:
        with zipfile.ZipFile(path) as z:
            wb = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
            member = None
            for s in wb.iterfind("m:sheets/m:sheet", _NS):
                if s.get("name") == sheet:
                    target = targets.get(s.get(f"{{{_NS['r']}}}id"), "")
                    member = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if member is None:
                return [], [], []
            found = False
            tail = b""
            merges: dict[tuple[bytes, bytes], None] = {}  # in order, once (a range may reappear in the tail)
            with z.open(member) as fh:
                while chunk := fh.read(1 << 20):
                    text = tail + chunk
                    # Literal look-ups (fast) first; the expression only where one of them occurs.
                    if (b"<f" in text or b":f" in text or b't="e"' in text) and _FORMULA.search(text):
                        found = True
                        break
                    if b"mergeCell" in text:
                        merges.update(dict.fromkeys((m[1], m[2]) for m in _MERGE.finditer(text)))
                    tail = chunk[-256:]
            if not found:
                return [], [], [_merge_range(a, b) for a, b in merges]
            refs: list[str] = []
            errors: list[tuple[int, int, str]] = []
            ranges: list[Merge] = []
            with z.open(member) as fh:
                for _, el in ET.iterparse(fh):
                    if el.tag == f"{{{_NS['m']}}}c":
                        if el.find("m:f", _NS) is not None:
                            refs.append(el.get("r", "?"))
                        elif el.get("t") == "e":
                            v = el.find("m:v", _NS)
                            errors.append((*_ref(el.get("r", "")), v.text if v is not None and v.text else "?"))
                        el.clear()
                    elif el.tag == f"{{{_NS['m']}}}mergeCell":
                        first, _, last = el.get("ref", "").partition(":")
                        if last:
                            ranges.append(_merge_range(first.encode("ascii"), last.encode("ascii")))
            return refs, errors, ranges
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, ET.ParseError, UnicodeEncodeError):
        return [], [], []  # a damaged part: the reader reports it when it reaches it
