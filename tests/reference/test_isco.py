"""ISCO-08 validation at every level, titles, skill levels and ESCO titles."""

from __future__ import annotations

import pytest

from smpatlas.normalise import converters
from smpatlas.problems import CellError
from smpatlas.reference import isco

OCC = converters()["occupations"]


def test_the_classification_has_the_ilo_totals() -> None:
    levels = [g.level for g in isco.groups().values()]
    assert [levels.count(i) for i in (1, 2, 3, 4)] == [10, 43, 130, 436]


@pytest.mark.parametrize(
    ("cell", "codes"),
    [
        ("2", ["2"]),  # major group
        ("22", ["22"]),  # sub-major group
        ("222", ["222"]),  # minor group
        ("2221", ["2221"]),  # unit group
        ("0110", ["0110"]),  # armed forces: leading zero kept
        ("25; 2221", ["2221", "25"]),
        ("Nursing professionals", ["2221"]),  # an ISCO title
        ("nurse responsible for general care", ["2221"]),  # an ESCO occupation title
        ("software developer", ["2512"]),
    ],
)
def test_valid_codes_at_every_level(cell: str, codes: list[str]) -> None:
    assert OCC(cell) == codes


@pytest.mark.parametrize(
    ("cell", "message", "hint"),
    [
        ("2229", "2229 is not in ISCO-08", "222 Nursing and midwifery professionals"),
        ("99", "99 is not in ISCO-08", "9 Elementary occupations"),
        ("22211", "not an ISCO-08 code", "1 to 4 digits"),
        ("astronaut pilot of dreams", "not an ISCO-08 code or ESCO occupation title", None),
    ],
)
def test_invalid_codes(cell: str, message: str, hint: str | None) -> None:
    with pytest.raises(CellError, match=message) as info:
        OCC(cell)
    if hint:
        assert hint in (info.value.hint or "")


@pytest.mark.parametrize(
    ("code", "level", "name"),
    [("2221", 4, "high"), ("1412", 3, "high"), ("3221", 3, "high"), ("5321", 2, "middle"), ("9112", 1, "low"),
     ("0110", 4, "high"), ("0310", 1, "low"), ("0", None, None)],
)
def test_skill_levels(code: str, level: int | None, name: str | None) -> None:
    assert isco.skill_level(code) == level
    assert isco.skill_level_name(code) == name


def test_derived_skill_levels() -> None:
    assert isco.derived_skill_levels(["2221", "5321", "9112"]) == ["high", "middle", "low"]


def test_search_by_title() -> None:
    hits = isco.search("nurse")
    assert hits[0].code == "2221"
    assert any(h.code == "2512" for h in isco.search("software developer"))
    assert isco.search("") == []


def test_esco_mapping_is_reported_on_import(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from smpatlas.io.importer import import_files
    from tests.conftest import minimal, write_jsonl

    path = write_jsonl(tmp_path / "p.jsonl", [minimal(occupations="nurse responsible for general care")])
    report = import_files(engine, [path])
    assert report.valid
    notes = [p for p in report.warnings if p.code == "occupation_mapped"]
    assert notes and "2221" in notes[0].message and "ESCO" in notes[0].message
