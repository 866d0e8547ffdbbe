"""How cells people type are read: sources, mixed separators, statistical country names, ambiguous
numbers, hints that fit the field, values shown as people typed them, outcome counts, ISCO leading zeros."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from smpatlas.cells import format_nested, parse_nested
from smpatlas.normalise import converters
from smpatlas.problems import CellError, Problem, Report

CONVERT = converters()


@pytest.mark.parametrize(("cell", "expected"), [
    ("https://e.org; https://f.org", [{"url": "https://e.org"}, {"url": "https://f.org"}]),
    ("https://e.org, https://f.org", [{"url": "https://e.org"}, {"url": "https://f.org"}]),
    ("https://e.org https://f.org\nhttps://g.org",
     [{"url": "https://e.org"}, {"url": "https://f.org"}, {"url": "https://g.org"}]),
    ("https://e.org | Title reversed", [{"title": "Title reversed", "url": "https://e.org"}]),
    ("https://e.org | Title | 2026-11-27", [{"title": "Title", "url": "https://e.org", "accessed": "2026-11-27"}]),
    ("https://x.org/a;b=1", [{"url": "https://x.org/a;b=1"}]),  # a ';' inside one URL
    ("Title | http://x.org/p?q=1", [{"title": "Title", "url": "http://x.org/p?q=1"}]),
    ("Only a title", [{"title": "Only a title"}]),
])
def test_sources_read(cell: str, expected: list[dict[str, Any]]) -> None:
    assert parse_nested("sources", cell) == expected
    assert CONVERT["sources"](cell) == expected


@pytest.mark.parametrize(("cell", "message", "hint"), [
    ("Title | giz.de/page", "lacks http:// or https://", "'https://giz.de/page'"),
    ("www.giz.de", "lacks http:// or https://", "'https://www.giz.de'"),
    ("javascript:alert(1)", "not javascript: links", "web page"),
    ("Title | javascript:alert(1)", "not javascript: links", "web page"),
    ("Title | ftp://x.org/file", "not ftp: links", "web page"),
    ("Title | https://", "has no host", "whole address"),
    ("Title | Another title", "not a URL", "'Title | URL'"),
    ("Title | https://e.org; https://f.org", "several URLs in one source", "own line"),
    ("Annual report https://e.org", "a link and other text", "'Title | URL'"),
    ("https://e.org; see notes", "a link and other text", "'Title | URL'"),
    ('[{"url": "javascript:alert(1)"}]', "not javascript: links", "web page"),
])
def test_sources_refused(cell: str, message: str, hint: str) -> None:
    with pytest.raises(CellError, match=message) as info:
        CONVERT["sources"](cell)
    assert info.value.hint is not None and hint in info.value.hint


@pytest.mark.parametrize("items", [
    [{"title": "abc http://x.org"}],  # a title with a link inside, from JSON
    [{"title": "javascript:x"}],
    [{"title": "giz.de/page"}],
    [{"url": "https://x.org/a,b;c"}],  # one URL with a comma and a semicolon
    [{"title": "https://a.org", "url": "https://b.org"}],
])
def test_sources_written_read_back_the_same(items: list[dict[str, Any]]) -> None:
    assert parse_nested("sources", format_nested("sources", items)) == items


@pytest.mark.parametrize(("field", "cell", "expected"), [
    ("mobility_types", "Long-term; circular, short term", ["long_term", "circular", "short_term"]),
    ("mobility_types", "circular,long_term", ["long_term", "circular"]),
    ("sectors", "ICT\nHealth care, construction", ["health_care", "ict", "construction"]),
    ("origin_countries", "Taiwan, China", ["TWN"]),
    ("origin_countries", "Taiwan, China, Germany", ["DEU", "TWN"]),
    ("origin_countries", "Bahamas, The", ["BHS"]),
    ("origin_countries", "Gambia, The; Egypt, Arab Rep.", ["EGY", "GMB"]),
    ("origin_countries", "Hong Kong SAR, China", ["HKG"]),
    ("origin_countries", "Lao PDR, Viet Nam", ["LAO", "VNM"]),
    ("origin_countries", "Korea, Rep.", ["KOR"]),
    ("origin_countries", "Congo, Dem. Rep.", ["COD"]),
    ("origin_countries", "Germany; France, Italy", ["DEU", "FRA", "ITA"]),
    ("origin_countries", "Korea, Republic of", ["KOR"]),
    ("budget_eur", "1,500", 1500),
    ("budget_eur", "1.5", 1.5),
    ("budget_eur", "1.500", 1.5),  # read as a decimal, with a warning (test_a_dot_between_thousands_is_warned_about)
    ("outcomes", "1990 | recruited | 0.125", [{"period": "1990", "indicator": "recruited", "value": 0.125}]),
    ("outcomes", "2021 | departed | 0", [{"period": "2021", "indicator": "departed", "value": 0}]),
    ("outcomes", "2021 | trained | 1,200", [{"period": "2021", "indicator": "trained", "value": 1200}]),
    ("occupations", "0110", ["0110"]),
])
def test_cells_read(field: str, cell: str, expected: Any) -> None:
    assert CONVERT[field](cell) == expected


@pytest.mark.parametrize(("field", "cell", "message", "hint"), [
    ("partnership_type", "circlar", "unknown value 'circlar' for partnership_type", "allowed:"),
    ("partnership_type", "pilot_project, other", "takes one value, not several", "allowed:"),
    ("origin_countries", "Atlantis, China", "unknown country: 'Atlantis'", "alpha-3"),
    ("budget_eur", "1.500.000", "dots between thousands", "write 1500000"),
    ("duration_months_min", "12.5", "expected a whole number",
     "Minimum duration (months): a whole number from 0 to 600, e.g. 6"),
    ("planned_participants", "many", "expected a whole number", "Planned participants: a whole number"),
    ("start_year", "twenty", "expected a whole number", "Start year: a whole number from 1990 to 2100, e.g. 2021"),
    ("start_year", dt.date(2020, 3, 1), "expected a whole number, not a date",
     "a date was typed; write the year, e.g. 2020"),
    ("duration_months_max", dt.date(2020, 3, 1), "not a date", "write a whole number from 0 to 600"),
    ("budget_eur", dt.time(10, 0), "expected a number, not a time of day", "a time of day was typed"),
    ("outcomes", "2021 | departed | -5", "outcome value -5 is negative", "0 or more"),
    ("outcomes", "2021 | departed | 1,5", "outcome value '1,5' is not a number", "write 1.5 (a dot"),
    ("outcomes", "2021 | departed | 2k", "outcome value '2k' is not a number", "2000 for 2k"),
    ("outcomes", "2021 | departed | many", "outcome value 'many' is not a number", "e.g. 120"),
    ("occupations", "110", "110 is not in ISCO-08",
     "Excel may have dropped a leading zero: did you mean 0110 (Commissioned armed forces officers)?"),
    ("occupations", 110, "110 is not in ISCO-08", "did you mean 0110"),
    ("occupations", "5555", "5555 is not in ISCO-08", "nearest existing group: 5"),
])
def test_cells_refused(field: str, cell: Any, message: str, hint: str) -> None:
    with pytest.raises(CellError, match=message) as info:
        CONVERT[field](cell)
    assert info.value.hint is not None and hint in info.value.hint


@pytest.mark.parametrize("field", ["duration_months_min", "duration_months_max", "planned_participants"])
def test_hints_of_counts_do_not_show_a_year(field: str) -> None:
    with pytest.raises(CellError) as info:
        CONVERT[field]("12.5")
    assert "2021" not in (info.value.hint or "")


@pytest.mark.parametrize(("value", "shown"), [
    (dt.date(2020, 3, 1), "2020-03-01: not a date"),
    (dt.datetime(2020, 3, 1), "2020-03-01: not a date"),
    (dt.datetime(2020, 3, 1, 9, 30), "2020-03-01 09:30: not a date"),
    (dt.time(10, 0), "10:00: not a date"),
    ("x", "'x': not a date"),
    (12.5, "12.5: not a date"),
])
def test_values_are_shown_as_typed(value: Any, shown: str) -> None:
    problem = Problem("not a date", value=value)
    assert problem.text() == shown
    assert problem.to_dict()["value"] == (shown.rsplit(": ", 1)[0].strip("'") if not isinstance(value, float)
                                          else value)


@pytest.mark.parametrize(("report", "summary"), [
    (Report(files=["a.csv"], rows=1, inserted=1), "a.csv: 1 row valid; 1 was inserted, 0 updated, 0 unchanged, 0 deleted."),
    (Report(files=["a.csv"], rows=2, inserted=2), "a.csv: 2 rows valid; 2 were inserted, 0 updated, 0 unchanged, "
                                                  "0 deleted."),
    (Report(files=["a.csv"], rows=1, inserted=1, dry_run=True),
     "a.csv: 1 row valid; 1 would be inserted, 0 updated, 0 unchanged, 0 deleted."),
])
def test_summary_grammar(report: Report, summary: str) -> None:
    assert report.summary() == summary


@pytest.mark.parametrize(("field", "cell", "read", "warning"), [
    ("budget_eur", "1.500", 1.5, "read as 1.5; if a dot between thousands was meant, that is 1,500"),
    ("planned_participants", "2.000", 2, "read as 2; if a dot between thousands was meant, that is 2,000"),
    ("budget_eur", "0.125", 0.125, None),  # no thousands group starts with 0
    ("budget_eur", "1.5", 1.5, None),
    ("budget_eur", "1500", 1500, None),
])
def test_a_dot_between_thousands_is_warned_about(field: str, cell: str, read: float, warning: str | None) -> None:
    from smpatlas import record as rec
    from tests.conftest import minimal

    raw = {**minimal(), field: cell}
    record, issues = rec.normalise(raw)
    assert not issues and record[field] == read
    found = [w for w in rec.warnings(record, raw) if w.error.code == "dot_thousands"]
    assert [w.error.message for w in found] == ([warning] if warning else [])


@pytest.mark.parametrize("fast", [True, False])
def test_every_bad_line_of_a_nested_cell_is_reported(fast: bool) -> None:
    """Both readers (the import's remembered one and the reference one) report each bad line, numbered."""
    from smpatlas import record as rec
    from smpatlas.cells import parse_nested
    from tests.conftest import minimal

    cell = "GIZ | not_a_role | DEU\nAgency | government | DEU\nFoo | government | ZZZ"
    if fast:
        _, issues = rec.normalise({**minimal(), "actors": cell})
        [issue] = issues
        message = issue.error.message
    else:
        with pytest.raises(CellError) as info:
            parse_nested("actors", cell)
        message = info.value.message
    assert message.startswith("line 1: ") and "; line 3: " in message and "line 2" not in message
    assert "not_a_role" in message and "line 3: unknown country" in message
