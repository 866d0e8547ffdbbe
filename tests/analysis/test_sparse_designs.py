"""Sparse designs: a draft with few coded fields must not look good by being empty.

Coverage over all rules and per party, the fields to code first, percentiles compared only with partnerships
with enough coverage (and saying so), the shortage explanation beside the shortage rule and flag, filters
refused with one partnership ID, and a spreadsheet draft with several rows refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smpatlas.analysis.assessment import Assessment, assess
from smpatlas.analysis.rubric import default as default_rubric
from smpatlas.analysis.similarity import percentiles
from smpatlas.errors import ConfigError
from smpatlas.io.drafts import read_draft
from smpatlas.io.importer import import_files
from smpatlas.store import database
from tests.conftest import BUNDLED, Result

Cli = Callable[..., Result]

FULL = {"integration_support": ["language", "mentoring", "housing", "networking"],
        "integration_starts_pre_departure": "yes", "reintegration_support": ["career_guidance"],
        "return_expected": "yes", "mobility_types": ["circular", "long_term"], "extension_possible": "yes",
        "transition_to_long_term": "yes", "remote_work": ["none"], "training_location": ["origin"],
        "skill_levels": ["middle"], "employer_engagement": ["design", "training"], "tracks": ["home", "away"],
        "origin_capacity_building": "yes", "recognition_mechanism": "bridging_course",
        "recognition_on_return": "yes", "skills_components": ["language_training"], "target_groups": ["women"]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    """``--db`` arguments of a SQLite inventory holding the bundled partnerships (read only here)."""
    path = tmp_path_factory.mktemp("sparse") / "demo.db"
    engine = database.open_engine(str(path))
    try:
        assert import_files(engine, [BUNDLED], mode="replace", user="test").valid
    finally:
        engine.dispose()
    return ("--db", str(path))


# -- coverage and what to code first -------------------------------------------------------------------------------

@pytest.mark.parametrize(("record", "known", "low", "first"), [
    ({"skill_levels": ["low"]}, 2, True, "mobility_types"),
    ({}, 0, True, "mobility_types"),
    (FULL, 23, False, "destination_countries"),  # the shortage rule needs occupations and destinations
])
def test_coverage_over_all_rules_and_per_party(record: dict[str, Any], known: int, low: bool,
                                               first: str | None) -> None:
    rb = default_rubric()
    a = assess({"id": "d", **record}, rb)
    assert a.coverage == pytest.approx(known / len(rb.rules), abs=0.05)
    assert (a.coverage < a.low_coverage_below) is low
    assert set(a.party_coverage) == set(rb.parties) and all(0 <= v <= 1 for v in a.party_coverage.values())
    assert [x["field"] for x in a.code_first][:1] == ([first] if first else [])
    weights = [x["weight"] for x in a.code_first]
    assert weights == sorted(weights, reverse=True)
    assert all(record.get(x["field"]) is None for x in a.code_first)  # only uncoded fields are named


def test_a_one_field_draft_scores_high_only_on_few_rules() -> None:
    a = assess({"id": "d", "skill_levels": ["low"]})
    assert a.stakeholders["origin"] == 100.0  # documented: a party score is over its known rules
    assert a.party_coverage["origin"] < 0.5  # … and its coverage says how little that is


# -- percentiles -------------------------------------------------------------------------------------------------

def _a(score: float, coverage: float) -> Assessment:
    a = assess({"id": "p", "skill_levels": ["middle"]})
    a.coverage = coverage
    a.stakeholders = dict.fromkeys(a.stakeholders, score)
    return a


@pytest.mark.parametrize(("population", "compared", "left_out", "origin_percentile"), [
    ([(50.0, 0.9), (100.0, 0.2), (20.0, 0.6)], 2, 1, 100.0),
    ([(100.0, 0.1), (100.0, 0.2)], 0, 2, None),
    ([(100.0, 0.5), (40.0, 0.75)], 2, 0, 100.0),  # the threshold itself is enough
])
def test_percentiles_compare_only_partnerships_with_enough_coverage(
        population: list[tuple[float, float]], compared: int, left_out: int, origin_percentile: float | None) -> None:
    draft = assess({"id": "d", "skill_levels": ["low"]})
    pc = percentiles(draft, [_a(s, c) for s, c in population])
    assert (pc["compared_with"], pc["left_out_low_coverage"], pc["selected"]) == (compared, left_out, len(population))
    assert pc["min_coverage"] == 0.5 and pc["stakeholders"]["origin"]["percentile"] == origin_percentile
    assert pc["stakeholders"]["origin"]["denominator"] == compared
    cov = pc["coverage"]
    assert cov["low"] and not cov["percentiles_meaningful"] and cov["code_first"]
    assert (cov["rules_known"], cov["rules_total"]) == (2, 24)
    assert pc["stakeholders"]["origin"]["low_coverage"] and pc["balance"]["low_coverage"]


def test_benchmark_of_a_sparse_draft_says_how_little_it_rests_on(cli: Cli, demo: tuple[str, ...],
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"skill_levels": ["low"]}), "utf-8")
    text = cli("benchmark", path, *demo)
    assert text.code == 0, text.stderr
    d = cli("benchmark", path, *demo, "--format", "json").json()["percentiles"]
    cov = d["coverage"]
    assert cov["low"] and d["compared_with"] + d["left_out_low_coverage"] == d["selected"] == 173
    assert f"Draft coverage: 2 of 24 rules with known inputs ({cov['rules']:.0%})" in text.stdout
    assert "percentiles below are not meaningful" in text.stdout
    assert f"Code first (the inputs of the unknown rules with the most weight): {cov['code_first'][0]['field']}" \
        in text.stdout
    assert (f"Percentiles against {d['compared_with']} partnerships with coverage ≥ 50% (of 173 in the inventory; "
            f"{d['left_out_low_coverage']} left out with lower coverage)") in text.stdout
    assert f"100.0% of {d['stakeholders']['origin']['denominator']} scored; draft coverage 7%, low" in text.stdout


def test_benchmark_of_a_full_draft_is_not_flagged(cli: Cli, demo: tuple[str, ...], tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(FULL), "utf-8")
    res = cli("benchmark", path, *demo)
    assert res.code == 0 and "Draft coverage: 23 of 24" in res.stdout and "not meaningful" not in res.stdout


# -- the shortage explanation ---------------------------------------------------------------------------------------

def test_assess_explains_the_shortage_lists_and_near_matches(cli: Cli, demo: tuple[str, ...]) -> None:
    text = cli("assess", "de-ba-triple-win", *demo)
    assert text.code == 0, text.stderr
    lines = text.stdout.splitlines()
    flag = next(i for i, line in enumerate(lines) if "(no_shortage_occupation)" in line)
    rule = next(i for i, line in enumerate(lines) if "Occupations are on the destination's shortage list" in line)
    for i in (flag, rule):
        assert "listed for Germany (EURES" in lines[i + 1] and "3221 Nursing associate professionals" in lines[i + 1]
    d = cli("align", "de-ba-triple-win", *demo, "--format", "json").json()  # the same text, in JSON
    assert d["explanation"] == lines[flag + 1].strip()


# -- filters with one partnership ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "named"), [
    (("--destination", "DEU"), "--destination selects"),
    (("--year-from", "2020", "--g2g"), "--year-from, --g2g/--not-g2g select"),
    (("--text", "nurse"), "--text selects"),
])
def test_assess_refuses_filters_with_one_id(cli: Cli, demo: tuple[str, ...], args: tuple[str, ...],
                                            named: str) -> None:
    res = cli("assess", "de-ba-triple-win", *demo, *args)
    assert res.code != 0 and named in res.stderr and "use --all" in res.stderr and not res.stdout


# -- spreadsheet drafts --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "error"), [
    ("skill_levels,sectors\nlow,health_care\nhigh,ict\n", "2 draft rows; a draft is one partnership"),
    ("skill_levels,sectors\nlow,health_care\nhigh,ict\nmiddle,ict\n", "3 draft rows"),
    ("skill_levels,sectors\nlow,health_care\n,\n\n", None),
    ("field,value\nskill_levels,low\nsectors,health_care\n", None),
    ("skill_levels,sectors\n", "no draft row below the header"),
])
def test_a_csv_draft_is_one_row(tmp_path: Path, content: str, error: str | None) -> None:
    path = tmp_path / "draft.csv"
    path.write_text(content, "utf-8")
    if error is None:
        assert read_draft(path)["skill_levels"] == ["low"]
    else:
        with pytest.raises(ConfigError, match=error):
            read_draft(path)
