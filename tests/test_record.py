"""Whole records: the pydantic model and the rules across fields."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from smpatlas import codebook
from smpatlas.codebook import NESTED_KINDS
from smpatlas.record import _field_issues, _quick, _schema_issues, model, normalise
from tests.conftest import minimal


def test_model_has_one_attribute_per_field() -> None:
    assert list(model().model_fields) == codebook.default().names


def test_minimal_record_is_valid_and_gets_the_codebook_version() -> None:
    record, issues = normalise(minimal())
    assert issues == []
    assert record["codebook_version"] == codebook.default().version


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"end_year": 2019}, "end_year", "end year 2019 is before start year 2020"),
        ({"duration_months_min": 24, "duration_months_max": 12}, "duration_months_max", "below the minimum"),
        ({"name": ""}, "name", "required"),
        ({"origin_countries": None}, "origin_countries", "required"),
        ({"status": "paused"}, "status", "unknown value"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_record_problems(change: dict[str, Any], field: str, message: str) -> None:
    raw = {**minimal(), **change}
    _, issues = normalise({k: v for k, v in raw.items()})
    assert any(i.field == field and message in i.error.message for i in issues), [
        (i.field, i.error.message) for i in issues
    ]


def test_missing_and_unspecified_stay_distinct() -> None:
    a, _ = normalise(minimal(recognition_mechanism="unspecified"))
    b, _ = normalise(minimal())
    assert a["recognition_mechanism"] == "unspecified"
    assert "recognition_mechanism" not in b


@pytest.mark.parametrize(
    "bad",
    [
        {"start_year": "2020"},  # strict: canonical years are ints
        {"skill_levels": ["hgh"]},
        {"origin_countries": []},
        {"actors": [{"role": "ngo"}]},  # an actor needs a name
        {"extension_possible": "maybe"},
    ],
)
def test_the_model_is_strict_about_the_canonical_form(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model().model_validate({**minimal(), **bad})


# --- validating field by field (what normalise does) is validating the whole record --------------

_CB = codebook.default()
_ODD_VALUES: list[Any] = [
    None, 0, -1, 1989, 2021, 2101, 1.5, float("nan"), float("inf"), True, False, "", " ", "x", "X" * 600, "\ud800",
    "2020", "ongoing", "unspecified", "de-ph", "De PH", "2026-11-27", "2026-13-45", "٢٠٢٦-١١-٢٧", "PHL", "phl", "EU",
    "2221", "22211", [], ["PHL"], ["phl"], ["x"], [1], ["unspecified"], [None], {"a": 1}, [{"name": "x"}],
    [{"name": ""}], [{"role": "ngo"}], [{"name": "x", "role": "bad"}], [{"name": "x", "country": "deu"}],
    [{"name": "x", "colour": 1}], [{"period": "2023", "indicator": "trained", "value": "5"}],
    [{"period": "2023", "indicator": "trained", "value": True}], [{"title": "t", "accessed": "2026-1-1"}], [{}],
    ["s"], [[1]], (1,), {"x"},
]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_CB.names), st.sampled_from(_ODD_VALUES), max_size=4))
def test_field_by_field_problems_are_the_whole_models(changes: dict[str, Any]) -> None:
    rec = {**minimal(), "codebook_version": _CB.version, **changes}
    per_field = [i for f in _CB.fields if f.name in rec for i in _field_issues(f.name, rec[f.name])]
    assert [(i.field, repr(i.value), i.error.message, i.error.code) for i in per_field] == [
        (i.field, repr(i.value), i.error.message, i.error.code) for i in _schema_issues(rec)]


_TEXT = (st.text(st.characters(codec=None), max_size=12) | st.text(max_size=3) | st.just("x" * 600)
         | st.text(st.characters(categories=["Cs", "Ll", "Nd"]), min_size=1, max_size=3))
_SCALAR = _TEXT | st.integers() | st.floats() | st.booleans() | st.none()
#: A valid item of each nested kind, to change one part of.
_ITEMS: dict[str, dict[str, Any]] = {"actors": {"name": "GIZ"}, "sources": {"title": "T"},
                                      "outcomes": {"period": "2023", "indicator": "trained", "value": 1}}


def _part_values(kind: str, part: str) -> st.SearchStrategy[Any]:
    """Values near and far from what the model accepts for a part of a nested item."""
    spec = _CB.nested[kind]
    if part in spec.vocabulary:
        return st.sampled_from(spec.vocabulary[part]) | _SCALAR
    if part == "country":
        return (st.from_regex(r"[A-Z]{1,4}(\n|x)?", fullmatch=True) | st.from_regex(r"[A-Za-zÀ-ÿ]{2,3}", fullmatch=True)
                | st.sampled_from(["DEU", "EU", "ＤＥＵ", "ABCD", "DEU\n"]) | _SCALAR)
    if part == "accessed":
        return (st.from_regex(r"[0-9]{3,5}-[0-9]{1,3}-[0-9]{1,3}(\n|x)?", fullmatch=True)
                | st.from_regex(r"[0-9٠-٩]{4}-[0-9٠-٩]{2}-[0-9٠-٩]{2}", fullmatch=True)
                | st.sampled_from(["2026-11-27", "2026-1-27", "2026-11-27x", "2026-11-27\n"]) | _SCALAR)
    if part == "value":
        return st.decimals(allow_nan=False) | st.fractions() | st.complex_numbers() | _SCALAR
    return _SCALAR


@st.composite
def _near_values(draw: st.DrawFn, f: codebook.Field) -> list[Any]:
    """Values near and far from what the model accepts for the field."""
    if f.kind == "slug":
        return draw(st.lists(st.from_regex(r"[a-z0-9]+(?:-[a-z0-9]+)*\n?", fullmatch=True) | _SCALAR, min_size=5))
    if f.kind not in NESTED_KINDS:
        return draw(st.lists(_SCALAR, min_size=5))
    base = _ITEMS[f.kind]
    part = draw(st.sampled_from([*_CB.nested[f.kind].parts, "colour"]))
    values = draw(st.lists(_part_values(f.kind, part), min_size=5))
    others = [{k: v for k, v in base.items() if k != part}, 5, "x", None, {}]
    return [[{**base, part: v}] for v in values] + [[item] for item in others] + [[], [base, None], base]


_TRICKY = ["", " ", "x", "x" * 61, "x" * 601, "\ud800", "a\udfffb", "ｘ", "de-ph", "de--ph", "de-ph\n", "-de", "DE-PH",
           "ngo", "NGO", "trained", "DEU", "EU", "ABCD", "A", "deu", "ＤＥＵ", "DEU\n", "ÄÖÜ", "2026-11-27", "2026-1-27",
           "2026-11-27x", "2026-11-27\n", "٢٠٢٦-١١-٢٧", "20261127", 1, 1.5, -0.0, True, None, [], {}]


@pytest.mark.parametrize("name", [f.name for f in _CB.fields if f.kind in ("text", "slug") or f.kind in NESTED_KINDS])
def test_the_quick_tests_pass_no_tricky_value_the_model_refuses(name: str) -> None:
    f = _CB[name]
    quick = _quick(_CB, f)
    values: list[Any] = list(_TRICKY)
    if f.kind in NESTED_KINDS:
        base = _ITEMS[f.kind]
        values = [[{**base, part: v}] for part in [*_CB.nested[f.kind].parts, "colour"] for v in _TRICKY]
        values += [[{k: v for k, v in base.items() if k != part}] for part in base] + [[], [base, None], base]
    for value in values:
        if quick(value):
            assert _field_issues(name, value) == [], (name, value)


@pytest.mark.parametrize("name", [f.name for f in _CB.fields if f.kind in ("text", "slug") or f.kind in NESTED_KINDS])
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_the_quick_tests_pass_only_what_the_model_accepts(name: str, data: st.DataObject) -> None:
    f = _CB[name]
    quick = _quick(_CB, f)
    for value in data.draw(_near_values(f)):
        if quick(value):
            assert _field_issues(f.name, value) == [], (f.name, value)


def test_the_quick_tests_pass_what_converters_give() -> None:
    """Else every record would go to pydantic (correct, but slow)."""
    for rec in (minimal(name="Ünïcødé – “quoted” \t tab", acronym="x" * 60, notes="line 1\nline 2"),
                minimal(actors=[{"name": "GIZ", "role": "ngo", "country": "DEU"}],
                        outcomes=[{"period": "2022/2023", "indicator": "trained", "value": 1.5, "source": "x"}])):
        canonical, issues = normalise(rec)
        assert issues == []
        for f in _CB.fields:
            if f.name in canonical and (f.kind in ("text", "slug") or f.kind in NESTED_KINDS):
                assert _quick(_CB, f)(canonical[f.name]), f.name


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff ", "\u00a0\u200d", "\u2060\u00ad"])
def test_a_required_text_of_invisible_characters_is_empty(invisible: str) -> None:
    """A zero-width space or a byte order mark shows nothing: a name of only those is no name."""
    record, issues = normalise(minimal(name=invisible, notes=invisible))
    assert [(i.field, i.error.code) for i in issues] == [("name", "required")]
    assert "notes" not in record
