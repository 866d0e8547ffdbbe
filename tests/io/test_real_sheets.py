"""Spreadsheets as people really make them: Excel's typed cells, layouts and CSV exports.

The bad-input corpus (``test_bad_inputs.py``) builds files cell by cell as text; here the workbooks are
written with openpyxl the way Excel stores them (numbers, dates, booleans, number formats, tables,
hidden rows, merged cells), and every case is read by python-calamine and again by the streamed reader
(``SMPATLAS_XLSX_STREAM_ABOVE=0``): both must give the same result. Each case either imports with the
value the person meant, or is refused with a problem naming the row, column, value and a hint.

Decisions recorded here: hidden rows and columns are imported (they are data, only out of view, as
Excel's own "Save As CSV" writes them); a line break in a multi-value cell separates values as ``;``
does; without ``--sheet``, a cover sheet in front of the data is passed over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from smpatlas.io import sheetstream
from smpatlas.io.importer import import_files
from smpatlas.problems import Problem, Report
from smpatlas.store import database
from smpatlas.store import repository as repo

BASE: dict[str, Any] = {
    "id": "xx-real",
    "name": "Real partnership",
    "partnership_type": "pilot_project",
    "origin_countries": "PHL",
    "destination_countries": "DEU",
    "start_year": 2021,
    "status": "ongoing",
    "sources": "https://example.org/real",
}

Setup = Callable[[Any], None]
ANY: Any = object()  # a value of the report that is not checked


def _workbook(path: Path, rows: list[list[Any]], *, title: str = "partnerships",
              formats: dict[str, str] | None = None, setup: Setup | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    if setup is not None:
        setup(wb)
    wb.save(path)
    return path


@pytest.fixture(params=["calamine", "stream"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with python-calamine, and again with every sheet streamed."""
    if request.param == "stream":
        monkeypatch.setenv("SMPATLAS_XLSX_STREAM_ABOVE", "0")
    else:
        monkeypatch.delenv("SMPATLAS_XLSX_STREAM_ABOVE", raising=False)
    return str(request.param)


def _import(path: Path, db: Path, **options: Any) -> tuple[Report, dict[str, dict[str, Any]]]:
    """Import into a fresh SQLite inventory: the report, and the stored records by id (when valid)."""
    eng = database.open_engine(f"sqlite:///{db}")
    try:
        report = import_files(eng, [path], user="test", **options)
        with eng.connect() as conn:
            stored = repo.records(conn, sorted(repo.all_ids(conn)))
    finally:
        eng.dispose()
    return report, stored


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


# --- cells typed by Excel: one workbook, one row per case ----------------------------------------------------

#: (field, the cell as Excel stores it, its number format or None, the value stored)
GOOD = [
    # Years as Excel keeps numbers (always floats in the file), and typed as text.
    ("start_year", 2019.0, None, 2019),
    ("start_year", 2019, "0", 2019),
    ("start_year", " 2019 ", None, 2019),
    ("end_year", "2,023", None, 2023),
    # A zero-width space pasted from a web page after the year (was: "expected a whole number").
    ("start_year", "2019\u200b", None, 2019),
    # Booleans as TRUE/FALSE cells and as 1/0 numbers.
    ("government_to_government", True, None, True),
    ("government_to_government", False, None, False),
    ("government_to_government", 1.0, None, True),
    ("extension_possible", True, None, True),
    ("agreement_public", "unspecified", None, "unspecified"),
    # Numbers stored as text, and currency, thousands and scientific formats on number cells.
    ("budget_eur", " 1500000", None, 1500000),
    ("budget_eur", "1,500,000", None, 1500000),
    ("budget_eur", "1.5e6", None, 1500000),
    ("budget_eur", "1\u202f500\u202f000", None, 1500000),  # French Excel's narrow no-break spaces
    ("budget_eur", 1500000.0, '"€"#,##0.00', 1500000),
    ("budget_eur", 1500000, "#,##0.00\\ [$€-407]", 1500000),
    ("budget_eur", 1500000, '_-* #,##0.00\\ "€"_-;\\-* #,##0.00\\ "€"_-;_-* "-"??\\ "€"_-;_-@_-', 1500000),
    ("budget_eur", 1500000, "0.00E+00", 1500000),
    ("budget_eur", 2500.5, "#,##0.00", 2500.5),
    # A big number in a column formatted as dates: python-calamine gives the number (the streamed reader crashed).
    ("budget_eur", 3000000, "dd/mm/yyyy", 3000000),
    # Escapes in a number format ('_' pads, '*' fills) show no date (the streamed reader read 'M' as months).
    ("budget_eur", 1500, '#,##0\\ _M"H"_)', 1500),
    ("planned_participants", 1200, "#,##0*y", 1200),
    # Integers as floats.
    ("planned_participants", 200.0, None, 200),
    ("planned_participants", "200.0", None, 200),
    ("duration_months_min", 12.0, "General", 12),
    # Dates: a date cell, a date and time, a date typed as text with a time.
    ("coded_on", dt.datetime(2026, 11, 27), "dd.mm.yyyy", "2026-11-27"),
    ("coded_on", dt.datetime(2026, 11, 27, 14, 30), "yyyy-mm-dd hh:mm", "2026-11-27"),
    ("last_reviewed", "2026-11-27 00:00:00", None, "2026-11-27"),
    ("coded_on", 46353, "yyyy-mm-dd", "2026-11-27"),
    # A source's accessed date, in the line syntax.
    ("sources", "Report | https://example.org/r | 2026-11-27", None,
     [{"title": "Report", "url": "https://example.org/r", "accessed": "2026-11-27"}]),
    ("sources", "Report\u00a0| https://example.org/r |\u00a02026-11-27", None,
     [{"title": "Report", "url": "https://example.org/r", "accessed": "2026-11-27"}]),
    # Multi-values with line breaks (Alt+Enter) where ';' is expected: a line break separates values.
    ("sectors", "ict\nhealth_care", None, ["health_care", "ict"]),
    ("sectors", "Health care, ICT", None, ["health_care", "ict"]),
    ("origin_countries", "Philippines\nIndia", None, ["IND", "PHL"]),
    ("origin_countries", "PHL_x000D_\nIND", None, ["IND", "PHL"]),  # pasted text: Excel's CRLF
    ("origin_countries", "PHL_x000D_IND", None, ["IND", "PHL"]),  # a lone CR (was: unknown country 'PHL\rIND')
    ("occupations", "2221\n3221", None, ["2221", "3221"]),
    ("occupations", 2221.0, None, ["2221"]),
    ("sources", "https://a.example.org/x\nhttps://b.example.org/y", None,
     [{"url": "https://a.example.org/x"}, {"url": "https://b.example.org/y"}]),
    ("actors", "GIZ | development_agency | DEU_x000D_\nDOLE | government | PHL", None,
     [{"name": "GIZ", "role": "development_agency", "country": "DEU"},
      {"name": "DOLE", "role": "government", "country": "PHL"}]),
    # Text: smart quotes kept, surrounding spaces and NBSP trimmed, Excel's _x000D_ escapes undone.
    ("name", "\u201cTriple Win\u201d", None, "\u201cTriple Win\u201d"),
    ("name", "  Triple Win \u00a0", None, "Triple Win"),
    ("acronym", 123.0, None, "123"),
    ("notes", "first line_x000D_\nsecond line", None, "first line\nsecond line"),
    ("notes", "a_x0009_b", None, "a\tb"),
    ("origin_countries", "C\u00f4te d\u2019Ivoire", None, ["CIV"]),
    ("origin_countries", "PHL\u00a0", None, ["PHL"]),
    ("status", "Ongoing\u00a0", None, "ongoing"),
]


def _good_rows() -> tuple[list[str], list[list[Any]], dict[str, str]]:
    header = list(BASE)
    for f, *_ in GOOD:
        if f not in header:
            header.append(f)
    rows: list[list[Any]] = []
    formats: dict[str, str] = {}
    for i, (f, cell, fmt, _) in enumerate(GOOD):
        row = {**BASE, "id": f"xx-real-{i:03d}", f: cell}
        rows.append([row.get(h) for h in header])
        if fmt:
            formats[f"{_letter(header.index(f) + 1)}{i + 2}"] = fmt
    return header, rows, formats


@pytest.mark.parametrize("case", GOOD, ids=[f"{c[0]}={c[1]!r}/{c[2]}"[:60] for c in GOOD])
def test_a_typed_cell_is_stored_as_meant(case: tuple[str, Any, str | None, Any], reader: str, tmp_path: Path
                                         ) -> None:
    field, cell, fmt, expected = case
    row = {**BASE, field: cell}
    formats = {f"{_letter(list(row).index(field) + 1)}2": fmt} if fmt else None
    path = _workbook(tmp_path / "typed.xlsx", [list(row), list(row.values())], formats=formats)
    report, stored = _import(path, tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    got = stored["xx-real"].get(field)
    if field in ("sources", "actors"):
        got = [{k: v for k, v in item.items() if v is not None} for item in got or []]
    assert got == expected
    assert type(got) is type(expected)


def test_every_typed_cell_in_one_workbook(reader: str, tmp_path: Path) -> None:
    """All the cases above as the rows of one sheet: one import, every row stored."""
    header, rows, formats = _good_rows()
    report, stored = _import(_workbook(tmp_path / "typed.xlsx", [header, *rows], formats=formats),
                             tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    assert sorted(stored) == [f"xx-real-{i:03d}" for i in range(len(GOOD))]


# --- cells that cannot mean what they show: one workbook, one problem per row --------------------------------

#: (field, the cell, its number format, problem code, substring of the message, substring of the hint,
#:  the value the report shows)
BAD = [
    # A year typed into a column formatted as dates: Excel shows 11/07/1905 (was: "write the year, e.g. 1905").
    ("start_year", 2019, "dd/mm/yyyy", "type", "formatted as a date and shows 1905-07-11", "if you typed 2019",
     dt.date(1905, 7, 11)),
    ("start_year", 2019, "yyyy", "type", "shows 1905-07-11", "format the column as Number", dt.date(1905, 7, 11)),
    ("planned_participants", 200, "mm-dd-yy", "type", "shows 1900-07-18", "if you typed 200",
     dt.date(1900, 7, 18)),
    # A count in an elapsed-time column (was: a date from the streamed reader, a timedelta without a word from
    # python-calamine).
    ("planned_participants", 200, "[h]:mm:ss", "type", "not a duration", "format the column as Number",
     dt.timedelta(days=200)),
    # A real date in a year column: the year is in the hint.
    ("start_year", dt.datetime(2019, 3, 1), "dd/mm/yyyy", "type", "not a date", "write the year, e.g. 2019",
     dt.date(2019, 3, 1)),
    ("end_year", dt.datetime(2024, 12, 31), "yyyy", "type", "not a date", "e.g. 2024", dt.date(2024, 12, 31)),
    # A time of day where a date or a number goes.
    ("coded_on", dt.time(14, 30), "h:mm", "bad_date", "not a date", "YYYY-MM-DD", dt.time(14, 30)),
    ("duration_months_max", dt.time(12, 0), "hh:mm", "type", "not a time of day", "a time of day was typed",
     dt.time(12, 0)),
    # A percentage where a count goes.
    ("planned_participants", 0.5, "0%", "type", "expected a whole number", "whole number from 0", 0.5),
    ("planned_participants", "50%", None, "type", "expected a whole number", "whole number from 0", "50%"),
    # A currency typed into the cell (the cell's own currency format is fine, see GOOD).
    ("budget_eur", "€1,500,000", None, "type", "without a currency", "write the number alone", "€1,500,000"),
    ("budget_eur", "1.500.000,00 €", None, "type", "without a currency", "write the number alone",
     "1.500.000,00 €"),
    # A line break in a one-value field: several values.
    ("partnership_type", "pilot_project\nother", None, "several_values", "takes one value, not several",
     "allowed:", "pilot_project\nother"),
    # Smart quotes around a value; JSON whose quotes Excel's AutoCorrect made curly.
    ("status", "\u201congoing\u201d", None, "unknown_value", "unknown value", "did you mean 'ongoing'?",
     "\u201congoing\u201d"),
    ("sources", "[{\u201ctitle\u201d: \u201cT\u201d, \u201curl\u201d: \u201chttps://e.org\u201d}]", None,
     "bad_json", "its quotes are typographic", "turn off smart quotes", ANY),
    # TRUE typed into a text field; a date in day/month/year order in a source line.
    ("coder", True, None, "type", "expected text, got a yes/no value", "write the text itself", True),
    ("sources", "Report | https://example.org/r | 27/11/2026", None, "bad_date", "not a date", "YYYY-MM-DD",
     "Report | https://example.org/r | 27/11/2026"),
]


@pytest.fixture(scope="module", params=["calamine", "stream"])
def bad_import(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Report:
    d = tmp_path_factory.mktemp(f"bad-{request.param}")
    header = list(BASE)
    for f, *_ in BAD:
        if f not in header:
            header.append(f)
    rows, formats = [], {}
    for i, (f, cell, fmt, *_rest) in enumerate(BAD):
        row = {**BASE, "id": f"xx-bad-{i:03d}", f: cell}
        rows.append([row.get(h) for h in header])
        if fmt:
            formats[f"{_letter(header.index(f) + 1)}{i + 2}"] = fmt
    path = _workbook(d / "bad.xlsx", [header, *rows], formats=formats)
    mp = pytest.MonkeyPatch()
    if request.param == "stream":
        mp.setenv("SMPATLAS_XLSX_STREAM_ABOVE", "0")
    else:
        mp.delenv("SMPATLAS_XLSX_STREAM_ABOVE", raising=False)
    try:
        report, stored = _import(path, d / "atlas.db")
    finally:
        mp.undo()
    assert not stored
    return report


@pytest.mark.parametrize(("i", "case"), list(enumerate(BAD)), ids=[f"{c[0]}={c[1]!r}/{c[2]}"[:60] for c in BAD])
def test_a_cell_that_cannot_be_read_as_meant_is_reported(i: int, case: tuple[Any, ...], bad_import: Report
                                                         ) -> None:
    field, _cell, _fmt, code, message, hint, value = case
    got = [p for p in bad_import.problems if p.row == i + 2]
    assert len(got) == 1, [p.text() for p in got]
    p: Problem = got[0]
    assert (p.code, p.column, p.field, p.sheet, p.severity) == (code, field, field, "partnerships", "error")
    assert message in p.message
    assert p.hint is not None and hint in p.hint, p.hint
    if value is not ANY:
        assert p.value == value
    assert p.record_id == f"xx-bad-{i:03d}"
    assert p.text()


# --- layout ---------------------------------------------------------------------------------------------------

ROW = list(BASE.values())


def _cover_then_data(wb: Any) -> None:
    cover = wb.active
    cover.title = "Cover"
    for r in list(cover.iter_rows()):
        for c in r:
            c.value = None
    cover["A1"] = "Skills mobility partnerships: coding 2026"
    cover["A3"] = "Prepared by"
    cover["B3"] = "Policy unit"
    cover["A4"] = "Version"
    cover["B4"] = 3
    cover["C4"] = dt.datetime(2026, 11, 27)
    cover["D4"] = "final"  # row 4: beyond the rows looked at
    data = wb.create_sheet("Data 2026")
    data.append(list(BASE))
    data.append(ROW)
    wb.create_sheet("Lists").append(["planned", "ongoing", "completed", "suspended"])


def test_a_cover_sheet_before_the_data_is_passed_over(reader: str, tmp_path: Path) -> None:
    """Was: the cover was read as the table ("unknown column 'Skills mobility …'", every column missing)."""
    path = _workbook(tmp_path / "cover.xlsx", [], setup=_cover_then_data)
    report, stored = _import(path, tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    assert list(stored) == ["xx-real"]
    # the report says which sheet was read and why, as a warning (it does not stop the import)
    [note] = [p for p in report.problems if p.code == "sheet_chosen"]
    assert note.severity == "warning" and note.sheet == "Data 2026"
    assert note.message == "read sheet 'Data 2026': the first sheet, 'Cover', holds no table (a cover or notes)"
    assert note.hint is not None and "--sheet" in note.hint


def test_an_empty_first_sheet_before_the_data_is_passed_over(reader: str, tmp_path: Path) -> None:
    """Was: "sheet 'Sheet1' is empty" (a workbook whose data was pasted into its second sheet)."""
    def setup(wb: Any) -> None:
        data = wb.create_sheet("Data")
        data.append(list(BASE))
        data.append(ROW)
    path = _workbook(tmp_path / "empty-first.xlsx", [], title="Sheet1", setup=setup)
    report, stored = _import(path, tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    assert list(stored) == ["xx-real"]
    [note] = [p for p in report.problems if p.code == "sheet_chosen"]
    assert (note.severity, note.sheet) == ("warning", "Data")
    assert note.message == "read sheet 'Data': the first sheet, 'Sheet1', is empty"


def test_empty_sheets_only_say_the_sheet_is_empty(reader: str, tmp_path: Path) -> None:
    """No sheet holds a table: the first sheet is read, and said to be empty (nothing chosen behind it)."""
    path = _workbook(tmp_path / "all-empty.xlsx", [], title="Sheet1",
                     setup=lambda wb: wb.create_sheet("Sheet2"))
    report, stored = _import(path, tmp_path / "atlas.db")
    assert not stored
    assert [(p.code, p.sheet) for p in report.problems] == [("empty", "Sheet1")]


@pytest.mark.parametrize("sheet", ["Data 2026", "data 2026"])
def test_the_data_sheet_chosen_with_sheet(sheet: str, reader: str, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "cover.xlsx", [], setup=_cover_then_data)
    report, stored = _import(path, tmp_path / "atlas.db", sheet=sheet)
    assert report.valid, report.to_text()
    assert list(stored) == ["xx-real"]
    assert not report.problems  # the sheet named: nothing was chosen for the person


def test_the_cover_chosen_with_sheet_is_read_as_the_table(reader: str, tmp_path: Path) -> None:
    """--sheet is obeyed even when it names the cover: its problems name that sheet."""
    path = _workbook(tmp_path / "cover.xlsx", [], setup=_cover_then_data)
    report, _ = _import(path, tmp_path / "atlas.db", sheet="Cover")
    assert not report.valid
    assert {p.sheet for p in report.problems} == {"Cover"}


def test_a_title_above_the_header_is_still_refused_in_the_first_sheet(reader: str, tmp_path: Path) -> None:
    """A sheet with a title in row 1 and the header in row 2 holds the table: it is not passed over."""
    def setup(wb: Any) -> None:
        wb.create_sheet("Other").append(list(BASE))
    path = _workbook(tmp_path / "title.xlsx", [["Partnerships 2026"], list(BASE), ROW], title="Sheet1", setup=setup)
    report, _ = _import(path, tmp_path / "atlas.db")
    assert [(p.code, p.sheet, p.row) for p in report.problems] == [("no_header", "Sheet1", 1)]


def _excel_table(wb: Any) -> None:
    from openpyxl.worksheet.table import Table as ListObject
    from openpyxl.worksheet.table import TableStyleInfo

    ws = wb.active
    table = ListObject(displayName="Partnerships", ref=f"A1:{_letter(len(BASE) + 1)}3")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "C2"
    ws.column_dimensions["B"].hidden = True  # a hidden column is read
    ws.auto_filter.ref = None


def test_an_excel_table_with_frozen_and_hidden_columns(reader: str, tmp_path: Path) -> None:
    rows = [[*BASE, "#notes"], [*ROW, "checked"], ["xx-real-2", *ROW[1:], None]]
    path = _workbook(tmp_path / "table.xlsx", rows, title="Sheet1", setup=_excel_table)
    report, stored = _import(path, tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    assert sorted(stored) == ["xx-real", "xx-real-2"]
    assert stored["xx-real"]["name"] == "Real partnership"  # from the hidden column B


def test_hidden_rows_are_imported(reader: str, tmp_path: Path) -> None:
    """A hidden (or filtered-out) row is data out of view: it is imported, as Excel's 'Save As CSV' writes it."""
    def hide(wb: Any) -> None:
        wb.active.row_dimensions[3].hidden = True
    rows = [list(BASE), ROW, ["xx-hidden", *ROW[1:]]]
    report, stored = _import(_workbook(tmp_path / "hidden.xlsx", rows, setup=hide), tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    assert sorted(stored) == ["xx-hidden", "xx-real"]


def test_a_value_merged_over_three_rows_is_reported(reader: str, tmp_path: Path) -> None:
    def merge(wb: Any) -> None:
        wb.active.merge_cells("C2:C4")
    rows = [list(BASE), *([f"xx-m-{i}", *ROW[1:]] for i in range(3))]
    report, stored = _import(_workbook(tmp_path / "merged.xlsx", rows, setup=merge), tmp_path / "atlas.db")
    assert not stored
    merged = [p for p in report.problems if p.code == "merged_cells"]
    assert [(p.row, p.column, p.sheet) for p in merged] == [(3, "partnership_type", "partnerships")]
    assert "C3:C4 are part of merged cells C2:C4" in merged[0].message and merged[0].hint
    assert report.errors == merged  # said once for the block, not again as empty required cells in rows 3, 4


def test_trailing_rows_and_columns_with_formatting_only(reader: str, tmp_path: Path) -> None:
    from openpyxl.styles import Font, PatternFill

    def format_around(wb: Any) -> None:
        ws = wb.active
        for r in range(1, 80):
            for c in range(1, 16):
                cell = ws.cell(r, c)
                if r > 2 or c > len(BASE):
                    cell.fill = PatternFill("solid", fgColor="FFFF00")
                    cell.font = Font(bold=True)
        ws.cell(40, 3).value = "   "  # a cell of spaces far below
        ws.cell(2, 14).value = ""
    path = _workbook(tmp_path / "trailing.xlsx", [list(BASE), ROW], setup=format_around)
    report, stored = _import(path, tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    assert report.rows == 1
    assert list(stored) == ["xx-real"]


def test_headers_as_people_type_them(reader: str, tmp_path: Path) -> None:
    """Line breaks (Alt+Enter), trailing and non-breaking spaces in headers; a '#notes' column is ignored."""
    header = ["ID ", "Name\u00a0", "Partnership\ntype", "Origin\ncountries", "Destination_x000D_\ncountries",
              "Start year\u00a0", "\u00a0Status", " Sources", "#notes", "Budget (EUR)", "Planned\nparticipants"]
    rows = [header, [*ROW, "=A1 & \" a note\"", 1000, 200.0]]
    report, stored = _import(_workbook(tmp_path / "headers.xlsx", rows), tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    record = stored["xx-real"]
    assert (record["budget_eur"], record["planned_participants"], record.get("notes")) == (1000, 200, None)


def test_the_column_of_a_problem_is_the_header_as_written(reader: str, tmp_path: Path) -> None:
    header = ["ID", "Name", "Partnership\ntype", "Origin\u00a0countries", "Destination countries", "Start year",
              "Status", "Sources"]
    rows = [header, [*ROW[:3], "Atlantis", *ROW[4:]]]
    report, _ = _import(_workbook(tmp_path / "h.xlsx", rows), tmp_path / "atlas.db")
    (p,) = report.problems
    assert (p.code, p.row, p.column, p.value) == ("unknown_country", 2, "Origin\u00a0countries", "Atlantis")


# --- the two XLSX readers read number formats alike -----------------------------------------------------------

FORMATS = ["General", "0", "#,##0.00", "0%", "0.00E+00", '"€"#,##0.00', "#,##0.00\\ [$€-407]",
           "dd/mm/yyyy", "yyyy", "mm-dd-yy", "h:mm", "hh:mm:ss", "AM/PM", "mm:ss", "[$-404]e\"\\xfc\"m",
           "[h]:mm:ss", "[h]", "[mm]:ss", "[ss]", "[s].000", "[hh]:mm", "[Blue]\\+[h]:mm;[Red]\\-[h]:mm",
           "[>=100][Magenta][s].00", "[>=100][Magenta].00", "#,##0*y", "0\"x\"*d", "*-yyyy-mm-dd",
           "#,##0.00\\ _M\"H\"_);[Red]#,##0.00\\ _M\"S\"_)", "0_ ;[Red]\\-0\\ ", "0;\"d\"", '#,##0 "days"']
#: Serials in the range both readers count alike (python-calamine counts 1 to 59 from a day later).
SERIALS = [0, 0.25, 0.1234567, 1e-9, -0.5, -1, 61, 61.5, 2019, 43525.75, 2958465.5, 3e6]


@pytest.mark.parametrize("date1904", [False, True])
def test_the_streamed_reader_reads_number_formats_as_calamine_does(date1904: bool, tmp_path: Path) -> None:
    """Was: durations ([h]:mm) read as dates, '_M' and '*y' read as date formats, milliseconds not rounded,
    negative serials read as dates, and a serial beyond year 9999 an OverflowError (an internal error)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "partnerships"
    if date1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    for r, fmt in enumerate(FORMATS, 1):
        for c, serial in enumerate(SERIALS, 1):
            ws.cell(r, c, serial).number_format = fmt
    path = tmp_path / "formats.xlsx"
    wb.save(path)
    expected = [(i, [(type(v).__name__, v) for v in r])
                for i, r in enumerate(CalamineWorkbook.from_path(str(path)).get_sheet_by_name("partnerships")
                                      .iter_rows(), 1)]
    got = [(i, [(type(v).__name__, v) for v in r]) for i, r in sheetstream.stream(str(path), "partnerships")]
    for (n, want), (m, have), fmt in zip(expected, got, FORMATS, strict=True):
        assert (m, have) == (n, want), fmt


def test_a_cell_python_calamine_cannot_convert_does_not_stop_the_import(reader: str, tmp_path: Path) -> None:
    """Was an internal error (OverflowError from python-calamine): 1e12 in a cell formatted as [h]:mm."""
    rows = [[*BASE, "budget_eur"], [*ROW, 1e12], ["xx-real-2", *ROW[1:], 5]]
    path = _workbook(tmp_path / "huge.xlsx", rows, formats={f"{_letter(len(BASE) + 1)}2": "[h]:mm"})
    report, stored = _import(path, tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    assert (stored["xx-real"]["budget_eur"], stored["xx-real-2"]["budget_eur"]) == (10**12, 5)


# --- the same sheet saved as CSV by Excel ---------------------------------------------------------------------

HEADER_CSV = [*BASE, "budget_eur", "government_to_government", "origin_countries"]


def _csv_bytes(delimiter: str, rows: list[list[str]], *, bom: bool = True, newline: str = "\r\n",
               last_newline: bool = False) -> bytes:
    def cell(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(ch in c for ch in (delimiter, '"', "\n", "\r")) else c

    lines = [delimiter.join(cell(c) for c in r) for r in rows]
    text = newline.join(lines) + (newline if last_newline else "")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


CSV_HEADER = ["ID", "Name", "Partnership type", "Destination countries", "Start year", "Status", "Sources",
              "Budget (EUR)", "Government to government", "Origin\ncountries"]
CSV_ROW = ["xx-csv", "Triple Win", "pilot_project", "DEU", "2021", "ongoing",
           "Report | https://example.org/r | 2026-11-27\nhttps://example.org/s", "1500000", "TRUE",
           "Philippines\nIndia"]

CSV_CASES = [
    pytest.param(",", {}, id="utf8-bom-comma-crlf-no-last-newline"),
    pytest.param(";", {}, id="european-semicolon"),
    pytest.param(";", {"last_newline": True}, id="european-semicolon-last-newline"),
    pytest.param("\t", {"bom": False, "newline": "\n"}, id="tab-lf"),
]


@pytest.mark.parametrize(("delimiter", "options"), CSV_CASES)
def test_a_sheet_saved_as_csv_by_excel(delimiter: str, options: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    trailing = [""] * 3  # Excel writes the empty (formatted) columns it saw to the right, and an empty row
    path.write_bytes(_csv_bytes(delimiter, [CSV_HEADER + trailing, CSV_ROW + trailing, [""] * 13], **options))
    report, stored = _import(path, tmp_path / "atlas.db")
    assert report.valid, report.to_text()
    record = stored["xx-csv"]
    assert record["origin_countries"] == ["IND", "PHL"]
    assert record["budget_eur"] == 1500000 and record["government_to_government"] is True
    assert [s["url"] for s in record["sources"]] == ["https://example.org/r", "https://example.org/s"]
    assert record["sources"][0]["accessed"] == "2026-11-27"


@pytest.mark.parametrize("cell", ["1.500.000,00", "1 500 000,00 €"])
def test_a_european_excel_csv_number_is_reported(cell: str, tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    row = list(CSV_ROW)
    row[7] = cell
    path.write_bytes(_csv_bytes(";", [CSV_HEADER, row]))
    report, stored = _import(path, tmp_path / "atlas.db")
    (p,) = report.problems
    assert (p.row, p.column, p.value, p.code) == (2, "Budget (EUR)", cell, "type")
    assert p.hint and ("1500000" in p.hint)
    assert not stored


def test_excel_unicode_text_is_named_as_utf16(tmp_path: Path) -> None:
    """Excel's 'Unicode Text' is UTF-16 with tabs (was: "byte 0xff cannot be decoded")."""
    path = tmp_path / "unicode.txt"
    path.write_bytes(("\t".join(CSV_HEADER[:-1]) + "\r\n" + "\t".join(CSV_ROW[:-1]).replace("\n", " ")
                      + "\r\n").encode("utf-16"))
    report, _ = _import(path, tmp_path / "atlas.db")
    (p,) = report.problems
    assert (p.code, p.row) == ("encoding", 1)
    assert "UTF-16" in p.message and "CSV UTF-8" in (p.hint or "")


def test_cli_validate_reads_the_data_sheet_behind_a_cover(cli: Any, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "cover.xlsx", [], setup=_cover_then_data)
    result = cli("validate", path, "--db", tmp_path / "atlas.db", "--report-format", "json")
    assert result.code == 0, result.stdout + result.stderr
    data = result.json()
    assert (data["valid"], data["rows"], data["inserted"]) == (True, 1, 1)
