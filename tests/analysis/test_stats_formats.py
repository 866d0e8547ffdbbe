"""What the stats renderings hold: number summaries as rows, the cross-tabulation as a table, clear --by errors."""

from __future__ import annotations

from typing import Any

import pytest

from smpatlas.analysis.stats import compute
from smpatlas.errors import ConfigError
from tests.conftest import minimal

#: Three budgets and one partnership without: min 623,000, median 2,714,550, max 139,000,000.
BUDGETS = [minimal("a", budget_eur=623000), minimal("b", budget_eur=2714550), minimal("c", budget_eur=139000000),
           minimal("d")]


@pytest.mark.parametrize(("field", "value"), [
    ("budget_eur:min", 623000),
    ("budget_eur:median", 2714550),
    ("budget_eur:max", 139000000),
    ("budget_eur:mean", 47445850.0),
])
def test_rows_hold_number_summaries_with_n_and_missing(field: str, value: float) -> None:
    rows = {r[0]: r for r in compute(BUDGETS).rows()}
    # value, then n (partnerships with a number), N, n / N, missing, unspecified
    assert rows[field][1:] == [value, 3, 4, 0.75, 1, 0]


def test_number_summary_rows_follow_the_fields_value_rows() -> None:
    names = [r[0] for r in compute([minimal("a", start_year=2019), minimal("b", start_year=2021)]).rows()]
    years = [i for i, n in enumerate(names) if n.startswith("start_year")]
    assert [names[i] for i in years] == ["start_year", "start_year", "start_year:min", "start_year:median",
                                         "start_year:max", "start_year:mean"]
    assert years == list(range(years[0], years[0] + 6))  # together, in this order


def test_no_summary_rows_without_numbers() -> None:
    assert not any(r[0].startswith("budget_eur") for r in compute([minimal("a")]).rows())


CROSS = [minimal("a", destination_countries=["AUT", "DEU"], skill_levels=["high"]),
         minimal("b", destination_countries=["DEU"], skill_levels=["high", "middle"]),
         minimal("c", destination_countries=["DEU"])]


def test_crosstab_rows_one_per_cell_with_denominator_share_and_missing() -> None:
    header, rows = compute(CROSS, by=["destination_countries", "skill_levels"]).crosstab_rows()
    assert header == ["destination_countries", "skill_levels", "count", "denominator", "share", "missing"]
    assert sorted(rows) == sorted([
        ["DEU", "high", 2, 3, 0.6667, 1],
        ["AUT", "high", 1, 3, 0.3333, 1],
        ["DEU", "middle", 1, 3, 0.3333, 1],
        ["DEU", "(missing)", 1, 3, 0.3333, 1],
    ])


def test_crosstab_states_how_many_had_a_field_not_coded() -> None:
    ct = compute(CROSS, by=["destination_countries", "skill_levels"]).crosstab
    assert ct is not None and ct["missing"] == 1
    ct1 = compute(CROSS, by=["destination_countries"]).crosstab
    assert ct1 is not None and ct1["missing"] == 0


def test_crosstab_rows_without_by_are_empty() -> None:
    assert compute(CROSS).crosstab_rows() == ([], [])


@pytest.mark.parametrize("by", [["skill_levels", "skill_levels"], ["origin_region", "origin_region"],
                                ["start_year", "start_year"]])
def test_the_same_field_twice_is_a_clear_error(by: list[str]) -> None:
    with pytest.raises(ConfigError, match=f"--by {by[0]} given twice"):
        compute(CROSS, by=by)


@pytest.mark.parametrize("name", ["planned_participants", "budget_eur", "duration_months_min",
                                  "duration_months_max"])
def test_number_fields_are_refused_with_a_hint(name: str) -> None:
    with pytest.raises(ConfigError, match=rf"{name!r} is a number.*no bands") as exc:
        compute(CROSS, by=[name])
    assert "--by start_year" in str(exc.value)


@pytest.mark.parametrize(("name", "record", "key"), [
    ("start_year", {"start_year": 2019}, "2019"),
    ("end_year", {"end_year": 2024}, "2024"),
    ("end_year", {}, "(missing)"),
])
def test_years_can_still_be_cross_tabulated(name: str, record: dict[str, Any], key: str) -> None:
    ct = compute([minimal("a", **record)], by=[name]).crosstab
    assert ct is not None and ct["cells"] == [{name: key, "count": 1, "share": 1.0}]


@pytest.mark.parametrize(("records", "not_derivable"), [
    ([minimal("a"), minimal("b", skill_levels=["high"])], 1),
    ([minimal("a"), minimal("b", participant_profiles=["students"])], 1),  # students: derivable as middle
    ([minimal("a"), minimal("b")], 2),
])
def test_skill_headline_says_neither_coded_nor_derivable(records: list[dict[str, Any]], not_derivable: int) -> None:
    skill = [h for h in compute(records).headlines() if "skilled workers" in h]
    assert len(skill) == 3
    assert all(h.endswith(f"skill level neither coded nor derivable for {not_derivable}.") for h in skill)
    assert not any("skill level missing" in h for h in skill)


def test_headlines_name_target_groups_in_words() -> None:
    records = [minimal("a-1", target_groups=["displaced_persons"]), minimal("a-2", target_groups=["women"])]
    line = next(h for h in compute(records).headlines() if "underrepresented" in h)
    assert "(displaced persons: 1, women: 1)" in line and "_" not in line
