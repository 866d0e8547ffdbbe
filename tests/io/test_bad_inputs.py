"""A corpus of bad input files: every one is refused with a precise problem and writes nothing.

Each case builds a real file in ``tmp_path`` (CSV as text or bytes, XLSX with
openpyxl, JSON / JSON Lines as text) and imports it into an inventory that
already holds the bundled sample. For every case the report is invalid, one
error names the expected message (and, where it means something, the row,
column, value and hint), and the SQLite file is byte-for-byte unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.io.importer import import_files
from smpatlas.problems import Problem, Report
from smpatlas.store import database
from tests.conftest import BUNDLED, minimal, snapshot

Builder = Callable[[Path], Path]


class _Any:
    """Matches anything (a field of the expected problem that is not checked)."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()

#: One valid row (all cells as text); cases change or remove cells.
BASE: dict[str, Any] = {
    "id": "xx-new-one",
    "name": "New partnership",
    "partnership_type": "pilot_project",
    "origin_countries": "PHL",
    "destination_countries": "DEU",
    "start_year": "2021",
    "status": "ongoing",
    "sources": "https://example.org/new",
}
HEADER = list(BASE)
#: An id the bundled sample (and so the inventory) already holds.
EXISTING_ID: str = json.loads(BUNDLED.read_text("utf-8").splitlines()[0])["id"]


# --- builders ----------------------------------------------------------------

def _csv_text(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for r in rows:
        writer.writerow(["" if c is None else c for c in r])
    return buf.getvalue()


def _table(*changes: dict[str, Any]) -> list[list[Any]]:
    """Header + one row per ``changes`` dict applied to BASE (value ``...`` drops the column)."""
    header = list(HEADER)
    for ch in changes:
        for k in ch:
            if k not in header and ch[k] is not ...:
                header.append(k)
    dropped = {k for ch in changes for k, v in ch.items() if v is ...}
    header = [h for h in header if h not in dropped]
    return [header] + [[{**BASE, **ch}.get(h) for h in header] for ch in changes]


def csv_rows(*changes: dict[str, Any], name: str = "bad.csv") -> Builder:
    """A UTF-8 CSV: BASE header plus one data row per ``changes``."""

    def build(d: Path) -> Path:
        p = d / name
        p.write_text(_csv_text(_table(*(changes or ({},)))), "utf-8", newline="")
        return p

    return build


def csv_raw(rows: list[list[Any]], name: str = "bad.csv") -> Builder:
    def build(d: Path) -> Path:
        p = d / name
        p.write_text(_csv_text(rows), "utf-8", newline="")
        return p

    return build


def raw_bytes(data: bytes, name: str) -> Builder:
    def build(d: Path) -> Path:
        p = d / name
        p.write_bytes(data)
        return p

    return build


def text_file(text: str, name: str) -> Builder:
    def build(d: Path) -> Path:
        p = d / name
        p.write_text(text, "utf-8", newline="")
        return p

    return build


def json_records(items: Any, name: str = "bad.json") -> Builder:
    return text_file(json.dumps(items, ensure_ascii=False), name)


def jsonl_records(items: list[Any], name: str = "bad.jsonl") -> Builder:
    return text_file("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), name)


def _workbook(rows: list[list[Any]], title: str = "partnerships", more_sheets: tuple[str, ...] = ()) -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    for s in more_sheets:
        wb.create_sheet(s)
    return wb


def xlsx(rows: list[list[Any]], *, title: str = "partnerships", more_sheets: tuple[str, ...] = (),
         name: str = "bad.xlsx") -> Builder:
    def build(d: Path) -> Path:
        p = d / name
        _workbook(rows, title, more_sheets).save(p)
        return p

    return build


def xlsx_cut(keep: float) -> Builder:
    """A valid workbook whose bytes were cut (an interrupted download or copy)."""

    def build(d: Path) -> Path:
        p = xlsx(_table({}))(d)
        data = p.read_bytes()
        p.write_bytes(data[: int(len(data) * keep)])
        return p

    return build


def xlsx_damaged_sheet(d: Path) -> Path:
    """A valid zip whose compressed sheet data is damaged (bad sectors, a bad merge tool)."""
    p = xlsx(_table(*({"id": f"xx-row-{i}", "name": "N" * 40} for i in range(100))))(d)
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 20, start + 80):
        data[i] ^= 0x55
    p.write_bytes(bytes(data))
    return p


def missing_file(d: Path) -> Path:
    return d / "no-such-file.csv"


def latin1_csv(d: Path) -> Path:
    p = d / "latin1.csv"
    text = _csv_text(_table({"name": "Coopération franco-marocaine"}))
    p.write_bytes(text.encode("latin-1"))
    return p


def blank_first_line(d: Path) -> Path:
    p = d / "blank-first.csv"
    p.write_text("\r\n" + _csv_text(_table({})), "utf-8", newline="")
    return p


# --- the corpus --------------------------------------------------------------

@dataclass(frozen=True)
class Bad:
    """One bad input and the problem it must produce."""

    build: Builder
    message: str  # substring of the error message
    row: Any = ANY  # exact row number (None = file level)
    column: Any = ANY  # exact column header as written
    value: Any = ANY  # exact offending value
    hint: str | None = None  # substring of the hint
    options: dict[str, Any] = field(default_factory=dict)  # extra import_files arguments


def _bug(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"bug: {reason}")


CASES = [
    # A word in a whole-number column.
    pytest.param(Bad(csv_rows({"start_year": "twenty"}), "expected a whole number", row=2, column="start_year",
                     value="twenty", hint="e.g. 2021"), id="int-column-text"),
    # A fraction in a whole-number column (XLSX keeps it a real number).
    pytest.param(Bad(xlsx(_table({"start_year": 2021.5})), "expected a whole number", row=2, column="start_year",
                     value=2021.5), id="int-column-fraction-xlsx"),
    # Year outside the codebook's bounds.
    pytest.param(Bad(csv_rows({"start_year": "1890"}), "is below the minimum", row=2,
                     column="start_year", value="1890", hint="Start year must be ≥"), id="int-below-minimum"),
    # A typo in a set vocabulary value.
    pytest.param(Bad(csv_rows({"mobility_types": "circulr"}), "unknown value 'circulr' for mobility_types", row=2,
                     column="mobility_types", value="circulr", hint="did you mean 'circular'?"),
                 id="set-unknown-value-did-you-mean"),
    # A typo in a one-value vocabulary column, header written as its label.
    pytest.param(Bad(csv_rows({"status": ..., "Status": "ongoin"}), "unknown value 'ongoin' for status", row=2,
                     column="Status", value="ongoin", hint="did you mean 'ongoing'?"),
                 id="enum-unknown-value-did-you-mean"),
    # Two values where the codebook takes one.
    pytest.param(Bad(csv_rows({"partnership_type": "pilot_project; other"}), "takes one value, not several",
                     row=2, column="partnership_type"), id="enum-several-values"),
    # A country that does not exist.
    pytest.param(Bad(csv_rows({"origin_countries": "Atlantis"}), "unknown country", row=2,
                     column="origin_countries", value="Atlantis", hint="alpha-3"), id="unknown-country"),
    # A misspelt country name gets a suggestion.
    pytest.param(Bad(csv_rows({"destination_countries": "Germny"}), "unknown country", row=2,
                     column="destination_countries", hint="did you mean 'Germany' (DEU)?"),
                 id="country-typo-did-you-mean"),
    # A name that fits two countries.
    pytest.param(Bad(csv_rows({"origin_countries": "Korea"}), "ambiguous country name", row=2,
                     column="origin_countries", value="Korea", hint="KOR"), id="ambiguous-country-korea"),
    # "Congo" is the Republic of the Congo to ISO but the DR Congo to many people: must be refused.
    pytest.param(Bad(csv_rows({"origin_countries": "Congo"}), "ambiguous country name", row=2,
                     column="origin_countries", value="Congo", hint="COD"),
                 id="ambiguous-country-congo"),
    # End before start.
    pytest.param(Bad(csv_rows({"end_year": "2019"}), "end year 2019 is before start year 2021", row=2,
                     column="end_year", value=2019, hint="leave end_year empty"), id="end-year-before-start"),
    # An outcome line pasted twice: stored twice, every total would count it twice.
    pytest.param(Bad(csv_rows({"outcomes": "2024 | trained | 40 | Report\n2025 | departed | 32\n"
                                           "2024 | trained | 40 | Report"}),
                     "line 3 repeats line 1 (2024 | trained | 40 | Report)", row=2, column="outcomes",
                     hint="delete one of them"), id="outcome-line-repeated"),
    # The same source twice (as a URL and again as a URL).
    pytest.param(Bad(csv_rows({"sources": "https://example.org/a\nhttps://example.org/a"}),
                     "line 2 repeats line 1 (https://example.org/a)", row=2, column="sources"),
                 id="source-repeated"),
    # Maximum duration below the minimum.
    pytest.param(Bad(csv_rows({"duration_months_min": "24", "duration_months_max": "12"}),
                     "maximum duration 12 is below the minimum 24", row=2, column="duration_months_max"),
                 id="duration-max-below-min"),
    # The same id twice in one file.
    pytest.param(Bad(csv_rows({}, {"name": "Second"}), "duplicate id 'xx-new-one'", row=3, column="id",
                     value="xx-new-one", hint="ids must be unique"), id="duplicate-id-in-file"),
    # An id the inventory already holds (mode insert).
    pytest.param(Bad(csv_rows({"id": EXISTING_ID}), f"id {EXISTING_ID!r} is already in the inventory",
                     row=2, column="id", value=EXISTING_ID, hint="--mode upsert",
                     options={"mode": "insert"}), id="id-already-in-inventory"),
    # A required column is missing altogether.
    pytest.param(Bad(csv_rows({"status": ...}), "required column 'Status' is missing", row=1, column="Status",
                     hint="'status'"), id="missing-required-column"),
    # A misspelt header.
    pytest.param(Bad(csv_rows({"mobilty": "circular"}), "unknown column 'mobilty'", row=1, column="mobilty",
                     hint="did you mean 'mobility_types'?"), id="unknown-column-did-you-mean"),
    # Two headers that mean the same field (name and its alias "Title").
    pytest.param(Bad(csv_rows({"Title": "Another name"}), "columns 'name' and 'Title' both mean 'name'", row=1,
                     column="Title", hint="keep one"), id="duplicate-column-alias"),
    # A value in a column that has no header.
    pytest.param(Bad(csv_rows({"": "stray"}), "a value in column 9 which has no header", row=2, value="stray",
                     hint="give the column a header"), id="value-without-header"),
    # A value to the right of the last header (row longer than the header).
    pytest.param(Bad(csv_raw([HEADER, [*BASE.values(), "stray"]]), "which has no header", row=2, value="stray"),
                 id="value-beyond-last-header"),
    # A required cell left blank.
    pytest.param(Bad(csv_rows({"name": ""}), "Name is required but empty", row=2, column="name",
                     hint="every partnership needs 'name'"), id="required-cell-blank"),
    # A required cell left blank in a workbook.
    pytest.param(Bad(xlsx(_table({"status": None})), "Status is required but empty", row=2, column="status"),
                 id="required-cell-blank-xlsx"),
    # An empty file (0 bytes).
    pytest.param(Bad(raw_bytes(b"", "empty.csv"), "the file is empty", row=None, hint="no header"),
                 id="empty-file"),
    # Only the header row.
    pytest.param(Bad(csv_raw([HEADER]), "the file has a header but no data rows", row=None,
                     hint="add at least one partnership"), id="header-only"),
    # The first line is blank.
    pytest.param(Bad(blank_first_line, "no header row (the first line is blank)", row=None,
                     hint="column names in row 1"), id="blank-first-line"),
    # Excel's "CSV (Comma delimited)" writes Windows-1252/latin-1, not UTF-8.
    pytest.param(Bad(latin1_csv, "not UTF-8 text (byte 0xe9", hint="CSV UTF-8"), id="latin1-csv"),
    # --sheet names a sheet that is not there; the hint lists the sheets.
    pytest.param(Bad(xlsx(_table({}), title="Data", more_sheets=("Notes",)), "no sheet named 'Partnerships 2024'",
                     row=None, hint="sheets in this file: 'Data', 'Notes'", options={"sheet": "Partnerships 2024"}),
                 id="xlsx-wrong-sheet"),
    # --sheet with a CSV file.
    pytest.param(Bad(csv_rows({}), "--sheet applies to .xlsx files only", options={"sheet": "partnerships"}),
                 id="sheet-option-on-csv"),
    # A formula cell (values only are imported).
    pytest.param(Bad(xlsx(_table({"planned_participants": "=100+20"})), "contains formulas (1 cell: I2)",
                     hint="Paste Special"), id="xlsx-formula-cell"),
    # A truncated workbook (half of its bytes).
    pytest.param(Bad(xlsx_cut(0.5), "not a readable .xlsx file", hint="save it again as .xlsx"),
                 id="xlsx-truncated-half"),
    # A workbook missing only its last bytes.
    pytest.param(Bad(xlsx_cut(0.98), "not a readable .xlsx file"), id="xlsx-truncated-tail"),
    # A zip whose compressed sheet data is damaged.
    pytest.param(Bad(xlsx_damaged_sheet, "not a readable .xlsx file"), id="xlsx-damaged-sheet-data"),
    # A zip that is no workbook at all.
    pytest.param(Bad(lambda d: _zip_not_xlsx(d / "notes.xlsx"), "not a readable .xlsx file"),
                 id="xlsx-zip-without-workbook"),
    # Text pasted as a workbook (e.g. a renamed CSV).
    pytest.param(Bad(text_file(_csv_text(_table({})), "renamed.xlsx"), "not a zip archive"),
                 id="xlsx-that-is-csv"),
    # A cell of a million characters.
    pytest.param(Bad(csv_rows({"notes": "x" * 1_000_000}), "text too long: 1,000,000 characters", row=2,
                     column="notes", hint="shorten it"), id="text-cell-1mb"),
    # A control character pasted into a text cell.
    pytest.param(Bad(csv_rows({"name": "New\x01partnership"}), "control character (U+0001)", row=2,
                     column="name", value="New\x01partnership", hint="remove it"), id="control-character"),
    # A NUL byte in a CSV cell.
    pytest.param(Bad(csv_rows({"acronym": "NP\x00"}), "control character (U+0000)", row=2, column="acronym"),
                 id="nul-byte"),
    # A five-digit ISCO code.
    pytest.param(Bad(csv_rows({"occupations": "2221; 22211"}), "not an ISCO-08 code: '22211'", row=2,
                     column="occupations", hint="1 to 4 digits"), id="isco-five-digits"),
    # A job title instead of an ISCO code.
    pytest.param(Bad(csv_rows({"occupations": "nurse"}), "not an ISCO-08 code", row=2,
                     column="occupations", value="nurse"), id="isco-word"),
    # A four-digit code that has the right shape but is no ISCO-08 group.
    pytest.param(Bad(csv_rows({"occupations": "9999"}), "9999 is not in ISCO-08", row=2, column="occupations",
                     value="9999"), id="isco-code-not-in-classification"),
    # Neither yes nor no.
    pytest.param(Bad(csv_rows({"government_to_government": "maybe"}), "expected yes or no", row=2,
                     column="government_to_government", value="maybe", hint="yes/no"), id="bool-maybe"),
    # Neither yes, no nor unspecified.
    pytest.param(Bad(csv_rows({"extension_possible": "perhaps"}), "expected yes, no or unspecified", row=2,
                     column="extension_possible", value="perhaps"), id="tristate-perhaps"),
    # 'unspecified' together with a real value.
    pytest.param(Bad(csv_rows({"sectors": "unspecified; ict"}), "'unspecified' cannot be combined", row=2,
                     column="sectors", hint="keep either 'unspecified' alone"), id="unspecified-combined"),
    # The name instead of a slug in the id column.
    pytest.param(Bad(csv_rows({"id": "De PH Triple Win"}), "not a valid id", row=2, column="id",
                     value="De PH Triple Win", hint="for example 'de-ph-triple-win'"), id="bad-id-slug"),
    # Numbers too large to store (were an internal error: "Integer exceeds 64-bit range").
    pytest.param(Bad(csv_rows({"budget_eur": "1e20"}), "1e+20 is too large", row=2, column="budget_eur",
                     value="1e20", hint="realistic number"), id="budget-too-large"),
    pytest.param(Bad(csv_rows({"outcomes": "2023 | departed | 1e20"}), "outcome value is too large", row=2,
                     column="outcomes", hint="count people"), id="outcome-value-too-large"),
    # A negative budget.
    pytest.param(Bad(csv_rows({"budget_eur": "-5000"}), "is below the minimum 0", row=2,
                     column="budget_eur", value="-5000", hint="≥ 0"), id="negative-budget"),
    # Words in a number column.
    pytest.param(Bad(csv_rows({"budget_eur": "1.5 million"}), "expected a number", row=2, column="budget_eur",
                     value="1.5 million"), id="number-column-words"),
    # A day that does not exist.
    pytest.param(Bad(csv_rows({"coded_on": "2026-02-30"}), "not a date", row=2, column="coded_on",
                     value="2026-02-30", hint="YYYY-MM-DD"), id="bad-date-day"),
    # A date in day/month/year order.
    pytest.param(Bad(csv_rows({"coded_on": "27/11/2026"}), "not a date", row=2, column="coded_on",
                     hint="YYYY-MM-DD"), id="bad-date-order"),
    # A source with only an access date.
    pytest.param(Bad(csv_rows({"sources": " | | 2026-11-27"}), "a source needs a title or a URL", row=2,
                     column="sources", hint="one source per line"), id="source-without-title-or-url"),
    # An actor with a misspelt role.
    pytest.param(Bad(csv_rows({"actors": "GIZ | developmnt_agency | DEU"}), "unknown role 'developmnt_agency'",
                     row=2, column="actors", hint="did you mean 'development_agency'?"), id="actor-unknown-role"),
    # An actor with too many parts.
    pytest.param(Bad(csv_rows({"actors": "GIZ | ngo | DEU | Bonn"}), "too many '|' parts in an actor item",
                     row=2, column="actors", hint="\\|"), id="actor-too-many-parts"),
    # An outcome whose period has month 13.
    pytest.param(Bad(csv_rows({"outcomes": "2023-13 | departed | 120"}), "outcome period '2023-13' is not",
                     row=2, column="outcomes", hint="2023-06"), id="outcome-bad-period"),
    # An outcome period that ends before it starts.
    pytest.param(Bad(csv_rows({"outcomes": "2023/2022 | departed | 120"}), "ends before it starts", row=2,
                     column="outcomes"), id="outcome-period-backwards"),
    # An outcome without a value.
    pytest.param(Bad(csv_rows({"outcomes": "2023 | departed"}), "an outcome item has no value", row=2,
                     column="outcomes"), id="outcome-missing-value"),
    # A nested cell that starts like JSON but is not.
    pytest.param(Bad(csv_rows({"actors": '[{"name": "GIZ"'}), "looks like JSON but is not valid JSON", row=2,
                     column="actors"), id="nested-broken-json"),
    # Legacy Excel format.
    pytest.param(Bad(raw_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "partnerships.xls"),
                     ".xls files are not supported", hint="save the sheet as .xlsx"), id="xls-extension"),
    # An extension nobody reads.
    pytest.param(Bad(raw_bytes(b"%PDF-1.7", "partnerships.pdf"), "unknown file type", hint=".csv, .xlsx"),
                 id="pdf-extension"),
    # A path that does not exist.
    pytest.param(Bad(missing_file, "file not found", hint="check the path"), id="nonexistent-file"),
    # A JSON array of things that are not objects.
    pytest.param(Bad(json_records([1, "x", None]), "expected a JSON object, got a JSON number", row=1,
                     hint='{"id": ...'), id="json-array-of-non-objects"),
    # A JSON object instead of an array.
    pytest.param(Bad(json_records(minimal("xx-obj")), "expected a JSON array of partnership objects, got a JSON "
                     "object", row=None, hint="JSON Lines"), id="json-object"),
    # A bare JSON number.
    pytest.param(Bad(text_file("42\n", "bad.json"), "got a JSON number", row=None), id="json-number"),
    # Broken JSON (trailing comma).
    pytest.param(Bad(text_file('[{"id": "xx-a",}]', "bad.json"), "not valid JSON: Expecting property name",
                     hint="JSON validator"), id="json-invalid"),
    # An empty JSON array.
    pytest.param(Bad(text_file("[]", "bad.json"), "the JSON array is empty"), id="json-empty-array"),
    # A JSON Lines file with one broken line.
    pytest.param(Bad(text_file(json.dumps(minimal("xx-line-one")) + '\n{"id": "xx-line-two",\n', "bad.jsonl"),
                     "line is not valid JSON", row=2, hint="one JSON object"), id="jsonl-invalid-line"),
    # A JSON Lines line that is an array.
    pytest.param(Bad(jsonl_records([[minimal("xx-in-array")]]), "expected a JSON object, got a JSON array",
                     row=1), id="jsonl-array-line"),
    # A JSON Lines file that is not UTF-8.
    pytest.param(Bad(raw_bytes((json.dumps(minimal("xx-latin", name="Coopération"), ensure_ascii=False) + "\n")
                               .encode("latin-1"), "latin1.jsonl"), "not UTF-8 text"), id="jsonl-latin1"),
    # A misspelt field name in JSON.
    pytest.param(Bad(json_records([minimal("xx-json-field", mobilty=["circular"])]), "unknown field 'mobilty'",
                     row=1, column="mobilty", hint="did you mean 'mobility_types'?"), id="json-unknown-field"),
    # A structure where JSON must hold text.
    pytest.param(Bad(json_records([minimal("xx-json-struct", name={"en": "Name"})]), "expected text, got a "
                     "structure", row=1, column="name"), id="json-structure-for-text"),
    # JSON nested items: a source with neither title nor URL.
    pytest.param(Bad(jsonl_records([minimal("xx-json-src", sources=[{"accessed": "2026-11-27"}])]),
                     "a source needs a title or a URL", row=1, column="sources"), id="json-source-without-title"),
    # JSON nested items: an actor with an unknown role.
    pytest.param(Bad(jsonl_records([minimal("xx-json-actor", actors=[{"name": "GIZ", "role": "donor"}])]),
                     "unknown role 'donor' in actors", row=1, column="actors"), id="json-actor-unknown-role"),
    # JSON nested items: an unknown part.
    pytest.param(Bad(jsonl_records([minimal("xx-json-part", actors=[{"name": "GIZ", "town": "Bonn"}])]),
                     "unknown part 'town' in an actor item", row=1, column="actors", hint="name, role, country"),
                 id="json-actor-unknown-part"),
    # A boolean in a whole-number field.
    pytest.param(Bad(json_records([minimal("xx-json-bool", start_year=True)]), "expected a whole number", row=1,
                     column="start_year", value=True), id="json-bool-for-int"),
    # A JSON file nested deeper than Python's recursion limit (a problem, not a crash).
    pytest.param(Bad(text_file("[" * 100_000 + "]" * 100_000, "deep.json"), "nested too deeply", row=None),
                 id="json-nested-too-deep"),
    # The same, one line of JSON Lines.
    pytest.param(Bad(text_file("[" * 100_000 + "]" * 100_000 + "\n", "deep.jsonl"), "nested too deeply"),
                 id="jsonl-nested-too-deep"),
    # Two keys of one JSON object meaning the same field ('title' is an alias of 'name').
    pytest.param(Bad(json_records([{**minimal("xx-json-alias"), "title": "Another name"}]),
                     "'name' and 'title' both mean 'name'", row=1, column="title"), id="json-two-keys-one-field"),
    # An Excel error value (#N/A, e.g. a VLOOKUP pasted as values) in a cell.
    pytest.param(Bad(lambda d: _xlsx_error_cell(d / "errors.xlsx"), "Excel error value #N/A", row=2,
                     column="acronym"), id="xlsx-error-cell"),
    # --- formerly known bugs, now regression tests ---
    # An unterminated quote in the last column swallows every following row into one notes cell.
    pytest.param(Bad(lambda d: _unterminated_quote(d / "quote.csv"), "", row=2, hint="quot"),
                 id="csv-unterminated-quote"),
    # A data package whose resource file is missing: a problem, not a crash (any message).
    pytest.param(Bad(lambda d: _package(d, write_csv=False), "", row=None), id="datapackage-resource-missing"),
    # A folder whose name ends in .csv: a problem, not a crash (any message).
    pytest.param(Bad(lambda d: _mkdir(d / "folder.csv"), "", row=None), id="folder-named-csv"),
    # A workbook whose first row is blank (header in row 2): say so, as for CSV.
    pytest.param(Bad(lambda d: _xlsx_blank_first_row(d / "blank-row.xlsx"), "header", row=1),
                 id="xlsx-blank-first-row"),
    # A whole number larger than the codebook (and SQLite) allows.
    pytest.param(Bad(csv_rows({"planned_participants": str(10**19)}), "is above the maximum", row=2,
                     column="planned_participants"), id="int-too-large"),
]


def _package(d: Path, *, write_csv: bool) -> Path:
    folder = d / "package"
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps(
        {"resources": [{"name": "partnerships", "path": "partnerships.csv"}]}), "utf-8")
    if write_csv:
        (folder / "partnerships.csv").write_text(_csv_text(_table({})), "utf-8")
    return folder / "datapackage.json"


def _unterminated_quote(p: Path) -> Path:
    """Three valid rows, but the notes of the first open a quote that is never closed."""
    rows = _table({"id": "xx-quote-1", "notes": "PLACEHOLDER"}, {"id": "xx-quote-2", "notes": "fine"},
                  {"id": "xx-quote-3", "notes": "fine"})
    text = _csv_text(rows).replace("PLACEHOLDER", '"oops, no closing quote')
    p.write_text(text, "utf-8", newline="")
    return p


def _mkdir(p: Path) -> Path:
    p.mkdir()
    return p


def _xlsx_blank_first_row(p: Path) -> Path:
    wb = _workbook([[None] * len(HEADER), *_table({})])
    wb.save(p)
    return p


def _zip_not_xlsx(p: Path) -> Path:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return p


def _xlsx_error_cell(p: Path) -> Path:
    """A workbook whose acronym cell holds the error value #N/A (type 'e' in the sheet XML)."""
    wb = _workbook(_table({"acronym": "placeholder"}))
    cell = wb.active.cell(row=2, column=len(HEADER) + 1)
    cell.value = "#N/A"  # openpyxl stores the error codes as error cells
    assert cell.data_type == "e"
    wb.save(p)
    return p


# --- fixtures and checks -----------------------------------------------------

@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of an inventory holding the bundled sample, built once (as the ``sample_engine`` fixture does)."""
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    eng = database.open_engine(str(path))
    try:
        report = import_files(eng, [BUNDLED], user="fixture")
        assert report.valid, report.to_text()
    finally:
        eng.dispose()
    return path.read_bytes()


@pytest.fixture
def inventory(sample_db: bytes, db_path: Path) -> Iterator[Engine]:
    """A real SQLite file at ``db_path`` already holding the sample (a copy of ``sample_db``: fast)."""
    db_path.write_bytes(sample_db)
    eng = database.open_engine(str(db_path), create_if_missing=False)
    yield eng
    eng.dispose()


def db_bytes(engine: Engine, db_path: Path) -> bytes:
    """The database file's bytes, with every pooled connection closed."""
    engine.dispose()
    assert not db_path.with_name(db_path.name + "-journal").exists()
    return db_path.read_bytes()


def _matches(p: Problem, case: Bad) -> bool:
    return (
        p.severity == "error"
        and case.message in p.message
        and (case.row is ANY or p.row == case.row)
        and (case.column is ANY or p.column == case.column)
        and (case.value is ANY or p.value == case.value)
        and (case.hint is None or (p.hint is not None and case.hint in p.hint))
    )


def find(report: Report, case: Bad) -> Problem:
    hits = [p for p in report.problems if _matches(p, case)]
    assert hits, f"no problem matching {case}; got:\n{report.to_text()}"
    return hits[0]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_and_nothing_is_written(case: Bad, inventory: Engine, db_path: Path,
                                                     tmp_path: Path) -> None:
    src = tmp_path / "input"
    src.mkdir()
    path = case.build(src)
    before = db_bytes(inventory, db_path)

    report = import_files(inventory, [path], user="test", **case.options)

    after = db_bytes(inventory, db_path)
    assert report.valid is False
    assert report.written is False
    problem = find(report, case)
    assert problem.file == str(path)
    assert problem.text()  # renders for people
    json.dumps(report.to_dict(), default=str)  # and as JSON
    assert after == before


def test_inventory_fixture_holds_the_sample(inventory: Engine, sample_records: list[dict[str, Any]]) -> None:
    """The corpus imports into a non-empty inventory: the bundled sample, as in the ``sample_engine`` fixture."""
    from smpatlas.store import repository as repo

    with inventory.connect() as conn:
        ids = [r["id"] for r in repo.select_records(conn)]
    assert ids == sorted(r["id"] for r in sample_records)
    assert EXISTING_ID in ids


@pytest.mark.parametrize("case", [c for c in CASES if c.id in ("int-column-text", "id-already-in-inventory",
                                                                  "xlsx-wrong-sheet")])
def test_bad_input_with_the_sample_engine_fixture(case: Bad, sample_engine: Engine, tmp_path: Path) -> None:
    """A few cases on the shared ``sample_engine`` fixture, on each of its backends (SQLite file: byte-for-byte)."""
    path = case.build(tmp_path)
    before = snapshot(sample_engine)
    report = import_files(sample_engine, [path], user="test", **case.options)
    assert report.valid is False
    find(report, case)
    assert snapshot(sample_engine) == before


def test_corpus_is_large_and_distinct() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len([c for c in CASES if not c.marks]) >= 32


# --- a file with many problems: all are reported ------------------------------

def test_every_problem_of_a_file_is_reported(inventory: Engine, db_path: Path, tmp_path: Path) -> None:
    bad_csv = csv_rows(
        {"id": "xx-many-0"},  # row 2: valid
        {"id": "xx-many-1", "mobility_types": "circulr", "budget_eur": "-5"},  # row 3: two problems
        {"id": "xx-many-2", "end_year": "2000", "occupations": "nurse"},  # row 4: two problems
        {"id": "xx-many-0"},  # row 5: duplicate of row 2
        {"id": EXISTING_ID},  # row 6: already in the inventory
        {"id": "xx-many-3", "name": "", "government_to_government": "maybe", "coded_on": "2026-02-30"},  # row 7: 3
        name="many.csv",
    )(tmp_path)
    bad_jsonl = jsonl_records([
        minimal("xx-many-4", return_expected="yess"),  # line 1: vocabulary typo
        minimal("xx-many-5", sectors=["ict", "unspecified"]),  # line 2: exclusive value combined
        minimal("xx-many-6"),  # line 3: valid
        {**minimal("xx-many-7", status="sleeping"), "nmae": "x"},  # line 4: an unknown key and a bad value
        {**minimal("xx-many-0"), "colour": "red"},  # line 5: an unknown key, and the id of many.csv row 2
    ], name="many.jsonl")(tmp_path)
    before = db_bytes(inventory, db_path)

    report = import_files(inventory, [bad_csv, bad_jsonl], user="test")

    after = db_bytes(inventory, db_path)
    assert report.valid is False
    assert report.written is False
    found = sorted((Path(p.file or "").name, p.row, p.code) for p in report.errors)
    assert found == sorted([
        ("many.csv", 3, "unknown_value"),
        ("many.csv", 3, "range"),
        ("many.csv", 4, "end_before_start"),
        ("many.csv", 4, "bad_isco"),
        ("many.csv", 5, "duplicate_id"),
        ("many.csv", 6, "id_exists"),
        ("many.csv", 7, "required"),
        ("many.csv", 7, "bad_bool"),
        ("many.csv", 7, "bad_date"),
        ("many.jsonl", 1, "unknown_value"),
        ("many.jsonl", 2, "exclusive"),
        ("many.jsonl", 4, "unknown_field"),  # a record with an unknown key is still checked: every problem
        ("many.jsonl", 4, "unknown_value"),
        ("many.jsonl", 5, "unknown_field"),
        ("many.jsonl", 5, "duplicate_id"),
    ]), report.to_text()
    assert len(report.errors) == 15
    assert report.rows == 11
    assert "15 problems" in report.summary() and "nothing was written" in report.summary()
    assert after == before


@pytest.mark.parametrize("mode", ["insert", "upsert", "replace"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_no_mode_writes_anything_when_one_row_is_bad(mode: str, dry_run: bool, inventory: Engine, db_path: Path,
                                                     tmp_path: Path) -> None:
    """A changed existing record, a new one and one bad row: in every mode nothing is written (nor deleted)."""
    path = csv_rows({"id": EXISTING_ID, "name": "Renamed"}, {"id": "xx-mode-new"},
                    {"id": "xx-mode-bad", "government_to_government": "maybe"})(tmp_path)
    before = db_bytes(inventory, db_path)
    report = import_files(inventory, [path], user="test", mode=mode, dry_run=dry_run)
    after = db_bytes(inventory, db_path)
    assert report.valid is False
    assert sorted((p.row, p.code) for p in report.errors) == (
        [(2, "id_exists"), (4, "bad_bool")] if mode == "insert" else [(4, "bad_bool")])
    assert (report.written, report.deleted) == (False, 0)
    assert after == before


def test_problems_after_the_first_batch_still_write_nothing(inventory: Engine, db_path: Path,
                                                            tmp_path: Path) -> None:
    """More than one batch (2000 rows) is written inside the transaction, then rolled back."""
    changes = [{"id": f"xx-batch-{i:05d}"} for i in range(2100)] + [{"id": "xx-batch-bad", "status": "ongoin"}]
    path = csv_rows(*changes, name="batches.csv")(tmp_path)
    before = db_bytes(inventory, db_path)
    report = import_files(inventory, [path], user="test")
    after = db_bytes(inventory, db_path)
    assert report.valid is False
    assert {p.row for p in report.errors} == {2102}
    assert after == before


def test_rolled_back_import_reports_nothing_inserted(inventory: Engine, tmp_path: Path) -> None:
    """Regression: the counts of batches written before a later problem were kept after the rollback."""
    changes = [{"id": f"xx-batch-{i:05d}"} for i in range(2100)] + [{"id": "xx-batch-bad", "status": "ongoin"}]
    report = import_files(inventory, [csv_rows(*changes)(tmp_path)], user="test")
    assert report.valid is False
    data = report.to_dict()
    assert (data["inserted"], data["updated"], data["unchanged"], data["deleted"]) == (0, 0, 0, 0)
    assert data["written"] is False


def test_one_bad_required_cell_is_one_problem(inventory: Engine, tmp_path: Path) -> None:
    """Regression: a required cell that fails to convert also gave a false 'is required but empty'."""
    report = import_files(inventory, [csv_rows({"start_year": "twenty", "status": "ongoin"})(tmp_path)],
                          user="test")
    assert sorted((p.column, p.code) for p in report.errors) == [("start_year", "type"), ("status", "unknown_value")]


@pytest.mark.parametrize("bad_row", [2, 702])
def test_encoding_error_names_the_row_with_the_bad_byte(bad_row: int, inventory: Engine, tmp_path: Path
                                                        ) -> None:
    """Regression: the row was where an 8 KiB chunk was decoded (661 for 702; None for small files)."""
    lines = _csv_text(_table(*({"id": f"xx-enc-{i}"} for i in range(1000)))).splitlines(keepends=True)
    bad = "xx-enc-bad,Café,pilot_project,PHL,DEU,2021,ongoing,https://example.org\r\n".encode("latin-1")
    data = "".join(lines[: bad_row - 1]).encode() + bad + "".join(lines[bad_row - 1 :]).encode()
    path = raw_bytes(data, "enc.csv")(tmp_path)
    report = import_files(inventory, [path], user="test")
    assert [(p.code, p.row) for p in report.errors] == [("encoding", bad_row)], report.to_text()


def test_duplicate_of_an_invalid_row_is_reported(inventory: Engine, tmp_path: Path) -> None:
    """Regression: ids were only tracked for rows that were otherwise valid."""
    path = csv_rows({"status": "ongoin"}, {"name": "Second"})(tmp_path)
    report = import_files(inventory, [path], user="test")
    assert sorted((p.row, p.code) for p in report.errors) == [(2, "unknown_value"), (3, "duplicate_id")], \
        report.to_text()


# --- the same through the command line ---------------------------------------

CLI_CASES = [
    pytest.param(csv_rows({"mobility_types": "circulr"}), 2, "mobility_types", id="csv-vocabulary"),
    pytest.param(csv_rows({"start_year": "twenty"}), 2, "start_year", id="csv-int"),
    pytest.param(xlsx(_table({"government_to_government": "maybe"})), 2, "government_to_government",
                 id="xlsx-bool"),
    pytest.param(json_records([minimal("xx-cli", mobilty=["circular"])]), 1, "mobilty", id="json-unknown-field"),
    pytest.param(csv_rows({"mobilty": "circular"}), 1, "mobilty", id="csv-unknown-column"),
]


@pytest.mark.parametrize(("build", "row", "column"), CLI_CASES)
def test_cli_reports_bad_file_without_traceback(build: Builder, row: int, column: str, cli: Any,
                                                inventory: Engine, db_path: Path, tmp_path: Path) -> None:
    path = build(tmp_path)
    before = db_bytes(inventory, db_path)

    result = cli("import", path, "--db", db_path)

    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Internal error" not in result.stderr
    assert str(path) in result.stderr
    assert f"row {row}" in result.stderr
    assert f"column {column!r}" in result.stderr
    assert "nothing was written" in result.stderr
    assert db_bytes(inventory, db_path) == before


@pytest.mark.parametrize(("build", "row", "column"), CLI_CASES)
def test_cli_json_report_lists_the_problems(build: Builder, row: int, column: str, cli: Any,
                                            inventory: Engine, db_path: Path, tmp_path: Path) -> None:
    path = build(tmp_path)
    before = db_bytes(inventory, db_path)

    result = cli("import", path, "--db", db_path, "--report-format", "json")

    assert result.code == 2
    assert "Traceback" not in result.stdout + result.stderr
    data = result.json()
    assert data["valid"] is False
    assert data["written"] is False
    assert data["errors"] == len([p for p in data["problems"] if p["severity"] == "error"]) >= 1
    assert any(p["file"] == str(path) and p["row"] == row and p["column"] == column and p["hint"]
               for p in data["problems"]), data["problems"]
    assert db_bytes(inventory, db_path) == before


def test_cli_file_level_problems(cli: Any, inventory: Engine, db_path: Path, tmp_path: Path) -> None:
    """Files that cannot be read at all: exit code 2, one message each, nothing written."""
    paths = [missing_file(tmp_path), raw_bytes(b"", "empty.csv")(tmp_path), latin1_csv(tmp_path),
             xlsx_cut(0.5)(tmp_path), raw_bytes(b"\xd0\xcf\x11\xe0", "old.xls")(tmp_path)]
    before = db_bytes(inventory, db_path)

    result = cli("import", *paths, "--db", db_path, "--report-format", "json")

    assert result.code == 2
    assert "Traceback" not in result.stdout + result.stderr
    data = result.json()
    assert data["valid"] is False
    assert [p["file"] for p in data["problems"]] == [str(p) for p in paths]
    assert [p["code"] for p in data["problems"]] == ["not_found", "empty", "encoding", "xlsx", "format"]
    assert db_bytes(inventory, db_path) == before


def test_xlsx_date_cell_is_accepted_as_a_date(engine: Engine, tmp_path: Path) -> None:
    """Control case: a real date cell is not a problem (the corpus tests refusals only)."""
    path = xlsx(_table({"coded_on": dt.datetime(2026, 11, 27)}))(tmp_path)
    report = import_files(engine, [path], user="test")
    assert report.valid, report.to_text()
