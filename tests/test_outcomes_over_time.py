"""Outcomes tracked over time: what a change of a nested or set field did, said in words; outcome periods checked.

A monitoring officer adds outcome lines year after year (spreadsheet upsert, ``smpatlas edit``, the Python API)
and reads the history: a change of ``outcomes`` must say which lines came and went, in the cell syntax they typed,
not two JSON lists hundreds of characters long that differ somewhere. Periods name years a partnership can have
(those of ``start_year``), and a span written with a dash gets a hint that says how to write it.
"""

from __future__ import annotations

from typing import Any

import pytest

from smpatlas.cells import parse_nested
from smpatlas.codebook import default as default_codebook
from smpatlas.display import NOT_CODED, change
from smpatlas.problems import CellError

CB = default_codebook()
O27 = {"period": "2014-10", "indicator": "employed_at_destination", "value": 27, "source": "DOLE press release"}
O16 = {"period": "2014-10", "indicator": "dropped_out", "value": 16, "source": "DOLE press release"}
O450 = {"period": "2023", "indicator": "trained", "value": 450, "source": "GIZ annual report 2023"}
L27 = "2014-10 | employed_at_destination | 27 | DOLE press release"
L16 = "2014-10 | dropped_out | 16 | DOLE press release"
L450 = "2023 | trained | 450 | GIZ annual report 2023"


@pytest.mark.parametrize(("field", "old", "new", "summary", "lines"), [
    # A line added a year later: only that line is shown.
    ("outcomes", [O27, O16], [O27, O16, O450], "1 line added", [f"+ {L450}"]),
    # The first outcomes of a partnership.
    ("outcomes", None, [O27, O16], "2 lines added", [f"+ {L27}", f"+ {L16}"]),
    # A typo fixed in a source: the old line goes, the corrected one comes.
    ("outcomes", [O27, O16], [O27, {**O16, "source": "DOLE press release, 3 Oct 2014"}], "1 line added, 1 removed",
     [f"- {L16}", f"+ {L16}, 3 Oct 2014"]),
    # Lines reordered in the spreadsheet: nothing added or lost, and it says so.
    ("outcomes", [O27, O16, O450], [O450, O27, O16], "the same lines in another order", []),
    # A --set that replaced every line with one: the lines lost are listed.
    ("outcomes", [O27, O16], [O450], "1 line added, 2 removed", [f"- {L27}", f"- {L16}", f"+ {L450}"]),
    # Cleared.
    ("outcomes", [O27], None, "cleared: 1 line removed", [f"- {L27}"]),
    # A line held twice, kept once: one of them is removed.
    ("outcomes", [O27, O27], [O27], "1 line removed", [f"- {L27}"]),
    # A part with a '|' is written as typed in a cell (escaped).
    ("outcomes", None, [{**O450, "source": "A | B"}], "1 line added", ["+ 2023 | trained | 450 | A \\| B"]),
    ("actors", [{"name": "GIZ", "role": "development_agency", "country": "DEU"}],
     [{"name": "GIZ", "role": "development_agency", "country": "DEU"}, {"name": "POEA", "role": "government"}],
     "1 line added", ["+ POEA | government"]),
    ("sources", None, [{"url": "https://example.org/r"}], "1 line added", ["+ https://example.org/r"]),
    # Sets: the values added and removed.
    ("sectors", ["health_care"], ["health_care", "ict"], "added ict", []),
    ("sectors", ["health_care", "ict"], ["ict", "construction"], "added construction; removed health_care", []),
    ("sectors", ["ict"], None, "cleared: removed ict", []),
    ("origin_countries", ["PHL"], ["IND", "PHL"], "added IND", []),
    ("sectors", ["health_care", "ict"], ["ict", "health_care"], "the same values in another order", []),
    # One value: old → new, a missing one said in words.
    ("status", "ongoing", "completed", '"ongoing" → "completed"', []),
    ("end_year", None, 2025, f"{NOT_CODED} → 2025", []),
    ("budget_eur", 1000, None, f"1000 → {NOT_CODED}", []),
])
def test_a_change_says_what_it_did(field: str, old: Any, new: Any, summary: str, lines: list[str]) -> None:
    assert change(CB[field], old, new) == (summary, lines)


def test_a_field_the_codebook_no_longer_has_is_shown_as_stored() -> None:
    assert change(None, [{"a": 1}], None) == (f'[{{"a": 1}}] → {NOT_CODED}', [])


@pytest.mark.parametrize(("cell", "period"), [
    ("1990 | trained | 5", "1990"),
    ("2100-12 | trained | 5", "2100-12"),
    ("1990/2100 | trained | 5", "1990/2100"),
])
def test_periods_in_the_years_of_a_partnership_are_read(cell: str, period: str) -> None:
    assert parse_nested("outcomes", cell)[0]["period"] == period


@pytest.mark.parametrize(("cell", "message", "hint"), [
    # Years no partnership can have: a slip of the keyboard, not an observation.
    ("0000 | returned | 5", "outcome period '0000': the year 0000 is not from 1990 to 2100", "check the year"),
    ("1850 | returned | 5", "the year 1850 is not from 1990 to 2100", "(1990–2100)"),
    ("2203 | returned | 5", "the year 2203 is not from 1990 to 2100", "e.g. 2023"),
    ("2023/2101 | returned | 5", "the year 2101 is not from 1990 to 2100", "check the year"),
    ("1989-12/2023 | returned | 5", "the year 1989 is not from 1990 to 2100", "check the year"),
    ("20023 | returned | 5", "outcome period '20023' is not YYYY, YYYY-MM or START/END", "e.g. 2023, 2023-06"),
    # A span written with a dash (as in a report) or words: the hint says how to write it.
    ("2024-2025 | returned | 5", "is not YYYY, YYYY-MM or START/END", "is written 2024/2025"),
    ("2024 \u2013 2025 | returned | 5", "is not YYYY", "a period from 2024 to 2025 is written 2024/2025"),
    ("2024-01 to 2024-06 | returned | 5", "is not YYYY", "is written 2024-01/2024-06"),
    # A share where a count of people belongs.
    ("2025 | returned | 85%", "outcome value '85%' is not a number", "count people, not shares"),
    ("2025 | returned | 85 %", "outcome value '85 %' is not a number", "write the number of people"),
])
def test_outcome_lines_a_person_mistypes_are_refused_with_a_hint(cell: str, message: str, hint: str) -> None:
    with pytest.raises(CellError) as info:
        parse_nested("outcomes", cell)
    assert message in info.value.message and hint in (info.value.hint or "")


def test_every_bad_period_of_a_cell_is_reported_with_its_line() -> None:
    with pytest.raises(CellError) as info:
        parse_nested("outcomes", "2023 | trained | 5\n0000 | departed | 3\n2024-2025 | returned | 1")
    assert info.value.message.startswith("line 2: outcome period '0000'") and "line 3: " in info.value.message
    assert "is written 2024/2025" in (info.value.hint or "")


def test_the_python_api_refuses_a_period_no_partnership_can_have(tmp_path: Any) -> None:
    """The same rule for a list given to ``Atlas.edit`` (JSON items, not cell text)."""
    import smpatlas
    from smpatlas.errors import ValidationFailed
    from tests.conftest import minimal

    atlas = smpatlas.open(tmp_path / "a.db", user="officer")
    try:
        atlas.import_files([_jsonl(tmp_path, minimal("xx-api"))])
        with pytest.raises(ValidationFailed) as info:
            atlas.edit("xx-api", {"outcomes": [{"period": 1850, "indicator": "trained", "value": 5}]})
        assert "the year 1850 is not from 1990 to 2100" in str(info.value.report.problems[0].message)
        saved = atlas.edit("xx-api", {"outcomes": [{"period": 2023, "indicator": "trained", "value": "450"}]})
        assert saved["outcomes"] == [{"period": "2023", "indicator": "trained", "value": 450}]
    finally:
        atlas.close()


def _jsonl(tmp_path: Any, record: dict[str, Any]) -> Any:
    import json

    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("cell", "warned"), [
    # Was stored as 1.2 people without a word (a dot between thousands, as German and Austrian offices write).
    ("2025 | departed | 1.200 | Annual report", ("outcome 1 (2025 departed): 1.2 is not a whole number",
                                                 "write 1200")),
    ("2024 | trained | 40\n2025 | trained | 12.5", ("outcome 2 (2025 trained): 12.5 is not a whole number",
                                                    "otherwise write the number of people")),
    ("2025 | departed | 1200 | Annual report", None),
    ("2025 | departed | 1,200 | Annual report", None),
])
def test_an_outcome_value_that_is_not_a_whole_number_of_people_is_warned(cell: str,
                                                                        warned: tuple[str, str] | None) -> None:
    from smpatlas import record as rec
    from tests.conftest import minimal

    record, issues = rec.normalise({**minimal(), "outcomes": cell})
    assert not issues
    got = [w for w in rec.warnings(record) if w.error.code == "fractional_count"]
    if warned is None:
        assert not got
    else:
        [w] = got
        assert w.error.message.startswith(warned[0]) and warned[1] in (w.error.hint or "")
