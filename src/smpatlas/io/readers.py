"""Readers: files of partnerships as streams of rows.

Owns opening CSV (UTF-8 with or without BOM; comma, semicolon or tab; lines ending in LF, CRLF or
CR alone),
XLSX (python-calamine, the fastest sound reader, for ordinary sheets; large
sheets streamed in flat memory by :mod:`sheetstream`; formula cells detected in
the sheet XML and refused in the columns that are read, merged ranges among the
data reported; a title above the header and sheet names in other capitals
recognised), JSON, JSON Lines and Frictionless Data Packages, and turning
each into a :class:`Table`: where it came from, its header, and its rows with
the row numbers a person sees. Reading problems become :class:`FileError`
with a message for a person. Knows nothing of the codebook or databases.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree as ET

from smpatlas.cells import restore
from smpatlas.io import sheetstream

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

FORMATS = ("csv", "xlsx", "json", "jsonl", "datapackage")


class FileError(Exception):
    """A file that cannot be read at all (becomes a file-level Problem)."""

    def __init__(self, message: str, hint: str | None = None, row: int | None = None, code: str = "file") -> None:
        super().__init__(message)
        self.message, self.hint, self.row, self.code = message, hint, row, code


class CellProblem(NamedTuple):
    """A cell that cannot be read as a value (reported by the importer at its row and column)."""

    row: int
    column: int  # 0-based index in the header
    message: str
    hint: str
    code: str


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


def detect_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".csv") or name.endswith(".tsv") or name.endswith(".txt"):
        return "csv"
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        return "xlsx"
    if name.endswith(".jsonl") or name.endswith(".ndjson"):
        return "jsonl"
    if name == "datapackage.json" or path.is_dir():
        return "datapackage"
    if name.endswith(".json"):
        return "json"
    if name.endswith(".xls") or name.endswith(".ods"):
        raise FileError(
            f"{path.suffix} files are not supported",
            hint="save the sheet as .xlsx (Excel Workbook) or CSV UTF-8",
            code="format",
        )
    raise FileError("unknown file type", hint="use .csv, .xlsx, .json, .jsonl or a datapackage.json", code="format")


def open_table(path: Path, *, sheet: str | None = None, fmt: str | None = None) -> Table:
    """Open ``path`` as a :class:`Table` (raises :class:`FileError`)."""
    if not path.exists():
        raise FileError("file not found", hint="check the path", code="not_found")
    fmt = fmt or detect_format(path)
    if path.is_dir() and fmt != "datapackage":
        raise FileError("this is a folder, not a file", hint="give the path of a .csv, .xlsx, .json or .jsonl file",
                        code="not_a_file")
    if sheet is not None and fmt != "xlsx":
        raise FileError("--sheet applies to .xlsx files only", hint="leave out --sheet", code="option")
    if path.is_file() and path.stat().st_size == 0:
        raise FileError("the file is empty", hint="export the sheet again; it has no header and no rows", code="empty")
    return {"csv": _csv, "xlsx": _xlsx, "json": _json, "jsonl": _jsonl, "datapackage": _datapackage}[fmt](
        path, sheet
    )


# --- CSV -------------------------------------------------------------------

def _cr_lines(handle: Any) -> Iterator[bytes]:
    """The lines of a binary file, also when they end in a carriage return alone (classic Mac OS, Excel's
    "CSV (Macintosh)"): then the file is split at each CR, in chunks (memory stays flat)."""
    first = handle.readline(1 << 16)  # bounded: a file of CR-ended lines has no LF to stop at
    if b"\n" in first or b"\r" not in first:  # LF or CRLF line ends (or one line): as the file gives them
        if first and not first.endswith(b"\n"):
            first += handle.readline()  # the rest of a first line longer than the bound
        if first:
            yield first
        yield from handle
        return
    rest = first
    while True:
        *whole, rest = rest.split(b"\r")
        for line in whole:
            yield line + b"\r"
        chunk = handle.read(1 << 16)
        if not chunk:
            break
        rest += chunk
    if rest:
        yield rest


def _csv(path: Path, sheet: str | None) -> Table:
    handle = path.open("rb")
    state = {"row": 0}  # the last row read whole: a line that cannot be decoded belongs to the next one

    def lines() -> Iterator[str]:
        """Decode line by line, so a bad byte is reported at the row that holds it."""
        first = True
        for raw in _cr_lines(handle):
            if first:
                first = False
                if raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(exc, row=state["row"] + 1) from None

    stream = lines()
    try:
        first_line = next(stream, "")
    except FileError:
        handle.close()
        raise
    if not first_line.strip():
        handle.close()
        raise FileError("the file has no header row (the first line is blank)", hint="put the column names in row 1",
                        code="no_header")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(_chain(first_line, stream), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        handle.close()
        raise FileError(f"malformed CSV header: {exc}", code="csv") from None
    state["row"] = 1
    peeked: list[list[str]] = []
    if _lone_title(header):
        try:
            for cells in itertools.islice(reader, 2):
                peeked.append(cells)
                state["row"] += 1
            _check_title_row(header, list(enumerate(peeked, 2)))
        except csv.Error as exc:
            handle.close()
            raise FileError(f"malformed CSV: {exc}", hint="check the quotes around this row", row=state["row"] + 1,
                            code="csv") from None
        except FileError:
            handle.close()
            raise

    def rows() -> Iterator[tuple[int, list[Any]]]:
        n = 1
        try:
            for cells in itertools.chain(peeked, reader):
                n += 1
                state["row"] = n
                if not cells or all(not c.strip() for c in cells):
                    continue
                yield n, [restore(c) if c[:1] == "'" else c for c in cells]
        except csv.Error as exc:
            hint = ("a quoted cell is never closed: check the quotes in this row"
                    if "unexpected end of data" in str(exc) else "check the quotes around this row")
            raise FileError(f"malformed CSV: {exc}", hint=hint, row=n + 1, code="csv") from None
        finally:
            handle.close()

    size = path.stat().st_size
    return Table(str(path), None, header, rows(), size=size,
                 position=lambda: handle.tell() if not handle.closed else size)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _not_utf8(exc: UnicodeDecodeError, row: int | None = None) -> FileError:
    byte = exc.object[exc.start : exc.start + 1].hex() if isinstance(exc.object, bytes) else "?"
    return FileError(
        f"the file is not UTF-8 text (byte 0x{byte} cannot be decoded)",
        hint="in Excel use 'Save As' → 'CSV UTF-8 (Comma delimited)'; or import the .xlsx directly",
        row=row,
        code="encoding",
    )


# --- XLSX ------------------------------------------------------------------

def _xlsx(path: Path, sheet: str | None) -> Table:
    from python_calamine import CalamineWorkbook

    if not zipfile.is_zipfile(path):
        raise FileError("not a readable .xlsx file (it is not a zip archive; truncated or another format?)",
                        hint="open it in Excel and save it again as .xlsx", code="xlsx")
    try:
        wb = CalamineWorkbook.from_path(str(path))
        names = wb.sheet_names
        if sheet is None:
            lowered = {n.lower(): n for n in names}
            sheet = lowered.get("partnerships") or _first_data_sheet(wb, names)
        sheet = _sheet_named(sheet, names)
        # A large sheet is streamed: don't let python-calamine load it whole (only to check it opens).
        ws = None if _streams(path, sheet) else wb.get_sheet_by_name(sheet)
    except FileError:
        raise
    except Exception as exc:  # calamine raises several types for broken files
        raise FileError(f"not a readable .xlsx file ({type(exc).__name__}: {exc})",
                        hint="open it in Excel and save it again as .xlsx", code="xlsx") from None
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


def _first_data_sheet(wb: Any, names: list[str]) -> str | None:
    """Without ``--sheet`` or a sheet called partnerships: the first visible worksheet (a chart sheet holds no
    rows; a hidden sheet is often a template's lists for dropdowns), else the first worksheet, else the first."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    meta = list(getattr(wb, "sheets_metadata", None) or [])
    work = [m for m in meta if m.typ == SheetTypeEnum.WorkSheet]
    shown = [m for m in work if m.visible == SheetVisibleEnum.Visible]
    for candidates in (shown, work):
        if candidates:
            return str(candidates[0].name)
    return names[0] if names else None


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
        row, col = (r0 + 1, c0) if r1 > r0 else (r0, c0 + 1)  # the first cell without the value (0-based)
        if row < 1:
            row = 1
        span = f"{_letters(c0)}{r0 + 1}:{_letters(c1)}{r1 + 1}"
        out.append(CellProblem(
            row + 1, col, f"{_letters(col)}{row + 1} is part of merged cells {span} (only {_letters(c0)}{r0 + 1} "
            "holds the value)", f"unmerge them in Excel and fill every {'row' if r1 > r0 else 'cell'}, then import",
            "merged_cells"))
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
    return ((i, list(cells)) for i, cells in enumerate(ws.iter_rows(), 1))


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


# --- JSON, JSON Lines, Data Package ------------------------------------------

_HUGE_NUMBER_HINT = "a number in the file has thousands of digits: no field holds such a number; correct it"


def _json(path: Path, sheet: str | None) -> Table:
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc) from None
    except json.JSONDecodeError as exc:
        raise FileError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                        hint="check the file with a JSON validator", code="json") from None
    except RecursionError:
        raise FileError("the JSON is nested too deeply to be a partnership record",
                        hint="records are objects of fields; nested items go one level deep", code="json") from None
    except ValueError as exc:  # Python's limit on the digits of an integer
        raise FileError(f"not readable JSON: {exc}".split(";")[0], hint=_HUGE_NUMBER_HINT, code="json") from None
    if isinstance(data, dict) and isinstance(data.get("partnerships"), list):
        data = data["partnerships"]
    if not isinstance(data, list):
        raise FileError(f"expected a JSON array of partnership objects, got a JSON {_json_type(data)}",
                        hint='write [{"id": ..., "name": ...}, ...] or use JSON Lines', code="json")
    if not data:
        raise FileError("the JSON array is empty", hint="there are no partnerships to import", code="empty")

    def rows() -> Iterator[tuple[int, Any]]:
        yield from enumerate(data, start=1)

    return Table(str(path), None, [], rows(), keyed=True, size=path.stat().st_size)


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean",
            type(None): "null"}.get(type(value), type(value).__name__)


def _jsonl(path: Path, sheet: str | None) -> Table:
    handle = path.open("r", encoding="utf-8-sig")

    def rows() -> Iterator[tuple[int, Any]]:
        n = 0
        try:
            for line in handle:
                n += 1
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise FileError(f"line is not valid JSON: {exc.msg} (column {exc.colno})",
                                    hint="each line must hold one JSON object", row=n, code="json") from None
                except RecursionError:
                    raise FileError("the JSON is nested too deeply to be a partnership record",
                                    hint="records are objects of fields", row=n, code="json") from None
                except ValueError as exc:  # Python's limit on the digits of an integer
                    raise FileError(f"line is not readable JSON: {exc}".split(";")[0], hint=_HUGE_NUMBER_HINT,
                                    row=n, code="json") from None
                yield n, item
        except UnicodeDecodeError as exc:
            raise _not_utf8(exc, row=n + 1) from None
        finally:
            handle.close()

    size = path.stat().st_size
    return Table(str(path), None, [], rows(), keyed=True, size=size,
                 position=lambda: handle.buffer.tell() if not handle.closed else size)  # type: ignore[attr-defined]


def _datapackage(path: Path, sheet: str | None) -> Table:
    descriptor = path / "datapackage.json" if path.is_dir() else path
    try:
        pkg = json.loads(descriptor.read_text("utf-8"))
        resource = next(r for r in pkg["resources"] if r.get("name") == "partnerships")
        rel = resource["path"]
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        raise FileError("not an SMP Atlas data package (no 'partnerships' resource)",
                        hint="point to the datapackage.json written by 'smpatlas export --format datapackage'",
                        code="datapackage") from None
    if not isinstance(rel, str) or ".." in Path(rel).parts or Path(rel).is_absolute():
        raise FileError("the data package's resource path must be a relative file inside the package",
                        code="datapackage")
    if not rel.lower().endswith(".csv"):
        raise FileError(f"the data package's resource {rel!r} is not a CSV file",
                        hint="SMP Atlas data packages hold partnerships.csv", code="datapackage")
    resource = descriptor.parent / rel
    if not resource.is_file():
        raise FileError(f"the data package's resource file {rel!r} is missing",
                        hint="keep datapackage.json and partnerships.csv together", code="datapackage")
    return _csv(resource, None)
