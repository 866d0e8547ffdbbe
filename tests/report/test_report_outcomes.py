"""Outcomes over time in the inventory report: the figures of ``Atlas.outcomes()`` with their denominators, rules
and notes, in the HTML, the PDF and the workbook; the report's filters honoured; a selection without outcomes says
so; a line spanning years is never drawn as a yearly value."""

from __future__ import annotations

import html as html_lib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import Engine

from smpatlas.analysis.outcomes import CSV_HEADER
from smpatlas.atlas import Atlas
from smpatlas.io.importer import import_files
from smpatlas.report import inventory, render, tables, xlsx
from smpatlas.store import database
from smpatlas.store.filters import Filters
from tests.conftest import minimal, write_jsonl
from tests.report.test_reports import SQLITE_ONLY, atlas_of, mark_labels, pdf_text


def line(period: str, indicator: str, value: int, source: str | None = "Annual report") -> dict[str, Any]:
    return {"period": period, "indicator": indicator, "value": value, **({"source": source} if source else {})}


#: A span (2013/2016), a whole year with a month of it (left out), two partnerships in one year, another country.
RECORDS = [
    minimal("xx-a", start_year=2013, outcomes=[
        line("2013/2016", "recruited", 290), line("2018", "recruited", 40), line("2023", "recruited", 100),
        line("2023-02", "recruited", 30), line("2018", "departed", 20)]),
    minimal("xx-b", start_year=2013, outcomes=[line("2018", "recruited", 25, source=None)]),
    minimal("xx-c", start_year=2013, destination_countries=["ITA"], outcomes=[line("2019", "trained", 12)]),
    minimal("xx-d", start_year=2013),
]


@pytest.fixture(scope="module")
def atlases(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Atlas]:
    """``small`` (:data:`RECORDS`) and ``none`` (partnerships, no outcome line), built once for the module."""
    root = tmp_path_factory.mktemp("outcomes")
    opened: dict[str, Atlas] = {}

    def get(name: str) -> Atlas:
        if name not in opened:
            recs = RECORDS if name == "small" else [minimal("xx-e"), minimal("xx-f")]
            engine = database.open_engine(str(root / f"{name}.db"))
            report = import_files(engine, [write_jsonl(root / f"{name}.jsonl", recs)], user="test")
            assert report.valid and report.written, report.to_text(limit=5)
            opened[name] = Atlas(engine)
        return opened[name]

    return get


def page_text(page: str) -> str:
    return html_lib.unescape(page)


def assert_tables_are(data: inventory.InventoryData, expected: Any) -> None:
    """The per-indicator tables and the chart's table give exactly ``expected``'s cells (an :class:`Outcomes`)."""
    assert data.outcomes.to_dict() == expected.to_dict()
    by_name = {t.name: t for t in tables.outcome_tables(data)}
    assert sorted(by_name) == sorted(f"outcomes_{i}" for i, k in expected.reporting.items() if k)
    for c in expected.cells:
        k = expected.reporting[c.indicator]
        rows = by_name[f"outcomes_{c.indicator}"].rows
        row = next(r for r in rows if (r["year"], r["kind"]) == (c.year, c.kind))
        assert (row["value"], row["partnerships"], row["reporting"]) == (c.sum, len(c.ids), k)
        named = ", ".join(c.ids[:tables.IDS_SHOWN])
        assert row["ids"] == (named if len(c.ids) <= tables.IDS_SHOWN else
                              f"{named} … and {len(c.ids) - tables.IDS_SHOWN:,} more (all in the workbook)")
        assert row["of_reporting"] == f"{len(c.ids):,} of {k:,}"
    chart_table, _ = inventory.chart("outcomes", data)
    assert [(r["indicator_key"], r["year"], r["people"], r["partnerships"], r["reporting"]) for r in chart_table.rows] \
        == [(c.indicator, c.year, c.sum, len(c.ids), expected.reporting[c.indicator]) for c in expected.cells
            if c.kind == "year"]


@SQLITE_ONLY
def test_bundled_figures_equal_atlas_outcomes_and_honour_filters(sample_engine: Engine) -> None:
    atlas = atlas_of(sample_engine)
    data = inventory.collect(atlas)
    assert_tables_are(data, atlas.outcomes())
    assert data.outcomes.with_outcomes and any(c.kind == "spans_years" for c in data.outcomes.cells)
    page = page_text(inventory.html(data))
    assert 'id="outcomes"' in page and page.count('id="chart-outcomes"') == 1
    for h in atlas.outcomes().headlines():
        assert h in page

    deu = Filters(destination=["DEU"])
    filtered = inventory.collect(atlas, deu)
    expected = atlas.outcomes(deu)
    assert_tables_are(filtered, expected)
    assert expected.n < data.outcomes.n
    rec = filtered.outcomes.cell("recruited", 2018)
    assert rec is not None and (rec.sum, len(rec.ids)) == (282, 3)  # docs: atlas.outcomes(destination="DEU")
    table = next(t for t in tables.outcome_tables(filtered) if t.name == "outcomes_recruited")
    assert f"N = {expected.n} partnerships selected; {expected.reporting['recruited']} report 'recruited'" \
        in table.notes[0]


def test_section_states_denominators_spans_left_out_and_notes(atlases: Callable[[str], Atlas]) -> None:
    atlas = atlases("small")
    data = inventory.collect(atlas)
    assert_tables_are(data, atlas.outcomes())
    recruited = {r["label"]: r for r in tables.outcome_tables(data)[0].rows}
    assert {k: (r["people"], r["of_reporting"]) for k, r in recruited.items()} == {
        "2018": ("65", "2 of 2"), "2023": ("100", "1 of 2"), "Spanning years, ending 2016 (2013/2016)": ("290", "1 of 2")}
    page = page_text(inventory.html(data))
    section = page[page.index('<section id="outcomes"'):page.index('<section id="methodology"')]
    assert '<a href="#outcomes">Outcomes over time</a>' in page
    for text in ("3 of 4 partnerships report outcomes", "N = 4 partnerships selected; 2 report 'recruited'",
                 "Spanning years, ending 2016 (2013/2016)", "1 line spanning years is counted apart, by end year",
                 "Left out (whole_year_preferred: the same partnership reports the whole year, which is counted",
                 "xx-a 2023-02: 30", "xx-a reports 'recruited' for the whole of 2023", "xx-a, xx-b",
                 "1 report 'trained'", "Departed: people by year"):
        assert text in section, text


def test_chart_draws_no_yearly_value_for_a_span(atlases: Callable[[str], Atlas]) -> None:
    data = inventory.collect(atlases("small"))
    table, spec = inventory.chart("outcomes", data)
    drawn = [row for panel in spec["concat"] for row in panel["data"]["values"]]
    assert sorted((r["indicator_key"], r["year"], r["people"]) for r in drawn) == [
        ("departed", "2018", 20), ("recruited", "2018", 65), ("recruited", "2023", 100), ("trained", "2019", 12)]
    assert all(r["people"] != 290 for r in drawn) and not [r for r in table.rows if r["year"] == 2016]
    assert any("not drawn as yearly values" in note for note in table.notes)
    labels = " | ".join(mark_labels(render.svg(spec)))
    assert "Recruited, 2018" in labels and "Recruited, 2016" not in labels and "290" not in labels


def test_filters_are_honoured(atlases: Callable[[str], Atlas]) -> None:
    atlas = atlases("small")
    ita = Filters(destination=["ITA"])
    data = inventory.collect(atlas, ita)
    assert_tables_are(data, atlas.outcomes(ita))
    assert [t.name for t in tables.outcome_tables(data)] == ["outcomes_trained"]
    section = page_text(inventory.html(data)).split('<section id="outcomes"')[1].split("<section")[0]
    assert "1 of 1 partnership reports outcomes" in section and "Recruited" not in section


def test_no_outcomes_says_so_without_a_chart(atlases: Callable[[str], Atlas], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    data = inventory.collect(atlases("none"))
    page = page_text(inventory.html(data))
    section = page[page.index('<section id="outcomes"'):page.index('<section id="methodology"')]
    assert "None of the 2 partnerships selected reports an outcome indicator" in section
    assert "chart-figure" not in section and "<svg" not in section and "<table" not in section
    assert "outcomes" not in data.rendered  # never drawn
    # filters selecting a partnership without outcomes in an inventory that has some: the same sentence
    nothing = inventory.collect(atlases("small"), Filters(text="xx-d"))
    assert nothing.n == 1 and "None of the 1 partnership selected reports" in page_text(inventory.html(nothing))
    wb = load_workbook(xlsx.write(data, tmp_path / "none.xlsx"), read_only=True)
    values = [list(r) for r in wb[xlsx.OUTCOMES_SHEET].iter_rows(values_only=True)]
    assert values[-1] == list(CSV_HEADER)


def test_workbook_sheet_is_the_rows(atlases: Callable[[str], Atlas], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    atlas = atlases("small")
    out = inventory.write(atlas, tmp_path / "t.xlsx")
    ws = load_workbook(out, read_only=True)["Outcomes over time"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    header = values.index(list(CSV_HEADER))
    assert values[header + 1:] == atlas.outcomes().rows()
    text = " ".join(str(v[0]) for v in values[:header] if v and v[0])
    assert "Left out (whole_year_preferred): xx-a, recruited, 2023-02: 30" in text and "3 of 4 partnerships" in text


def test_pdf_has_the_section(atlases: Callable[[str], Atlas], tmp_path: Path) -> None:
    out = inventory.write(atlases("small"), tmp_path / "small.pdf")
    flat = " ".join(pdf_text(p) for p in pypdf.PdfReader(out).pages)
    for text in ("Outcomes over time", "Recruited: people by year", "Spanning years, ending 2016 (2013/2016)",
                 "whole_year_preferred"):
        assert text in flat, text
