"""Readers: files of partnerships as streams of rows.

Owns :func:`open_table` (choosing the reader by file type) and opening CSV
(UTF-8 with or without BOM; comma, semicolon or tab; lines ending in LF, CRLF
or CR alone; a title above the header recognised), JSON, JSON Lines and
Frictionless Data Packages, and turning each into a :class:`Table`: where it
came from, its header, and its rows with the row numbers a person sees.
Reading problems become :class:`FileError` with a message for a person. XLSX
sheets are read by :mod:`workbooks`; :class:`Table`, :class:`FileError` and
:class:`CellProblem` are defined in :mod:`tables` and importable from here
too. Knows nothing of the codebook or databases.
"""

from __future__ import annotations

import csv
import itertools
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from smpatlas.cells import restore
from smpatlas.io.tables import CellProblem as CellProblem
from smpatlas.io.tables import FileError as FileError
from smpatlas.io.tables import Table as Table
from smpatlas.io.tables import _check_title_row, _lone_title
from smpatlas.io.workbooks import _xlsx

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

FORMATS = ("csv", "xlsx", "json", "jsonl", "datapackage")


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
                elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise FileError("the file is UTF-16 text (Excel's 'Unicode Text'), not UTF-8", row=1,
                                    hint="in Excel use 'Save As' → 'CSV UTF-8 (Comma delimited)'; or import the "
                                    ".xlsx directly", code="encoding")
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
