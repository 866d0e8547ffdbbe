"""Cell syntax of nested fields and formula neutralisation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpatlas.cells import (
    _clean_item,
    _item_from_line,
    format_nested,
    item_lines,
    neutralise,
    parse_nested,
    read_line,
    restore,
)
from smpatlas.problems import CellError


@pytest.mark.parametrize(
    ("kind", "cell", "expected"),
    [
        ("sources", "https://example.org/a", [{"url": "https://example.org/a"}]),  # just a URL
        ("sources", "GIZ page | https://giz.de/x", [{"title": "GIZ page", "url": "https://giz.de/x"}]),
        ("sources", "Report | https://x.org | 2026-11-27\nhttps://y.org",
         [{"title": "Report", "url": "https://x.org", "accessed": "2026-11-27"}, {"url": "https://y.org"}]),
        ("sources", "A title only", [{"title": "A title only"}]),
        ("actors", "GIZ | Development agency | Germany",
         [{"name": "GIZ", "role": "development_agency", "country": "DEU"}]),
        ("actors", "BA |  | DEU", [{"name": "BA", "country": "DEU"}]),
        ("actors", r"A \| B | ngo", [{"name": "A | B", "role": "ngo"}]),  # escaped bar
        ("outcomes", "2014-10 | employed_at_destination | 27 | DOLE",
         [{"period": "2014-10", "indicator": "employed_at_destination", "value": 27, "source": "DOLE"}]),
        ("outcomes", "2022/2023 | trained | 1,200",
         [{"period": "2022/2023", "indicator": "trained", "value": 1200}]),
        ("actors", '[{"name": "IOM", "role": "international_organisation"}]',
         [{"name": "IOM", "role": "international_organisation"}]),  # JSON text in the cell
    ],
)
def test_parse(kind: str, cell: str, expected: list[dict[str, Any]]) -> None:
    assert parse_nested(kind, cell) == expected


@pytest.mark.parametrize(
    ("kind", "cell", "message"),
    [
        ("actors", "GIZ | agency", "unknown role"),
        ("actors", "GIZ | ngo | Atlantis", "unknown country"),
        ("outcomes", "last year | trained | 5", "not YYYY, YYYY-MM"),
        ("outcomes", "2023 | graduated | 5", "unknown indicator"),
        ("outcomes", "2023 | trained | many", "not a number"),
        ("outcomes", "2023 | trained", "has no value"),
        ("sources", "a | b | c | d", "too many"),
        ("sources", "[not json", "not valid JSON"),
        # Excel's AutoCorrect made the quotes typographic: said so, with where
        ("sources", '[{\u201ctitle\u201d: \u201cReport\u201d, "url": "https://x.org"}]',
         "its quotes are typographic \\('\u201c' at character 2\\); JSON needs straight quotes"),
        ("sources", "T | https://x.org | yesterday", "not a date"),
        ("actors", '[{"name": "x", "colour": "red"}]', "unknown part"),
        # text parts are bounded by the codebook (nested.*.max_length), in cell syntax and in JSON
        ("actors", "A" * 501 + " | ngo", "actor name too long: 501 characters, at most 500 allowed"),
        ("actors", json.dumps([{"name": "A" * 3_000_000}]), "actor name too long: 3,000,000 characters"),
        ("sources", "T" * 501 + " | https://x.org", "source title too long"),
        ("sources", "https://x.org/" + "p" * 1990, "source url too long: 2,004 characters, at most 2,000"),
        ("outcomes", "2023 | trained | 5 | " + "s" * 501, "outcome source too long"),
    ],
)
def test_parse_errors(kind: str, cell: str, message: str) -> None:
    with pytest.raises(CellError, match=message) as info:
        parse_nested(kind, cell)
    assert info.value.hint is None or info.value.hint


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("|\\[{\n"), min_size=1,
                max_size=30).map(str.strip).filter(bool)


@given(st.lists(st.fixed_dictionaries({"name": _text}, optional={"role": st.sampled_from(["ngo", "employer"]),
                                                                  "country": st.sampled_from(["DEU", "PHL"])}),
                min_size=1, max_size=4))
def test_actors_round_trip(items: list[dict[str, Any]]) -> None:
    items = [{k: v.replace("\r", "\n") if isinstance(v, str) else v for k, v in i.items()} for i in items]
    assert parse_nested("actors", format_nested("actors", items)) == parse_nested("actors", items)


@given(st.lists(st.fixed_dictionaries({}, optional={"title": _text, "url": st.sampled_from(
    ["https://a.org/x", "http://b.net"])}).filter(bool), min_size=1, max_size=3))
def test_sources_round_trip(items: list[dict[str, Any]]) -> None:
    assert parse_nested("sources", format_nested("sources", items)) == parse_nested("sources", items)


@pytest.mark.parametrize(
    ("text", "safe"),
    [("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-x", "'-x"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
     ("'=x", "''=x"), ("''", "'''"), ("'s-Hertogenbosch", "'s-Hertogenbosch"), ("plain", "plain"), ("", "")],
)
def test_neutralise_and_restore(text: str, safe: str) -> None:
    assert neutralise(text) == safe
    assert restore(safe) == text


@given(st.text(max_size=12))
def test_neutralise_is_reversible(text: str) -> None:
    assert restore(neutralise(text)) == text
    assert neutralise(text)[:1] not in set("=+-@\t\r")


_line = st.text(st.characters(codec=None) | st.sampled_from(list("|\\ \t\r")), max_size=40)


@given(st.sampled_from(["actors", "sources", "outcomes"]), _line | st.sampled_from([
    "GIZ | development_agency | DEU", "https://x.org", "T | https://x.org | 2026-11-27", "2023 | trained | 1,200 | s",
    r"A \| B | ngo", " | https://x.org", "a | b | c | d | e", "x\\r | y", "T | u | 2026-02-30"]))
def test_a_line_reads_as_the_item_it_spells(kind: str, line: str) -> None:
    """read_line (straight from the parts) is _clean_item of _item_from_line (through a dict)."""
    try:
        expected: Any = _clean_item(kind, _item_from_line(kind, line))
    except CellError as exc:
        expected = (exc.message, exc.hint, exc.code)
    try:
        got: Any = read_line(kind, line)
    except CellError as exc:
        got = (exc.message, exc.hint, exc.code)
    assert got == expected


@pytest.mark.parametrize(("cell", "lines"), [
    ("", []), ("  \n \r\n", []), ("a\r\nb\rc\nd", ["a", "b", "c", "d"]), (" a \n\n b ", ["a ", " b"]),
    ('[{"name": "x"}]', None), (' {"name": "x"}', None),
])
def test_item_lines(cell: str, lines: list[str] | None) -> None:
    assert item_lines(cell) == lines
