"""Statistics against independent counts on generated inventories, and the seed's figures."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpatlas.analysis.stats import compute
from smpatlas.codebook import default
from tests.conftest import minimal

CB = default()


def seed_like_inventory(rng: random.Random) -> list[dict[str, Any]]:
    """156 records whose margins match the seed commentary, values shuffled at random."""
    n = 156
    recs = [minimal(f"p-{i:03d}") for i in range(n)]
    # Skill levels: high 97, middle 76, low 14 (multi-label); every record has at least one level.
    idx = list(range(n))
    levels: list[set[str]] = [set() for _ in range(n)]
    for level, count in (("high", 97), ("middle", 76), ("low", 14)):
        for i in rng.sample(idx, count):
            levels[i].add(level)
    for i in range(n):
        if not levels[i]:
            # keep the margins: give an uncovered record 'unspecified' rather than a level
            levels[i] = {"unspecified"}
        recs[i]["skill_levels"] = [v for v in ("high", "middle", "low", "unspecified") if v in levels[i]]
    # Recognition: standard 25, unspecified 111, the rest joint curriculum or bridging course.
    rec_values = ["standard_procedure"] * 25 + ["unspecified"] * 111
    rec_values += [rng.choice(["joint_curriculum", "bridging_course"]) for _ in range(n - len(rec_values))]
    rng.shuffle(rec_values)
    for r, v in zip(recs, rec_values, strict=True):
        r["recognition_mechanism"] = v
    # Target groups: 8 with women; 2 of them also persons with disabilities, 1 also minorities.
    groups = [["women"]] * 5 + [["women", "persons_with_disabilities"]] * 2 + [["women", "ethnic_cultural_minorities"]]
    for i, g in zip(rng.sample(idx, 8), groups, strict=True):
        recs[i]["target_groups"] = g
    # Scale: 8 above 5,000; others at or below, some missing.
    big = set(rng.sample(idx, 8))
    for i in range(n):
        if i in big:
            recs[i]["planned_participants"] = rng.randint(5001, 50000)
        elif rng.random() < 0.5:
            recs[i]["planned_participants"] = rng.choice([5000, rng.randint(0, 4999)])
    return recs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_seed_figures_are_reproduced(seed: int) -> None:
    recs = seed_like_inventory(random.Random(seed))
    # Independent count, straight from the records.
    count = Counter(v for r in recs for v in r["skill_levels"])
    assert (count["high"], count["middle"], count["low"]) == (97, 76, 14)
    d = compute(recs).to_dict()
    assert d["n"] == 156
    sk = d["fields"]["skill_levels"]["values"]
    pct = {k: round(100 * v["share"]) for k, v in sk.items()}
    assert (pct["high"], pct["middle"], pct["low"]) == (62, 49, 9)
    rec = d["fields"]["recognition_mechanism"]["values"]
    assert round(100 * rec["standard_procedure"]["share"]) == 16
    assert round(100 * rec["unspecified"]["share"]) == 71
    tg = d["derived"]["target_group_combinations"]
    assert tg["any_group"] == 8
    assert sum(v["count"] for k, v in tg["values"].items() if "women" in k) == 8
    assert sum(v["count"] for k, v in tg["values"].items() if "persons_with_disabilities" in k) == 2
    assert sum(v["count"] for k, v in tg["values"].items() if "ethnic_cultural_minorities" in k) == 1
    sc = d["derived"]["planned_participants_above_threshold"]
    assert (sc["count"], sc["threshold"], sc["denominator"]) == (8, 5000, 156)
    text = " ".join(compute(recs).headlines())
    assert "62% (97 of 156) target highly skilled" in text and "16% (25 of 156)" in text and "71% (111)" in text


def test_students_count_as_middle() -> None:
    recs = [minimal("a", skill_levels=["high"], participant_profiles=["students"]), minimal("b", skill_levels=["high"])]
    d = compute(recs).to_dict()["derived"]["skill_levels_students_as_middle"]
    assert d["values"]["middle"]["count"] == 1 and d["values"]["high"]["count"] == 2


# Generated inventories: every figure equals an independent count.
_vocab = {f.name: [v for v in f.vocabulary] for f in CB.fields if f.kind == "set"}
record_st = st.fixed_dictionaries(
    {"status": st.sampled_from(list(CB["status"].vocabulary)),
     "destination_countries": st.lists(st.sampled_from(["DEU", "AUT", "BEL"]), min_size=1, max_size=3, unique=True)},
    optional={"sectors": st.lists(st.sampled_from(_vocab["sectors"]), min_size=1, max_size=3, unique=True),
              "mobility_types": st.sampled_from([["long_term"], ["circular"], ["long_term", "circular"],
                                                 ["unspecified"]]),
              "government_to_government": st.booleans()})


@settings(max_examples=60, deadline=None)
@given(st.lists(record_st, max_size=30))
def test_distributions_match_an_independent_count(raw: list[dict[str, Any]]) -> None:
    recs = [minimal(f"r{i}", **r) for i, r in enumerate(raw)]
    d = compute(recs).to_dict()
    n = len(recs)
    assert d["n"] == n
    for name in ("sectors", "mobility_types", "destination_countries", "status", "government_to_government"):
        fd = d["fields"][name]
        assert fd["denominator"] == n
        assert fd["missing"] == sum(1 for r in recs if r.get(name) is None)
        for value, v in fd["values"].items():
            def has(r: dict[str, Any], value: str = value, name: str = name) -> bool:
                x = r.get(name)
                if isinstance(x, bool):
                    return str(x).lower() == value
                return value in x if isinstance(x, list) else x == value

            expected = sum(1 for r in recs if r.get(name) is not None and has(r))
            assert v["count"] == expected
            assert v["share"] == round(expected / n, 4)
    mob = d["derived"]["mobility_options"]["values"]
    assert mob.get("several", {"count": 0})["count"] == sum(
        1 for r in recs if r.get("mobility_types") == ["long_term", "circular"])


def test_crosstab_counts_multi_valued_combinations() -> None:
    recs = [minimal("a", destination_countries=["AUT", "DEU"], skill_levels=["high", "middle"]),
            minimal("b", destination_countries=["DEU"], skill_levels=["high"]),
            minimal("c", destination_countries=["DEU"])]
    ct = compute(recs, by=["destination_countries", "skill_levels"]).crosstab
    assert ct is not None
    cells = {(c["destination_countries"], c["skill_levels"]): c["count"] for c in ct["cells"]}
    assert cells == {("AUT", "high"): 1, ("AUT", "middle"): 1, ("DEU", "high"): 2, ("DEU", "middle"): 1,
                     ("DEU", "(missing)"): 1}


def test_json_contract_shape(sample_records: list[dict[str, Any]]) -> None:
    d = compute(sample_records, filters={"destination": ["DEU"]}).to_dict()
    assert {"n", "filters", "fields", "derived"} <= set(d)
    sk = d["fields"]["skill_levels"]
    assert set(sk) >= {"denominator", "missing", "unspecified", "multi", "values"} and sk["multi"] is True
    assert all(set(v) == {"count", "share"} for v in sk["values"].values())
    assert set(d["derived"]) >= {"integration_support_kind", "reintegration_when_return_anticipated",
                                 "target_group_combinations", "planned_participants_above_threshold",
                                 "mobility_options", "remote_work_options", "employer_engagement_stage",
                                 "skill_levels_students_as_middle"}


def test_bad_crosstab_field_is_a_clear_error() -> None:
    from smpatlas.errors import ConfigError

    with pytest.raises(ConfigError, match="Cannot cross-tabulate"):
        compute([], by=["notes"])


@pytest.mark.parametrize("values", [
    [3], [1, 2], [2, 1, 2], [2021, 2019, 2019, 2024], [0.1, 0.2, 0.3], [1e20, 3, 2.5, 2.5],
    [7] * 10 + [9] * 3, [-4, 4, 0.5, 1 / 3, 1 / 3], [10**18, 10**18 + 1, 3],
])
def test_number_summaries_from_counts_are_those_of_every_value(values: list[float]) -> None:
    """Counted numbers give exactly what the statistics module gives for the list of every record's number."""
    import statistics
    from collections import Counter

    from smpatlas.analysis.stats import number_summary

    got = number_summary(Counter(values))
    assert got == {"min": min(values), "median": statistics.median(values), "max": max(values),
                   "mean": round(statistics.fmean(values), 4), "count": len(values)}
    assert type(got["median"]) is type(statistics.median(values))


@pytest.mark.parametrize(("destinations", "by", "explained"), [
    (["EU"], "destination_eu", False),  # the region EU is an EU scheme
    (["EU"], "destination_region", True),  # but has no region: the grouping has no row for it
    (["EU", "DEU"], "destination_continent", True),
    (["DEU"], "destination_eu", False),
    (["JPN"], "destination_eu", False),
])
def test_no_group_is_explained_in_the_crosstab_note(engine: Any, tmp_path: Any, destinations: list[str], by: str,
                                                     explained: bool) -> None:
    """A partnership with the EU as a party lands in '(no group)'; the note says why, on a real inventory."""
    from smpatlas.analysis.stats import of_selection
    from smpatlas.io.importer import import_files
    from tests.conftest import write_jsonl

    rec = minimal("x-a", origin_countries=["XKX"], destination_countries=destinations)
    report = import_files(engine, [write_jsonl(tmp_path / "eu.jsonl", [rec])])
    assert report.valid, report.to_text()
    with engine.connect() as conn:
        ct = of_selection(conn, by=[by]).crosstab
    assert ct is not None
    assert any(cell[by] == "(no group)" for cell in ct["cells"]) is explained
    assert ("'(no group)' = a code the country grouping" in ct["note"]) is explained
    assert ("only the region EU" in ct["note"]) is explained


def _rec(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"xx-yy-{i}", "name": f"P{i}", **extra}


@pytest.mark.parametrize(("records", "filters", "says"), [
    ([], {}, "The inventory holds no partnerships yet: import some first"),  # no filters: the inventory is empty
    ([], {"destination": ["DEU"]}, "No partnerships match the filters."),
    ([_rec(1, return_expected="yes", reintegration_support=["job_placement"])], {},
     "Where return is anticipated (1 partnership), 1 provides reintegration support (100%)"),
    ([_rec(1, return_expected="yes", reintegration_support=["job_placement"]),
      _rec(2, return_expected="optional", reintegration_support=["career_guidance"])], {},
     "Where return is anticipated (2 partnerships), 2 provide reintegration support (100%)"),
    ([_rec(1, return_expected="no", mobility_types=["long_term"])], {},
     "Return is anticipated in none of the 1 partnership: there is no share of reintegration support to give."),
])
def test_headlines_wording(records: list[dict[str, Any]], filters: dict[str, Any], says: str) -> None:
    text = "\n".join(compute(records, filters=filters).headlines())
    assert says in text
    assert "(—)" not in text and "(0 partnerships)" not in text
