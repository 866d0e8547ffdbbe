"""Whole records: the pydantic model and the rules across fields."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from smpatlas import codebook
from smpatlas.record import model, normalise
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
