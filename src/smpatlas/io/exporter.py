"""Exporting partnerships: CSV, XLSX, JSON Lines and Frictionless Data Packages.

Owns the cell encoding of every field kind for spreadsheets (sets joined with
``; ``, nested items in the cell syntax of :mod:`smpatlas.cells`, formula-like
text neutralised) and the writers. Every export re-imports to an identical
inventory. Reads records from an iterator; knows nothing of databases or the CLI.

Nothing is half-written: every file is written through
:func:`smpatlas.outfiles.replacing`, beside its destination under a temporary
name and renamed over it only once complete (a failed export leaves what was
there before and says why). ``-`` as the destination means standard output
(CSV, JSON Lines and JSON only).
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from smpatlas.cells import format_nested, neutralise
from smpatlas.codebook import Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError
from smpatlas.outfiles import cannot_write, check_destination, replacing

FORMATS = ("csv", "xlsx", "jsonl", "json", "datapackage")
#: ``--out -``: standard output, for the formats that are one stream of text.
STDOUT = "-"
STREAMABLE = ("csv", "jsonl", "json")
XLSX_CELL_LIMIT = 32_767
#: Texts Excel (and openpyxl) would store as error values.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"})
_OOXML_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def cell(f: Field, value: Any) -> Any:
    """One field's value as a spreadsheet cell (str, int, float or None)."""
    if value is None:
        return None
    kind = f.kind
    if kind in ("set", "countries", "isco"):
        return "; ".join(value)
    if kind in ("actors", "sources", "outcomes"):
        return neutralise(format_nested(kind, value))
    if kind in ("bool", "tristate"):
        return "yes" if value is True else "no" if value is False else value
    if kind in ("int", "number"):
        return value
    return neutralise(str(value))


def _text_cell(f: Field, value: Any) -> str:
    v = cell(f, value)
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _csv_to(fh: IO[str], records: Iterable[dict[str, Any]], cb: Codebook) -> int:
    n = 0
    w = csv.writer(fh, lineterminator="\r\n")
    w.writerow(cb.names)
    for r in records:
        w.writerow([_text_cell(f, r.get(f.name)) for f in cb.fields])
        n += 1
    return n


def _jsonl_to(fh: IO[str], records: Iterable[dict[str, Any]], cb: Codebook) -> int:
    n = 0
    for r in records:
        fh.write(json.dumps({k: r[k] for k in cb.names if k in r}, ensure_ascii=False) + "\n")
        n += 1
    return n


def _json_to(fh: IO[str], records: Iterable[dict[str, Any]], cb: Codebook) -> int:
    items = [{k: r[k] for k in cb.names if k in r} for r in records]
    fh.write(json.dumps(items, ensure_ascii=False, indent=1) + "\n")
    return len(items)


def write_csv(records: Iterable[dict[str, Any]], path: Path, cb: Codebook | None = None) -> int:
    with path.open("w", encoding="utf-8", newline="") as fh:
        return _csv_to(fh, records, cb or default_codebook())


def write_jsonl(records: Iterable[dict[str, Any]], path: Path, cb: Codebook | None = None) -> int:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        return _jsonl_to(fh, records, cb or default_codebook())


def write_json(records: Iterable[dict[str, Any]], path: Path, cb: Codebook | None = None) -> int:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        return _json_to(fh, records, cb or default_codebook())


def _col_letter(i: int) -> str:
    """0 → 'A', 27 → 'AB' (openpyxl's, 1-based)."""
    from openpyxl.utils.cell import get_column_letter

    return str(get_column_letter(i + 1))


def write_xlsx(records: Iterable[dict[str, Any]], path: Path, cb: Codebook | None = None) -> int:
    """XLSX with a frozen header, a codebook sheet and dropdowns for enumerated columns."""
    from openpyxl import Workbook

    cb = cb or default_codebook()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("partnerships")
    ws.freeze_panes = "B2"
    lists = wb.create_sheet("lists")
    lists.sheet_state = "hidden"
    book = wb.create_sheet("codebook")
    try:
        return _xlsx_sheets(wb, ws, lists, book, records, path, cb)
    except BaseException:
        # Close the half-written sheets one by one, each whatever happens to the others: a sheet left open has a
        # row generator that, collected later, writes to a closed file and prints "Exception ignored in
        # <generator ...>". (A sheet the save already closed refuses a second close: nothing to do.) Then drop
        # the temporary file openpyxl keeps for each sheet (else they stay in the temporary folder until the
        # process ends, which for the web app is a long time).
        for sheet in wb.worksheets:
            with contextlib.suppress(Exception):
                sheet.close()
            with contextlib.suppress(Exception):
                sheet._writer.cleanup()
        raise


def _xlsx_sheets(wb: Any, ws: Any, lists: Any, book: Any, records: Iterable[dict[str, Any]], path: Path,
                 cb: Codebook) -> int:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    # Vocabulary lists for dropdowns, one column per enumerated field.
    enumerated = [f for f in cb.fields if f.kind in ("enum", "bool", "tristate", "set")]
    columns = {f.name: list(f.values()) if f.kind not in ("bool", "tristate")
               else (["yes", "no"] if f.kind == "bool" else ["yes", "no", "unspecified"]) for f in enumerated}
    height = max(len(v) for v in columns.values())
    for i in range(height):
        lists.append([vals[i] if i < len(vals) else None for vals in columns.values()])
    last_row = 1_048_576
    for j, f in enumerate(enumerated):
        col = cb.names.index(f.name)
        letter = _col_letter(col)
        ref = f"lists!${_col_letter(j)}$1:${_col_letter(j)}${len(columns[f.name])}"
        if f.kind == "set":
            dv = DataValidation(type=None, allow_blank=True, showInputMessage=True,
                                promptTitle=f.label[:32],
                                prompt=("Several values separated by ';': " + ", ".join(columns[f.name]))[:255])
        else:
            dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True,
                                errorTitle="Not in the codebook", error=f"Choose a value of {f.label}"[:225])
        dv.add(f"{letter}2:{letter}{last_row}")
        ws.data_validations.append(dv)

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F0")
    header = []
    for name in cb.names:
        c = WriteOnlyCell(ws, value=name)
        c.font, c.fill = bold, fill
        header.append(c)
    ws.append(header)
    n = 0
    for r in records:
        row = []
        for f in cb.fields:
            v = cell(f, r.get(f.name))
            if isinstance(v, float) and float(f"{v:.16g}") != v:
                v = repr(v)  # Excel keeps 16 significant digits; text keeps the exact value (read back as a number)
            if isinstance(v, str):
                if len(v) > XLSX_CELL_LIMIT:
                    raise ConfigError(
                        f"Record {r.get('id')!r}: {f.name} has {len(v):,} characters, more than an Excel cell holds "
                        f"({XLSX_CELL_LIMIT:,}); export as jsonl or csv instead."
                    )
                if "_x" in v:
                    v = _OOXML_ESCAPE.sub("_x005F_", v)  # a literal _xHHHH_ must be escaped in OOXML
                if v in EXCEL_ERRORS:
                    text_cell = WriteOnlyCell(ws, value=v)
                    text_cell.data_type = "s"  # text, not an error value
                    v = text_cell
            row.append(v)
        ws.append(row)
        n += 1

    book.append([WriteOnlyCell(book, value=h) for h in
                 ("field", "header", "section", "type", "required", "values", "description")])
    for f in cb.fields:
        book.append([f.name, f.label, cb.sections[f.section], f.type_text(), "yes" if f.required else "",
                     "; ".join(f.values()) if f.kind in ("enum", "set") else "", f.description])
    book.append([])
    book.append([f"Codebook version {cb.version}. Multi-valued cells: values separated by ';'. "
                 "Nested cells (actors, sources, outcomes): one item per line, parts separated by '|'."])
    _save(wb, path)
    return n


def _save(wb: Any, path: Path) -> None:
    """``wb.save(path)``, except that a failed save closes its zip file: left open, the zip file tries again to
    write its end when collected, fails again and prints "Exception ignored in ZipFile.__del__"."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    archive = ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(wb, archive).save()
    except BaseException:
        with contextlib.suppress(Exception):
            archive.close()  # closes the file even when writing the end fails
        raise


def table_schema(cb: Codebook | None = None) -> dict[str, Any]:
    """A Frictionless Table Schema for the CSV layout."""
    cb = cb or default_codebook()
    fields = []
    for f in cb.fields:
        spec: dict[str, Any] = {"name": f.name, "title": f.label, "description": f.description}
        cons: dict[str, Any] = {}
        if f.kind == "int":
            spec["type"] = "integer"
        elif f.kind == "number":
            spec["type"] = "number"
        elif f.kind == "bool":
            spec.update(type="boolean", trueValues=["yes"], falseValues=["no"])
        elif f.kind == "date":
            spec["type"] = "date"
        else:
            spec["type"] = "string"
        if f.kind in ("enum", "tristate"):
            cons["enum"] = ["yes", "no", "unspecified"] if f.kind == "tristate" else list(f.vocabulary)
        if f.kind in ("set", "countries", "isco"):
            spec["smpatlas:separator"] = "; "
        if f.nested:
            spec["smpatlas:cell_syntax"] = "one item per line; parts separated by ' | '"
        if f.min is not None:
            cons["minimum"] = f.min
        if f.max is not None:
            cons["maximum"] = f.max
        if f.required:
            cons["required"] = True
        if f.kind == "slug":
            cons["unique"] = True
        if cons:
            spec["constraints"] = cons
        fields.append(spec)
    return {"fields": fields, "primaryKey": ["id"], "missingValues": [""]}


def write_datapackage(records: Iterable[dict[str, Any]], folder: Path, cb: Codebook | None = None,
                      *, title: str = "SMP Atlas inventory") -> int:
    cb = cb or default_codebook()
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with replacing(folder / "partnerships.csv") as part:
            n = write_csv(records, part, cb)
            with replacing(folder / "datapackage.json") as descriptor:
                _write_descriptor(descriptor, cb, title)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: a folder this export made and could not fill
        raise
    return n


def _write_descriptor(path: Path, cb: Codebook, title: str) -> None:
    descriptor = {
        "profile": "tabular-data-package",
        "name": "smpatlas-inventory",
        "title": title,
        "description": "Skills mobility partnerships coded with the SMP Atlas codebook.",
        "smpatlas:codebook_version": cb.version,
        "resources": [{
            "name": "partnerships",
            "path": "partnerships.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "encoding": "utf-8",
            "mediatype": "text/csv",
            "schema": table_schema(cb),
        }],
    }
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")


def export(records: Iterable[dict[str, Any]], fmt: str, out: Path, cb: Codebook | None = None) -> int:
    """Write ``records`` to ``out`` in ``fmt``; returns how many were written."""
    if fmt not in FORMATS:
        raise ConfigError(f"Unknown export format {fmt!r}; use one of {', '.join(FORMATS)}.")
    cb = cb or default_codebook()
    if str(out) == STDOUT:
        if fmt not in STREAMABLE:
            raise ConfigError(f"{fmt} cannot be written to standard output ('-'); give a "
                              + ("folder name, e.g. --out inventory/." if fmt == "datapackage"
                                 else f"file name, e.g. --out inventory.{fmt}."))
        to = {"csv": _csv_to, "jsonl": _jsonl_to, "json": _json_to}[fmt]
        n = to(sys.stdout, records, cb)
        sys.stdout.flush()
        return n
    _check_destination(fmt, out)
    writer = {"csv": write_csv, "xlsx": write_xlsx, "jsonl": write_jsonl, "json": write_json}.get(fmt)
    try:
        if writer is None:
            return write_datapackage(records, out, cb)
        with replacing(out) as part:  # a full disk, no permission, a name too long: a ConfigError naming it
            return int(writer(records, part, cb))
    except OSError as exc:  # the data package's folder could not be made
        raise cannot_write(out, exc) from exc


def _check_destination(fmt: str, out: Path) -> None:
    """Refuse a destination of the wrong kind (a folder for a file, a file for a data package)."""
    try:
        if fmt == "datapackage":
            if out.exists() and not out.is_dir():
                raise ConfigError(f"{str(out)!r} is a file, but a data package is a folder (datapackage.json and "
                                  "partnerships.csv); give the name of a folder, new or existing.")
            return
        if out.is_dir():
            raise ConfigError(f"{str(out)!r} is a folder; {fmt} is written to one file: give a file name, "
                              f"e.g. --out {out / ('inventory.' + fmt)} (only datapackage writes a folder).")
    except OSError as exc:  # e.g. a name too long to look up
        raise cannot_write(out, exc) from exc
    check_destination(out)
