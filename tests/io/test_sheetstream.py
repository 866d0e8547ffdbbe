"""The streamed XLSX reader reads what python-calamine reads, in flat memory; imports agree whichever is used."""

from __future__ import annotations

import datetime as dt
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from smpatlas.io import sheetstream
from smpatlas.io.exporter import write_xlsx
from smpatlas.io.importer import import_files
from smpatlas.store import database
from smpatlas.store import repository as repo
from tests.conftest import BUNDLED


def _calamine(path: Path, sheet: str) -> list[tuple[int, list[Any]]]:
    ws = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet)
    return _trimmed((i, list(r)) for i, r in enumerate(ws.iter_rows(), 1))


def _trimmed(rows: Any) -> list[tuple[int, list[Any]]]:
    """Rows with cells, trailing empty cells dropped (calamine pads rows to the sheet's width)."""
    out = []
    for n, r in rows:
        while r and r[-1] == "":
            r.pop()
        if r:
            out.append((n, r))
    return out


def _typed(rows: list[tuple[int, list[Any]]]) -> list[tuple[int, list[tuple[str, Any]]]]:
    return [(n, [(type(v).__name__, v) for v in r]) for n, r in rows]


@pytest.fixture(params=["plain", "xml"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test of this kind runs with the plain reading, and again with the XML parser only."""
    if request.param == "xml":
        monkeypatch.setattr(sheetstream, "_plain_rows", _not_plain)
    return str(request.param)


def _not_plain(*args: Any) -> Any:
    raise sheetstream._NotPlain
    yield  # a generator, like the function it stands in for


def _same(path: Path, sheet: str) -> None:
    expected = _typed(_calamine(path, sheet))
    got = _typed(_trimmed(sheetstream.stream(str(path), sheet)))
    assert got == expected


def test_every_kind_of_cell_openpyxl_writes(tmp_path: Path, parser: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "partnerships"
    ws.append(["text", "int", "float", "bool", "date", "datetime", "time", "blank", "spaces", "control", "unicode"])
    ws.append(["Triple Win", 2020, 2.5, True, dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4, 5), dt.time(12, 30),
               None, "  padded ", "line\nbreak", "Zoë – 東京 ✓"])
    ws.append([None, 10**12, -0.0, False, dt.date(1900, 3, 1), dt.datetime(2099, 12, 31, 23, 59), dt.time(0, 0, 1),
               None, " ", "tab\there", "_x0041_ literal"])
    ws["C6"] = 7  # a gap of blank rows, then a lone cell
    ws["K7"] = "far right"
    path = tmp_path / "kinds.xlsx"
    wb.save(path)
    _same(path, "partnerships")


def test_an_exported_inventory(tmp_path: Path, sample_records: list[dict[str, Any]], parser: str) -> None:
    path = tmp_path / "inventory.xlsx"
    write_xlsx(sample_records, path)
    for sheet in CalamineWorkbook.from_path(str(path)).sheet_names:
        _same(path, sheet)


SHARED = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">
<x:si><x:t>id</x:t></x:si>
<x:si><x:r><x:rPr><x:b/></x:rPr><x:t xml:space="preserve">Rich </x:t></x:r>
<x:r><x:t xml:space="preserve">text &amp; more</x:t></x:r></x:si>
<x:si><x:t>東京</x:t><x:rPh sb="0" eb="2"><x:t>トウキョウ</x:t></x:rPh></x:si>
<x:si><x:t>a_x000D_b</x:t></x:si>
<x:si><x:t>  trimmed  </x:t></x:si>
</x:sst>"""
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c></x:row>
<x:row r="2"><x:c r="A2" t="s"><x:v>2</x:v></x:c><x:c r="C2" s="1"><x:v>0</x:v></x:c>
<x:c r="D2" s="2"><x:v>1.5</x:v></x:c></x:row>
<x:row><x:c t="s"><x:v>3</x:v></x:c><x:c t="str"><x:f>A1</x:f><x:v>id</x:v></x:c><x:c t="e"><x:v>#N/A</x:v></x:c>
<x:c t="b"><x:v>0</x:v></x:c><x:c><x:v>1E3</x:v></x:c><x:c t="s"><x:v>4</x:v></x:c></x:row>
</x:sheetData></x:worksheet>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy\\ hh:mm"/></numFmts>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr date1904="1"/><sheets><sheet name="partnerships" sheetId="1" r:id="rId1"/></sheets></workbook>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
 Target="worksheets/sheet1.xml"/></Relationships>"""
TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/><Default Extension="rels"
 ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="xl/workbook.xml"/></Relationships>"""


def test_shared_strings_rich_text_prefixes_and_the_1904_date_system(tmp_path: Path) -> None:
    """What Excel and other producers write and openpyxl does not: shared strings, rich and phonetic runs,
    namespace prefixes, cells without references, formula results, errors, the 1904 date system."""
    path = tmp_path / "excel.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name, text in (("[Content_Types].xml", TYPES), ("_rels/.rels", ROOT_RELS), ("xl/workbook.xml", WORKBOOK),
                           ("xl/_rels/workbook.xml.rels", RELS), ("xl/sharedStrings.xml", SHARED),
                           ("xl/styles.xml", STYLES), ("xl/worksheets/sheet1.xml", SHEET)):
            z.writestr(name, text)
    rows = _trimmed(sheetstream.stream(str(path), "partnerships"))
    assert rows == [(1, ["id", "Rich text & more"]),
                    (2, ["東京", "", dt.time(0, 0), dt.datetime(1904, 1, 2, 12, 0)]),
                    (3, ["a\rb", "id", "#N/A", False, 1000.0, "trimmed"])]
    assert _typed(rows)[:2] == _typed(_calamine(path, "partnerships"))[:2]


def test_memory_stays_flat_as_rows_grow(tmp_path: Path, parser: str) -> None:
    def peak(n: int) -> int:
        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("partnerships")
        for i in range(n):
            ws.append([f"id-{i}", "A fairly long name of a partnership " * 3, 2020, "DEU; PHL", None, 1.5])
        path = tmp_path / f"rows{n}.xlsx"
        wb.save(path)
        tracemalloc.start()
        count = sum(1 for _ in sheetstream.stream(str(path), "partnerships"))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == n
        return top

    small, large = peak(2_000), peak(16_000)
    assert large < 1.5 * small, (small, large)  # eight times the rows, (nearly) the same peak


def test_a_large_sheet_imports_the_same_records_streamed(tmp_path: Path, sample_records: list[dict[str, Any]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "inventory.xlsx"
    write_xlsx(sample_records, path)
    stored = []
    for limit in (None, "0"):  # python-calamine, then every sheet streamed
        if limit is not None:
            monkeypatch.setenv("SMPATLAS_XLSX_STREAM_ABOVE", limit)
        engine = database.open_engine(f"sqlite:///{tmp_path / f'atlas-{limit}.db'}")
        report = import_files(engine, [path], user="test")
        assert report.valid, report.to_text()
        with engine.connect() as conn:
            stored.append(json.dumps(list(repo.select_records(conn)), sort_keys=True, default=str))
        engine.dispose()
    assert stored[0] == stored[1]
    assert len(json.loads(stored[0])) == len([line for line in BUNDLED.read_text("utf-8").splitlines() if line])


def _workbook(tmp_path: Path, sheet_xml: str, name: str = "sheet.xlsx") -> Path:
    """A workbook whose one sheet is ``sheet_xml`` (with the shared strings and styles above)."""
    path = tmp_path / name
    workbook = WORKBOOK.replace('<workbookPr date1904="1"/>', "")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for part, text in (("[Content_Types].xml", TYPES), ("_rels/.rels", ROOT_RELS), ("xl/workbook.xml", workbook),
                           ("xl/_rels/workbook.xml.rels", RELS), ("xl/sharedStrings.xml", SHARED),
                           ("xl/styles.xml", STYLES), ("xl/worksheets/sheet1.xml", sheet_xml)):
            z.writestr(part, text)
    return path


def _sheet(rows: str, head: str = "") -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + head +
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetPr/>'
            f"<sheetData>{rows}</sheetData><pageMargins left=\"0.7\"/></worksheet>")


def _by_xml_parser(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, list[Any]]]:
    with monkeypatch.context() as m:
        m.setattr(sheetstream, "_plain_rows", _not_plain)
        return list(sheetstream.stream(str(path), "partnerships"))


def _xml_parser_must_not_be_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any) -> Any:
        raise AssertionError("the XML parser was used")

    monkeypatch.setattr(sheetstream, "_rows", fail)


#: (sheet rows, whether the plain reading reads them all, the rows expected).
CASES = [
    ('<row r="1"><c r="A1" t="inlineStr"><is><t>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</t></is></c>'
     '<c r="B1" t="inlineStr"><is><t>&#65;&#x42;&#x1F600;&#38;amp;</t></is></c></row>',
     True, [(1, ["a & b <c> \"d\" 'e'", "AB\U0001F600&amp;"])]),
    ('<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  kept \r\n twice\r</t></is></c>'
     '<c r="B1" t="inlineStr"><is><t>  stripped\r\n </t></is></c><c r="C1" t="inlineStr"><is><t> </t></is></c>'
     '<c r="D1" t="inlineStr"><is><t>&#13;x&#13;</t></is></c></row>',
     True, [(1, ["  kept \n twice\n", "stripped", "", "x"])]),
    ('<row><c t="inlineStr"><is><t>no references</t></is></c><c><v>2</v></c></row>'
     '<row spans="1:3" r="5"><c r="C5" s="1"><v>0</v></c></row><row/><row r="9"/>',
     True, [(1, ["no references", 2.0]), (5, ["", "", dt.time(0, 0)]), (6, []), (9, [])]),
    ('<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="b"><v>1</v></c><c r="C2" t="e"><v>#DIV/0!</v></c>'
     '<c r="D2" t="str"><v>x_x0041_</v></c><c r="E2" s="2"><v>1.25</v></c><c r="F2"/><c r="G2" s="1"></c>'
     '<c r="H2"><v></v></c><c r="I2" t="d"><v>2020-01-02T03:04:05</v></c></row>',
     True, [(2, ["trimmed", True, "#DIV/0!", "xA", dt.datetime(1899, 12, 31, 6, 0), "", "", "",
                 dt.datetime(2020, 1, 2, 3, 4, 5)])]),
    ('<row r="1"><c r="A1" t="s" s="1"><v>0</v></c></row>', False, [(1, ["id"])]),  # attributes in another order
    ('<row r="1"><c r="A1" t="inlineStr"><is><r><t>rich </t></r><r><t>text</t></r></is></c></row>',
     False, [(1, ["richtext"])]),  # runs' <t> without xml:space are trimmed
    ('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>', False, [(1, [2.0])]),
    ('<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<raw> & text]]></t></is></c></row>',
     False, [(1, ["<raw> & text"])]),
    ('<row r="1"><!-- </row> --><c r="A1"><v/></c></row>', False, [(1, [""])]),
    ("", True, []),
]


@pytest.mark.parametrize(("rows", "plain", "expected"), CASES)
def test_the_plain_reading_reads_what_the_xml_parser_reads(tmp_path: Path, rows: str, plain: bool,
                                                           expected: list[tuple[int, list[Any]]],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = _workbook(tmp_path, _sheet(rows))
    assert _by_xml_parser(path, monkeypatch) == expected
    if plain:
        _xml_parser_must_not_be_needed(monkeypatch)
    got = list(sheetstream.stream(str(path), "partnerships"))
    assert _typed(got) == _typed(expected)


def test_an_empty_sheet_and_a_document_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = _workbook(tmp_path, _sheet("").replace("<sheetData></sheetData>", "<sheetData/>"), "empty.xlsx")
    assert list(sheetstream.stream(str(empty), "partnerships")) == []
    declared = _workbook(tmp_path, _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>&who;</t></is></c></row>',
                                          head='<!DOCTYPE worksheet [<!ENTITY who "Triple Win">]>\n'), "dtd.xlsx")
    assert list(sheetstream.stream(str(declared), "partnerships")) == [(1, ["Triple Win"])]


def test_a_sheet_that_leaves_the_plain_forms_late_is_read_once_and_in_order(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    plain = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>row {i} {"x" * 300}</t></is></c>'
                    f'<c r="B{i}"><v>{i}</v></c></row>' for i in range(1, 1500))
    rich = '<row r="1500"><c r="A1500" t="inlineStr"><is><r><t>rich</t></r></is></c></row>'
    path = _workbook(tmp_path, _sheet(plain + rich + '<row r="1501"><c r="A1501"><v>1</v></c></row>'))
    got = list(sheetstream.stream(str(path), "partnerships"))
    assert got == _by_xml_parser(path, monkeypatch)
    assert [n for n, _ in got] == list(range(1, 1502))
    assert got[1499][1] == ["rich"]


@pytest.mark.parametrize("broken", [
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v>',  # cut short
    '<row r="1"><c r="A1"><v>1</v></c></row></sheetData>',  # tags that do not close
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&nope;</t></is></c></row>',  # an entity nobody declared
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&#xD800;</t></is></c></row>',  # not a character
    '<row r="1"><c r="A1" t="inlineStr"><is><t>a & b</t></is></c></row>',  # a bare '&'
])
def test_broken_xml_is_an_error_as_with_the_xml_parser(tmp_path: Path, broken: str) -> None:
    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           f"<sheetData>{broken}")
    if "</sheetData>" not in broken and "</row>" in broken and "<row r=\"2\">" not in broken:
        xml += "</sheetData></worksheet>"
    path = _workbook(tmp_path, xml)
    with pytest.raises(sheetstream.SheetError):
        list(sheetstream.stream(str(path), "partnerships"))
