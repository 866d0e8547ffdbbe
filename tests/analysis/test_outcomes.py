"""Outcomes over time across partnerships (smpatlas.analysis.outcomes): records → the table indicator × year.

Each case is a small portfolio and the table it must give: per (indicator, year, kind) the sum of people and the
partnerships contributing; what was left out and by which rule; which partnerships get a note. The rules are those
of docs/statistics.md, "Outcomes over time".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import smpatlas
from smpatlas.analysis.outcomes import (
    CSV_HEADER,
    NOT_WHOLE,
    SEVERAL_LINES,
    SPAN_OVERLAPS_YEARS,
    SPANS,
    WHOLE_YEAR_PREFERRED,
    YEAR,
    check_indicators,
    compute,
    indicators,
    period_years,
)
from smpatlas.cells import parse_nested
from smpatlas.errors import ConfigError
from smpatlas.problems import CellError
from tests.conftest import BUNDLED


def line(period: str, indicator: str, value: float, source: str | None = "Annual report") -> dict[str, Any]:
    out: dict[str, Any] = {"period": period, "indicator": indicator, "value": value}
    if source:
        out["source"] = source
    return out


def rec(rid: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "outcomes": list(lines)} if lines else {"id": rid}


def table(o: Any) -> dict[tuple[str, int, str], tuple[float, list[str]]]:
    return {(c.indicator, c.year, c.kind): (c.sum, c.ids) for c in o.cells}


@pytest.mark.parametrize(("records", "expected", "left_out", "notes"), [
    # A year and a month count in their year; partnerships add up.
    ([rec("a", line("2023", "trained", 10)), rec("b", line("2023-05", "trained", 5))],
     {("trained", 2023, YEAR): (15, ["a", "b"])}, [], []),
    # Years apart stay apart.
    ([rec("a", line("2022", "departed", 4), line("2023", "departed", 6))],
     {("departed", 2022, YEAR): (4, ["a"]), ("departed", 2023, YEAR): (6, ["a"])}, [], []),
    # A range within one year counts in that year; 2023/2023 is the whole year.
    ([rec("a", line("2024-01/2024-06", "departed", 7)), rec("b", line("2023/2023", "departed", 3))],
     {("departed", 2024, YEAR): (7, ["a"]), ("departed", 2023, YEAR): (3, ["b"])}, [], []),
    # A range spanning years is counted apart, by its end year, never split.
    ([rec("a", line("2021/2023", "recruited", 30)), rec("b", line("2019-03/2023-06", "recruited", 12)),
      rec("c", line("2023", "recruited", 5))],
     {("recruited", 2023, SPANS): (42, ["a", "b"]), ("recruited", 2023, YEAR): (5, ["c"])}, [], []),
    # The same partnership: a whole year and months of it. The whole year is counted, the months left out.
    ([rec("a", line("2023", "recruited", 100), line("2023-02", "recruited", 40), line("2023-03/2023-04", "recruited", 9))],
     {("recruited", 2023, YEAR): (100, ["a"])},
     [("a", "2023-02", WHOLE_YEAR_PREFERRED), ("a", "2023-03/2023-04", WHOLE_YEAR_PREFERRED)],
     [("a", WHOLE_YEAR_PREFERRED)]),
    # A year and months of *different* partnerships: nothing to prefer, they add up.
    ([rec("a", line("2023", "recruited", 100)), rec("b", line("2023-02", "recruited", 40))],
     {("recruited", 2023, YEAR): (140, ["a", "b"])}, [], []),
    # A whole year of another indicator does not supersede the months.
    ([rec("a", line("2023", "trained", 100), line("2023-02", "recruited", 40))],
     {("trained", 2023, YEAR): (100, ["a"]), ("recruited", 2023, YEAR): (40, ["a"])}, [], []),
    # Several months of one partnership are summed, with a note naming it (one may be a running total).
    ([rec("a", line("2023-02", "recruited", 348), line("2023-05", "recruited", 300))],
     {("recruited", 2023, YEAR): (648, ["a"])}, [], [("a", SEVERAL_LINES)]),
    # Two spans of one partnership ending the same year: summed and noted.
    ([rec("a", line("2016/2025", "departed", 110), line("2016/2025", "departed", 104))],
     {("departed", 2025, SPANS): (214, ["a"])}, [], [("a", SEVERAL_LINES)]),
    # A span covering a year the partnership also reports: counted apart, and noted (do not add them).
    ([rec("a", line("2023", "departed", 84), line("2021/2024-07", "departed", 175))],
     {("departed", 2023, YEAR): (84, ["a"]), ("departed", 2024, SPANS): (175, ["a"])}, [],
     [("a", SPAN_OVERLAPS_YEARS)]),
    # A value that is not a whole number of people is kept (the import warned), and noted.
    ([rec("a", line("2023", "trained", 1.5)), rec("b", line("2023", "trained", 2))],
     {("trained", 2023, YEAR): (3.5, ["a", "b"])}, [], [("a", NOT_WHOLE)]),
    # No outcomes at all.
    ([rec("a"), rec("b"), {"id": "c", "outcomes": []}], {}, [], []),
    ([], {}, [], []),
])
def test_records_give_the_table(records: list[dict[str, Any]], expected: dict[Any, Any],
                                left_out: list[tuple[str, str, str]], notes: list[tuple[str, str]]) -> None:
    o = compute(records)
    assert table(o) == expected
    assert [(line.partnership, line.period, rule) for line, rule in o.left_out] == left_out
    assert [(n.partnership, n.rule) for n in o.notes] == notes
    assert o.n == len(records)
    for n in o.notes:  # every note names its partnership in words
        assert n.text.startswith(n.partnership)


def test_every_figure_states_its_denominators() -> None:
    records = [rec("a", line("2023", "departed", 10), line("2024-02", "trained", 3)),
               rec("b", line("2020/2022", "departed", 50)),  # reports departed, but in no single year
               rec("c", line("2023", "departed", 1, source=None)),
               rec("d")]
    o = compute(records)
    d = o.to_dict()
    assert (d["n"], d["with_outcomes"], d["reporting"]["departed"], d["reporting"]["trained"]) == (4, 3, 3, 1)
    cell = next(c for c in d["cells"] if (c["indicator"], c["year"]) == ("departed", 2023))
    assert cell == {"indicator": "departed", "year": 2023, "kind": YEAR, "sum": 11, "partnerships": 2,
                    "ids": ["a", "c"], "reporting": 3, "n": 4, "lines": 2, "without_source": 1, "left_out": 0}
    (span,) = d["spans"]
    assert (span["year"], span["kind"], span["sum"], span["reporting"], span["n"]) == (2022, SPANS, 50, 3, 4)
    assert span["periods"] == [{"partnership": "b", "indicator": "departed", "period": "2020/2022", "value": 50,
                                "source": "Annual report"}]
    assert d["lines"] == {"read": 4, "without_source": 1, "left_out": 0, "in_spans": 1}
    assert d["years"] == [2023, 2024]
    assert o.headlines() == [
        "3 of 4 partnerships report outcomes (4 lines, 1 without a source).",
        "trained: reported by 1 of 4 partnerships; in 2024.",
        "departed: reported by 3 of 4 partnerships; in 2023; 1 line spanning years counted apart.",
    ]


def test_left_out_lines_are_listed_with_their_rule_and_counted_per_cell() -> None:
    o = compute([rec("a", line("2023", "recruited", 100), line("2023-02", "recruited", 40))])
    d = o.to_dict()
    assert d["left_out"] == [{"partnership": "a", "indicator": "recruited", "period": "2023-02", "value": 40,
                              "source": "Annual report", "rule": WHOLE_YEAR_PREFERRED}]
    assert d["cells"][0]["left_out"] == 1 and d["lines"]["left_out"] == 1
    assert "a reports 'recruited' for the whole of 2023 (2023: 100) and for parts of it (2023-02: 40)" in \
        d["notes"][0]["text"]
    assert o.headlines()[1] == "recruited: reported by 1 of 1 partnership; in 2023; 1 line left out."


@pytest.mark.parametrize(("asked", "kept"), [
    (None, list(indicators())),
    ("departed", ["departed"]),
    (["Employed at destination", "DEPARTED"], ["departed", "employed_at_destination"]),  # codebook order
    ([], list(indicators())),
])
def test_indicators_asked_are_read_as_the_codebook_writes_them(asked: Any, kept: list[str]) -> None:
    assert check_indicators(asked) == kept


@pytest.mark.parametrize(("asked", "message"), [
    ("depart", "did you mean 'departed'?"),
    ("employment", "the indicators are recruited, trained"),
    (["departed", 3], "An indicator is one of"),
    (7, "An indicator is one of"),
])
def test_an_unknown_indicator_is_refused_in_words(asked: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_indicators(asked)


def test_an_unknown_indicator_never_reaches_the_table_the_codebook_refuses_it() -> None:
    with pytest.raises(CellError, match="unknown indicator 'employment'"):
        parse_nested("outcomes", "2023 | employment | 5")


def test_only_the_indicators_asked_are_counted_and_reported() -> None:
    records = [rec("a", line("2023", "departed", 10), line("2023", "trained", 3)), rec("b", line("2023", "trained", 4))]
    o = compute(records, indicators="trained")
    assert table(o) == {("trained", 2023, YEAR): (7, ["a", "b"])}
    assert o.to_dict()["reporting"] == {"trained": 2}
    assert o.headlines()[0] == "2 of 2 partnerships report trained (2 lines, 0 without a source)."


@pytest.mark.parametrize(("period", "years"), [
    ("2023", (2023, 2023, True)), ("2023-05", (2023, 2023, False)), ("2023/2023", (2023, 2023, True)),
    ("2024/2024-06", (2024, 2024, False)), ("2021/2023-06", (2021, 2023, False)), ("2019/2020", (2019, 2020, True)),
    ("2023-13", None), ("2022-2023", None), ("", None),
])
def test_periods_are_read_as_their_years(period: str, years: Any) -> None:
    assert period_years(period) == years


def test_an_unreadable_period_is_left_out_by_its_rule_never_guessed() -> None:
    o = compute([rec("a", line("2022-2023", "departed", 5))])  # stored before the codebook checked periods
    assert o.cells == [] and [(x.period, rule) for x, rule in o.left_out] == [("2022-2023", "unreadable_period")]


def test_csv_rows_have_one_row_per_cell() -> None:
    o = compute([rec("a", line("2023", "departed", 10), line("2021/2022", "departed", 5)),
                 rec("b", line("2023", "departed", 1))])
    assert [dict(zip(CSV_HEADER, r, strict=True)) for r in o.rows()] == [
        {"indicator": "departed", "year": 2023, "kind": YEAR, "sum": 11, "partnerships": 2, "reporting": 2, "n": 2,
         "lines": 2, "without_source": 0, "left_out": 0, "ids": "a;b"},
        {"indicator": "departed", "year": 2022, "kind": SPANS, "sum": 5, "partnerships": 1, "reporting": 2, "n": 2,
         "lines": 1, "without_source": 0, "left_out": 0, "ids": "a"},
    ]


def test_the_order_of_the_records_does_not_change_the_result() -> None:
    records = [rec("a", line("2023-05", "recruited", 3), line("2023-02", "recruited", 4)),
               rec("b", line("2023", "recruited", 1), line("2023-01", "recruited", 2))]
    assert compute(records).to_dict() == compute(list(reversed(records))).to_dict()


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("outcomes") / "atlas.db"
    with smpatlas.open(path, user="test") as atlas:
        assert atlas.import_files([BUNDLED]).valid
    return path


@pytest.mark.parametrize("kw", [{}, {"destination": "DEU"}, {"sector": "health_care", "indicator": "departed"},
                                {"text": "no such words anywhere"}])
def test_the_database_read_gives_what_the_records_give(bundled: Path, kw: dict[str, Any]) -> None:
    """Atlas.outcomes reads two columns in chunks; the same figures as a pass over the selected records."""
    with smpatlas.open(bundled) as atlas:
        got = atlas.outcomes(**kw)
        filters = {k: v for k, v in kw.items() if k != "indicator"}
        expected = compute(atlas.records(**filters), indicators=kw.get("indicator"))
        assert got.n == atlas.count(**filters)
    assert {k: v for k, v in got.to_dict().items() if k != "filters"} == \
        {k: v for k, v in expected.to_dict().items() if k != "filters"}


def test_the_bundled_inventory_reads_sensibly(bundled: Path) -> None:
    with smpatlas.open(bundled) as atlas:
        o = atlas.outcomes(destination="DEU", indicator="recruited")
        everything = atlas.outcomes()
    assert (o.n, o.reporting, o.filters) == (51, {"recruited": 10}, {"destination": ["DEU"]})
    cell = o.cell("recruited", 2018)
    assert cell is not None and (cell.sum, cell.ids) == (282, ["de-ba-triple-win", "de-rs-triple-win",
                                                               "de-tn-triple-win"])
    span = o.cell("recruited", 2016, SPANS)
    assert span is not None and [(x.partnership, x.period) for x in span.lines] == [
        ("de-ba-triple-win", "2013/2016"), ("de-rs-triple-win", "2013/2016")]
    # Two figures of one recruitment in 2023 (letters of intent, then offers accepted): summed, and said.
    manitoba = [n for n in everything.notes if n.partnership == "ca-ph-manitoba-health-recruitment-2023"]
    assert [n.rule for n in manitoba] == [SEVERAL_LINES]


def test_filters_that_select_nothing_give_an_empty_table(bundled: Path) -> None:
    with smpatlas.open(bundled) as atlas:
        o = atlas.outcomes(text="no such words anywhere")
    assert (o.n, o.cells, o.headlines()) == (0, [], ["No partnerships match."])


@pytest.mark.parametrize(("kw", "message"), [
    ({"indicator": "employment"}, "Unknown outcome indicator 'employment'"),
    ({"colour": "red"}, "colour"),
])
def test_the_api_refuses_mistakes_in_words(bundled: Path, kw: dict[str, Any], message: str) -> None:
    with smpatlas.open(bundled) as atlas, pytest.raises(ConfigError, match=message):
        atlas.outcomes(**kw)
