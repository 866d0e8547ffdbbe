"""Readers' messages for spreadsheets people really send: titles above the header, formulas in ignored columns,
merged cells, sheet names in other capitals, bad bytes in the header row.

Each case builds a real file (XLSX with openpyxl, CSV as bytes) and validates it (a dry run) into a SQLite
inventory; the expected outcome is either valid, or one problem with its code, row and words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.io.importer import import_files
from smpatlas.io.readers import FileError, open_table
from smpatlas.store import database

HEADER = ["id", "name", "partnership_type", "origin_countries", "destination_countries", "start_year", "status",
          "sources"]
ROW = ["xx-new-one", "New partnership", "pilot_project", "PHL", "DEU", "2021", "ongoing", "https://example.org/new"]
ROW2 = ["xx-new-two", "Another", "pilot_project", "PHL", "DEU", "2022", None, "https://example.org/two"]
ROW2_OK = [*ROW2[:6], "planned", ROW2[7]]

Builder = Callable[[Path], Path]


def xlsx(rows: list[list[Any]], *, title: str = "partnerships", more_sheets: tuple[str, ...] = (),
         cells: dict[str, Any] | None = None, merge: str | tuple[str, ...] | None = None) -> Builder:
    def build(d: Path) -> Path:
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = title
        for r in rows:
            ws.append(r)
        for ref, value in (cells or {}).items():
            ws[ref] = value
        for rng in (merge,) if isinstance(merge, str) else merge or ():
            ws.merge_cells(rng)
        for s in more_sheets:
            wb.create_sheet(s)
        p = d / "in.xlsx"
        wb.save(p)
        return p

    return build


def csv_bytes(data: bytes) -> Builder:
    def build(d: Path) -> Path:
        p = d / "in.csv"
        p.write_bytes(data)
        return p

    return build


def _line(cells: list[Any]) -> bytes:
    return (",".join("" if c is None else str(c) for c in cells) + "\r\n").encode()


@dataclass
class Case:
    build: Builder
    code: str | None = None  # None: the file is valid
    row: int | None = None
    words: tuple[str, ...] = ()
    sheet: str | None = None
    absent: tuple[str, ...] = ()  # words the problem must not contain (e.g. a generic hint)


CASES = [
    # A title in A1, the header in row 2 (problem 6): one problem that says where the header is.
    pytest.param(Case(xlsx([["SMP coding sheet – draft"], HEADER, ROW]), "no_header", 1,
                      ("header must be in row 1", "row 2 looks like the header", "SMP coding sheet"),),
                 id="xlsx-title-row"),
    pytest.param(Case(xlsx([["SMP coding sheet – draft"], [], HEADER, ROW]), "no_header", 1,
                      ("row 3 looks like the header", "delete the rows above row 3")), id="xlsx-title-blank-row"),
    pytest.param(Case(csv_bytes("SMP coding sheet – draft\r\n".encode() + _line(HEADER) + _line(ROW)), "no_header",
                      1, ("row 2 looks like the header",)), id="csv-title-row"),
    # One filled header cell above ordinary rows is not a title (an id-only file, e.g. for upsert checks).
    pytest.param(Case(csv_bytes(_line(["id"]) + _line(["xx-new-one"])), "missing_column", 1), id="csv-one-column"),
    # Formulas (problem 5): ignored under '#' headers and outside the header's columns, refused in data columns.
    pytest.param(Case(xlsx([[*HEADER, "#check"], [*ROW, "=1+1"]])), id="formula-in-hash-column"),
    pytest.param(Case(xlsx([HEADER, ROW], cells={"Z50": "=TODAY()"})), id="formula-beyond-header"),
    pytest.param(Case(xlsx([HEADER, ROW], cells={"F2": "=2020+1"}), "formula", None,
                      ("contains formulas (1 cell: F2)",)), id="formula-in-data-column"),
    # A merged Status cell (problem 9): the cell that lost its value is named.
    pytest.param(Case(xlsx([HEADER, ROW, ROW2], merge="G2:G3"), "merged_cells", 3,
                      ("G3 is part of merged cells G2:G3 (only G2 holds the value)", "unmerge them in Excel"),
                      absent=("fix or clear",)), id="merged-status"),
    pytest.param(Case(xlsx([[*HEADER, "#note"], ROW, [*ROW2[:6], "ongoing", ROW2[7]]], merge="I2:I3")),
                 id="merged-in-hash-column"),
    # --sheet ignores capitals when one sheet matches (problem 8), and lists the sheets otherwise.
    pytest.param(Case(xlsx([HEADER, ROW], title="Partnerships", more_sheets=("Notes",)), sheet="partnerships"),
                 id="sheet-other-capitals"),
    pytest.param(Case(xlsx([HEADER, ROW], title="Data", more_sheets=("Notes",)), "sheet", None,
                      ("no sheet named 'partnerships'", "'Data', 'Notes'"), sheet="partnerships"),
                 id="sheet-missing"),
    # Lines ending in a carriage return alone (classic Mac OS, Excel's "CSV (Macintosh)"), a quoted cell
    # holding one, and a bad byte found at its row; a first line longer than the 64 KiB read to detect them.
    pytest.param(Case(csv_bytes((_line(HEADER) + _line(ROW) + _line(ROW2_OK)).replace(b"\r\n", b"\r"))),
                 id="csv-cr-line-ends"),
    pytest.param(Case(csv_bytes((_line(HEADER) + _line(ROW).replace(b"New partnership", b'"New\rpartnership"')
                                 + _line(ROW2_OK)).replace(b"\r\n", b"\r"))), id="csv-cr-line-ends-quoted-cr"),
    pytest.param(Case(csv_bytes((_line(HEADER) + _line(ROW) + _line(ROW2).replace(b"Another", b"Autre\xe9"))
                                .replace(b"\r\n", b"\r")), "encoding", 3, ("not UTF-8",)), id="csv-cr-bad-byte-row-3"),
    pytest.param(Case(csv_bytes(_line([*HEADER, "#" + "n" * 70_000]) + _line(ROW))), id="csv-first-line-over-64k"),
    # A byte that is not UTF-8 is reported at its row (problem 7: the header row is row 1).
    pytest.param(Case(csv_bytes(_line(HEADER).replace(b"name", "n\u00e9me".encode("latin-1")) + _line(ROW)),
                      "encoding", 1, ("not UTF-8",)), id="csv-bad-byte-header"),
    pytest.param(Case(csv_bytes(_line(HEADER) + _line(ROW) + _line(ROW2).replace(b"Another", b"Autre\xe9")),
                      "encoding", 3, ("not UTF-8",)), id="csv-bad-byte-row-3"),
]


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    eng = database.open_engine(str(tmp_path_factory.mktemp("inv") / "atlas.db"))
    yield eng
    eng.dispose()


@pytest.mark.parametrize("case", CASES)
def test_reader_problem(case: Case, inventory: Engine, tmp_path: Path) -> None:
    report = import_files(inventory, [case.build(tmp_path)], dry_run=True, sheet=case.sheet, user="test")
    if case.code is None:
        assert report.valid, report.to_text()
        return
    hits = [p for p in report.errors if p.code == case.code]
    assert hits, report.to_text()
    text = f"{hits[0].message} {hits[0].hint}"
    assert hits[0].row == case.row, report.to_text()
    for w in case.words:
        assert w in text, report.to_text()
    for w in case.absent:
        assert w not in text, report.to_text()
    if case.code == "no_header":  # the title is one clear problem, not "unknown column" and 7 missing columns
        assert len(report.errors) == 1, report.to_text()


def test_sheet_in_other_capitals_is_reported_by_its_real_name(tmp_path: Path) -> None:
    path = xlsx([HEADER, ROW], title="Partnerships", more_sheets=("Notes",))(tmp_path)
    assert open_table(path, sheet=" PARTNERSHIPS ").sheet == "Partnerships"


def test_title_row_check_keeps_every_row(tmp_path: Path) -> None:
    """Rows looked at for a title are given back: an id-only sheet still yields all its rows."""
    path = xlsx([["id"], ["xx-a"], ["xx-b"], ["xx-c"]])(tmp_path)
    table = open_table(path)
    assert [(n, cells[0]) for n, cells in table.rows] == [(2, "xx-a"), (3, "xx-b"), (4, "xx-c")]


def test_title_row_is_a_file_error(tmp_path: Path) -> None:
    path = csv_bytes(_line(["Draft"]) + _line(HEADER))(tmp_path)
    with pytest.raises(FileError) as exc:
        open_table(path)
    assert exc.value.row == 1 and exc.value.code == "no_header"


@pytest.mark.parametrize("streamed", [False, True], ids=["read-whole", "streamed"])
@pytest.mark.parametrize(("merge", "expected"), [
    ("G2:G3", [(3, "status", "G3 is part of merged cells G2:G3 (only G2 holds the value)", "every row")]),
    ("B2:C2", [(2, "partnership_type", "C2 is part of merged cells B2:C2 (only B2 holds the value)", "every cell")]),
    (("G2:G3", "A3:B3"), [(3, "status", "G3 is part of merged cells G2:G3", "every row"),
                          (3, "name", "B3 is part of merged cells A3:B3", "every cell")]),
    ("I2:I3", []),  # under a '#' header: ignored
    ("A1:B1", []),  # in the header row
])
def test_merged_cells_are_found_however_the_sheet_is_read(merge: str | tuple[str, ...],
                                                          expected: list[tuple[int, str, str, str]], streamed: bool,
                                                          inventory: Engine, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Large sheets are streamed (flat memory) rather than read whole by python-calamine; both report the same
    merged ranges, from the sheet's XML."""
    monkeypatch.setenv("SMPATLAS_XLSX_STREAM_ABOVE", "0" if streamed else str(1 << 40))
    path = xlsx([[*HEADER, "#note"], ROW, ROW2], merge=merge)(tmp_path)
    report = import_files(inventory, [path], dry_run=True, user="test")
    got = [(p.row, p.column, p.message, p.hint) for p in report.errors if p.code == "merged_cells"]
    assert len(got) == len(expected), report.to_text()
    for (row, column, message, hint), (want_row, want_column, want_message, want_hint) in zip(got, expected,
                                                                                                strict=True):
        assert (row, column) == (want_row, want_column)
        assert want_message in message and want_hint in (hint or "")


@pytest.mark.parametrize("streamed", [False, True], ids=["read-whole", "streamed"])
@pytest.mark.parametrize(("merge", "expected"), [
    # Was: the merged_cells problem at G3, then "Status is required but empty" at G3, G4 and G5.
    ("G2:G5", [(3, "status", "G3:G5 are part of merged cells G2:G5 (only G2 holds the value)")]),
    ("B2:C4", [(2, "partnership_type",
                "C2 and B3:C4 are part of merged cells B2:C4 (only B2 holds the value)")]),
    ("G3:G4", [(4, "status", "G4 is part of merged cells G3:G4 (only G3 holds the value)")]),
])
def test_merged_cells_are_one_problem_for_the_block(merge: str, expected: list[tuple[int, str, str]],
                                                   streamed: bool, inventory: Engine, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The cells a merge left empty are said once, as a block: no "required but empty" for each of them."""
    monkeypatch.setenv("SMPATLAS_XLSX_STREAM_ABOVE", "0" if streamed else str(1 << 40))
    rows = [ROW, *[[f"xx-more-{i}", *ROW2[1:6], "ongoing", *ROW2[7:]] for i in range(3)]]
    path = xlsx([HEADER, *rows], merge=merge)(tmp_path)
    report = import_files(inventory, [path], dry_run=True, user="test")
    assert [(p.row, p.column, p.message) for p in report.errors] == expected, report.to_text()


def test_a_required_cell_left_blank_beside_merged_cells_is_still_reported(inventory: Engine,
                                                                          tmp_path: Path) -> None:
    """Only the cells in the merged block are explained by it: a blank required cell elsewhere is reported."""
    rows = [ROW, ROW2, [*ROW2[:1], None, *ROW2[2:6], "ongoing", *ROW2[7:]]]
    rows[2][0] = "xx-third"
    path = xlsx([HEADER, *rows], merge="G2:G3")(tmp_path)
    report = import_files(inventory, [path], dry_run=True, user="test")
    assert [(p.row, p.column, p.code) for p in report.errors] == [(3, "status", "merged_cells"),
                                                                  (4, "name", "required")], report.to_text()


HUGE = "9" * 5000  # Python refuses to read an integer of more than 4,300 digits


@pytest.mark.parametrize(("name", "text", "row", "words"), [
    ("huge.json", '[{"id": "xx-a", "budget_eur": ' + HUGE + "}]", None, "not readable JSON"),
    ("huge.jsonl", '{"id": "xx-a"}\n{"id": "xx-b", "budget_eur": ' + HUGE + "}\n", 2, "line is not readable JSON"),
])
def test_a_number_of_thousands_of_digits_is_a_file_problem(inventory: Engine, tmp_path: Path, name: str, text: str,
                                                           row: int | None, words: str) -> None:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    report = import_files(inventory, [path], dry_run=True, user="test")
    problems = [p for p in report.errors if p.code == "json"]
    assert len(problems) == 1 and problems[0].row == row, report.to_text()
    assert words in problems[0].message and "thousands of digits" in (problems[0].hint or "")


@pytest.mark.parametrize("cell", ['[{"period": "2020", "indicator": "departed", "value": ' + HUGE + "}]",
                                  "[" * 100_000 + "]" * 100_000])
def test_unreadable_json_in_a_cell_is_bad_json(inventory: Engine, tmp_path: Path, cell: str) -> None:
    path = tmp_path / "in.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        import csv

        csv.writer(fh).writerows([[*HEADER, "outcomes"], [*ROW, cell]])
    report = import_files(inventory, [path], dry_run=True, user="test")
    assert [(p.code, p.row, p.column) for p in report.errors] == [("bad_json", 2, "outcomes")], report.to_text()
    assert "cannot be read" in report.errors[0].message


def _workbook_with_a_sheet_before(kind: str) -> Builder:
    """The data on a sheet called 'Data', after a sheet of another kind (no sheet is called partnerships)."""
    def build(d: Path) -> Path:
        from openpyxl import Workbook
        from openpyxl.chart import BarChart, Reference

        wb = Workbook()
        first = wb.active
        first.title = "lists" if kind != "empty" else "Notes"
        if kind == "hidden":
            first.append(["high", "middle", "low"])  # a template's dropdown lists
            first.sheet_state = "hidden"
        data = wb.create_sheet("Data")
        data.append(HEADER)
        data.append(ROW)
        if kind == "chart":
            wb.remove(first)
            chart_sheet = wb.create_chartsheet("Chart", 0)
            chart = BarChart()
            chart.add_data(Reference(data, min_col=6, min_row=1, max_row=2))
            chart_sheet.add_chart(chart)
        p = d / "in.xlsx"
        wb.save(p)
        return p

    return build


@pytest.mark.parametrize(("kind", "valid", "words"), [
    ("hidden", True, ()),  # a hidden first sheet (dropdown lists) is passed over for the first visible one
    ("chart", True, ()),  # so is a chart sheet, which holds no rows
    # and an empty first sheet, which the report says (it once stopped the import: "sheet 'Notes' is empty")
    ("empty", True, ("read sheet 'Data': the first sheet, 'Notes', is empty",)),
])
def test_without_sheet_the_first_visible_worksheet_is_read(kind: str, valid: bool, words: tuple[str, ...],
                                                           inventory: Engine, tmp_path: Path) -> None:
    report = import_files(inventory, [_workbook_with_a_sheet_before(kind)(tmp_path)], dry_run=True, user="test")
    assert report.valid is valid, report.to_text()
    for w in words:
        assert w in report.to_text()
    if valid:
        assert report.inserted == 1
