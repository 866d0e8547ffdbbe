"""Rows normalised the fast way give what the whole-record way gives, row after row.

:func:`smpatlas.record.normalise` remembers conversions per field (and the item
lines of nested fields), validates field by field and trusts quick tests;
``record._normalise_whole`` converts afresh and validates the whole record with
the pydantic model, as every import did before. These tests hold the two to the
same records and problems (fields, values, messages, hints, codes, order), check
that nothing remembered leaks from one row (or field) into another, that what is
remembered stays bounded, and that the importer's quick way of reading plain
rows gives what its long way gives.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpatlas import record
from smpatlas.cells import restore
from smpatlas.codebook import default as default_codebook
from smpatlas.io.exporter import cell
from smpatlas.io.importer import _Columns, _Run
from smpatlas.problems import Report
from smpatlas.record import FieldIssue, _normalise_whole, _schema_issues, normalise, warnings
from tests.conftest import BUNDLED

CB = default_codebook()
NAMES = CB.names
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RECORDS = [json.loads(line) for line in BUNDLED.read_text("utf-8").splitlines() if line.strip()]


def _row(rec: dict[str, Any]) -> dict[str, Any]:
    """A record as the text cells of a CSV row."""
    out: dict[str, Any] = {}
    for f in CB.fields:
        value = cell(f, rec.get(f.name))
        out[f.name] = "" if value is None else restore(value) if isinstance(value, str) else str(value)
    return out


ROWS = [_row(r) for r in RECORDS]
#: Per field: the cells the sample inventory gives it.
POOL = {name: sorted({row[name] for row in ROWS}) for name in NAMES}
#: Cells that are wrong, odd or right for some fields and not others.
ODD = [
    "", "   ", "maybe", "yes", "YES", "no", "1", "0", "t", "unspecified", "Unspecified", "none", "none; design",
    "2021", " 2021 ", "2021.0", "2021.5", "1850", "2101", "-5", "1,500,000", "1 500 000", "1e3", "nan", "inf",
    "9007199254740993", "x" * 81, "x" * 601, "bell\x07", "a\r\nb", "\ud800", "De PH Triple Win", "de-ph-ok", "-bad-",
    "ongoing", "ongoing; completed", "paused", "pilot project", "circular; long-term", "circlar", "Circular, Short term",
    "high; unspecified", "PHL", "ph; in", "Philippines, Viet Nam", "Korea, Republic of", "Congo", "Narnia", "EU",
    "UK; EL", "2221", "22211", "9999", "nurse", "registered nurse", "2221, 25", "Nursing professionals; 2221",
    "2026-11-27", "2026-02-30", "27/11/2026", "2026-11-27T10:00", "ngo", "GIZ | ngo | DEU", "GIZ | agency",
    "GIZ | ngo | Atlantis", "a | b | c | d", r"A \| B | ngo", "https://example.org/a", "T | https://x.org | yesterday",
    "Report | https://x.org | 2026-11-27\nhttps://y.org", "2023 | trained | 5", "2023 | trained | many",
    "2023/2022 | trained | 1", "2023 | trained", "last year | trained | 5", "[not json", '[{"name": "IOM"}]',
    '{"name": "IOM", "role": "ngo"}', '[{"name": "x", "colour": "red"}]', "[]", '["https://a.org"]', "\n\n",
]
NOT_TEXT: list[Any] = [
    None, 0, 1, 2021, -5, 2**60, 0.0, -0.0, 1.0, 2021.0, 2021.5, math.nan, math.inf, True, False,
    [], ["PHL", "DEU"], ["circular", "circular"], ["nurse"], [2221, "25"], [""], [{"name": "IOM"}], [{"role": "ngo"}],
    [{"period": "2023", "indicator": "trained", "value": True}], [{"url": "https://a.org", "accessed": dt.date(2026, 1, 2)}],
    ["https://a.org", "T | https://b.org"], {"name": "X"}, {"a": 1}, dt.date(2026, 11, 27), dt.datetime(2026, 11, 27, 10),
]


def _value(name: str) -> st.SearchStrategy[Any]:
    pool = POOL.get(name) or [""]
    return st.one_of(st.sampled_from(pool), st.sampled_from(ODD), st.sampled_from(NOT_TEXT),
                     st.text(max_size=12), st.sampled_from([v for other in POOL.values() for v in other[:3]]))


@st.composite
def raws(draw: st.DrawFn) -> dict[str, Any]:
    """A row: a sample row (or nothing) with some fields changed, some dropped, sometimes unknown ones."""
    raw = dict(draw(st.sampled_from([*ROWS, {}])))
    for name in draw(st.lists(st.sampled_from([*NAMES, "colour"]), max_size=6)):
        raw[name] = draw(_value(name))
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=3)):
        raw.pop(name, None)
    if draw(st.booleans()):
        items = list(raw.items())
        raw = dict(draw(st.permutations(items)))
    return raw


def _canon(value: Any) -> Any:
    """A value with its types, comparable (NaN equal to NaN)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _canon(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_canon(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, repr(value))


def _issues(issues: list[FieldIssue]) -> list[tuple[Any, ...]]:
    return [(i.field, _canon(i.value), i.error.message, i.error.hint, i.error.code) for i in issues]


def _outcome(result: tuple[dict[str, Any], list[FieldIssue]]) -> tuple[Any, Any]:
    rec, issues = result
    return _canon(rec), _issues(issues)


def _spoil(rec: dict[str, Any], issues: list[FieldIssue]) -> None:
    """Change everything a caller could change in what it got back."""
    for value in [*rec.values(), *(i.value for i in issues)]:
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    item["spoiled"] = True
            value.append("spoiled")
    for i in issues:
        i.error.message = "spoiled"


@SETTINGS
@given(raws(), st.booleans())
def test_the_fast_way_gives_what_the_whole_record_way_gives(raw: dict[str, Any], draft: bool) -> None:
    expected = _outcome(_normalise_whole(copy.deepcopy(raw), CB, draft=draft))
    for _ in range(2):  # the second time from memory
        got = normalise(copy.deepcopy(raw), draft=draft)
        assert _outcome(got) == expected
        _spoil(*got)


@SETTINGS
@given(raws())
def test_warnings_are_the_same_from_memory(raw: dict[str, Any]) -> None:
    rec, _ = normalise(raw)
    record._MAPPED.clear()
    first = _issues(warnings(rec, raw))
    assert _issues(warnings(rec, raw)) == first


def test_a_row_cannot_change_what_a_later_row_gets() -> None:
    raw = {**ROWS[0], "sectors": "ict; health_care", "origin_countries": "ph; in", "occupations": "2221; 25",
           "actors": "GIZ | ngo | DEU\nBA | government | DEU", "outcomes": "2023 | trained | 5"}
    first, issues = normalise(raw)
    assert issues == []
    expected = _canon(first)
    _spoil(first, issues)
    again, _ = normalise(dict(raw))
    assert _canon(again) == expected
    assert again["actors"][0] == {"name": "GIZ", "role": "ngo", "country": "DEU"}


def test_a_problem_is_a_fresh_object_each_time() -> None:
    raw = {**ROWS[0], "government_to_government": "maybe", "actors": "GIZ | agency", "status": "paused"}
    _, first = normalise(raw)
    _, second = normalise(dict(raw))
    assert [i.field for i in first] == ["government_to_government", "status", "actors"]
    for a, b in zip(first, second, strict=True):
        assert a.error is not b.error
        assert (a.error.message, a.error.hint, a.error.code) == (b.error.message, b.error.hint, b.error.code)
    first[0].error.message = "changed"
    _, third = normalise(dict(raw))
    assert third[0].error.message == "expected yes or no"


def test_what_a_cell_became_in_one_field_stays_with_that_field() -> None:
    cells = ["yes", "maybe", "2021", "unspecified", "none", "ngo", "PHL", "2221", "2026-11-27", "circular"]
    for text in cells:
        for name in NAMES:
            raw = {**ROWS[1], name: text}
            expected = _outcome(_normalise_whole(dict(raw), CB))
            assert _outcome(normalise(dict(raw))) == expected, (name, text)
    _, issues = normalise({**ROWS[1], "government_to_government": "maybe", "notes": "maybe"})
    assert [(i.field, i.error.code) for i in issues] == [("government_to_government", "bad_bool")]


@pytest.mark.parametrize(("name", "values"), [
    ("start_year", [2021, 2021.0, True, "2021", 1, 1.0]),
    ("budget_eur", [0, -0.0, 0.0, False, "0", math.nan, math.inf]),
    ("government_to_government", [1, 1.0, True, "1", 0, 0.0, False]),
    ("extension_possible", [True, 1, 1.0, "yes"]),
])
def test_cells_of_different_types_are_told_apart(name: str, values: list[Any]) -> None:
    for _ in range(2):
        for value in values:
            raw = {**ROWS[2], name: value}
            assert _outcome(normalise(dict(raw))) == _outcome(_normalise_whole(dict(raw), CB)), value


@pytest.fixture
def small_memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[record._Plans]:
    """Fresh plans that remember at most 5 cells a field and 3 item lines a nested field."""
    monkeypatch.setattr(record, "MEMO_LIMIT", 5)
    monkeypatch.setattr(record, "LINE_MEMO_LIMIT", 3)
    monkeypatch.setattr(record, "_MAPPED", {})
    record._plans.cache_clear()
    yield record._plans()
    record._plans.cache_clear()


def test_memory_is_bounded(small_memory: record._Plans) -> None:
    plans = small_memory
    for i in range(40):
        raw = {**ROWS[3], "start_year": str(1990 + i), "budget_eur": f"{i},000",
               "origin_countries": POOL["origin_countries"][i % 7],
               "actors": f"Actor {i} | ngo | DEU\nActor {i + 1} | employer", "occupations": f"{2221 + i}; nurse",
               "government_to_government": "maybe" if i % 2 else str(i)}
        assert _outcome(normalise(raw)) == _outcome(_normalise_whole(dict(raw), CB))
        rec, _ = normalise(raw)
        warnings(rec, raw)
    assert all(len(memo) <= 5 for _, memo in plans.remembered.values())
    assert len(plans.remembered["start_year"][1]) == 5
    assert len(record._MAPPED) <= 5
    reader = plans.tested["actors"][0]
    lines = [c.cell_contents for c in reader.__closure__ or () if isinstance(c.cell_contents, dict)]
    assert lines and all(len(memo) <= 3 for memo in lines)


def test_long_item_lines_are_not_remembered(small_memory: record._Plans) -> None:
    reader = small_memory.tested["sources"][0]
    (memo,) = [c.cell_contents for c in reader.__closure__ or () if isinstance(c.cell_contents, dict)]
    long_line = "T" * (record.LINE_MEMO_CHARS + 1) + " | https://example.org/x"
    reader(long_line + "\nhttps://example.org/y")
    assert list(memo) == ["https://example.org/y"]


def test_values_the_quick_tests_do_not_pass_go_to_pydantic(small_memory: record._Plans,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Converters never give what the model refuses; if one did, the problems would be the model's."""
    import smpatlas.cells

    monkeypatch.setattr(smpatlas.cells, "read_line", lambda kind, line: {"name": line, "role": "bank"})
    record._plans.cache_clear()
    plans = record._plans()  # nested readers built with the read_line above
    plans.tested["name"] = (lambda value: "", plans.tested["name"][1])  # too short for the model
    plans.remembered["status"] = (lambda value: "paused", {})  # not in the vocabulary
    plans.remembered["tracks"] = (lambda value: ["nowhere"], {})
    plans.tested["sources"] = (lambda value: [{"title": ""}], record._nested_quick(CB, "sources"))
    raw = {**ROWS[0], "tracks": "away", "actors": "GIZ\nBA", "outcomes": ""}
    for _ in range(2):  # the second time from memory
        rec, issues = normalise(dict(raw))
        assert [i.field for i in issues] == ["name", "status", "actors", "actors", "sources", "tracks"]
        assert _issues(issues) == _issues(_schema_issues(rec))
        assert all(i.error.code == "schema" for i in issues)
        assert rec["tracks"] == ["nowhere"]
        assert rec["actors"] == [{"name": "GIZ", "role": "bank"}, {"name": "BA", "role": "bank"}]
        _spoil(rec, issues)


def _run() -> _Run:
    return _Run(None, CB, "insert", Report(), None, None)  # type: ignore[arg-type]


@SETTINGS
@given(st.data())
def test_plain_rows_are_read_as_the_long_way_reads_them(data: st.DataObject) -> None:
    header = data.draw(st.permutations([*NAMES[:12], "#note", "Notes"]))
    fields: list[str | None] = [None if h == "#note" else CB.field_for_header(h) for h in header]
    cols = _Columns(fields, list(header), frozenset(f.name for f in CB.fields if f.required))
    assert cols.plain
    cells = [data.draw(st.one_of(st.sampled_from(["", "  ", None, 0, False, 0.0]),
                                 _value(f or "notes").filter(lambda v: not isinstance(v, list | dict))))
             for f in fields]  # cells as readers give them
    quick = cols.raw(cells)
    long, columns = _run()._raw(cells, cols, {"file": "x.csv", "sheet": None, "row": 2})
    assert long is not None and quick is not None
    assert columns == cols.by_field
    required = {f.name for f in CB.fields if f.required}
    assert quick == {k: v for k, v in long.items() if k in required or (v != "" and v is not None)}
    assert _outcome(normalise(quick)) == _outcome(normalise(long))


def test_a_row_with_a_cell_that_cannot_be_hashed_is_read_the_long_way() -> None:
    cols = _Columns(["id", "name", "sectors"], ["id", "name", "sectors"], frozenset({"id", "name"}))
    assert cols.raw(["x", "", ""]) == {"id": "x", "name": ""}
    assert cols.raw(["x", "y", ["ict"]]) is None
