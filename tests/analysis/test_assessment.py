"""The assessment: hand-computed scores per rule, properties, contracts."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpatlas.analysis import rubric
from smpatlas.analysis.assessment import assess, whatif
from smpatlas.analysis.portfolio import portfolio

RB = rubric.default()
BEYOND = ["cultural_orientation", "administrative_assistance", "networking", "mentoring", "soft_skills",
          "workplace_onboarding", "housing", "family_support"]


def _status(record: dict[str, Any], rule_id: str) -> tuple[str, float]:
    a = assess(record)
    for d in a.dimensions.values():
        for r in d.rules:
            if r.id == rule_id:
                return r.status, r.points
    raise AssertionError(rule_id)


# One small constructed design per rule, with the status and points computed by hand.
CASES = [
    ("integration.beyond_language", {"integration_support": ["language", "mentoring"]}, "earned", 1),
    ("integration.beyond_language", {"integration_support": ["language"]}, "missed", 0),
    ("integration.breadth", {"integration_support": ["mentoring", "housing", "networking"]}, "earned", 1),
    ("integration.breadth", {"integration_support": ["language", "mentoring", "housing"]}, "missed", 0),
    ("integration.pre_departure", {"integration_starts_pre_departure": True}, "earned", 1),
    ("integration.reintegration", {"return_expected": "yes", "reintegration_support": ["job_placement"]}, "earned", 1),
    ("integration.reintegration", {"return_expected": "yes", "reintegration_support": ["none"]}, "missed", 0),
    ("integration.reintegration", {"return_expected": "no", "mobility_types": ["long_term"]}, "not_applicable", 0),
    ("flexibility.several_options", {"mobility_types": ["circular", "long_term"]}, "earned", 1),
    ("flexibility.several_options", {"mobility_types": ["unspecified"]}, "unknown", 0),
    ("flexibility.extension", {"extension_possible": True}, "earned", 1),
    ("flexibility.transition", {"mobility_types": ["circular"], "transition_to_long_term": True}, "earned", 1),
    ("flexibility.transition", {"mobility_types": ["long_term"]}, "not_applicable", 0),
    ("flexibility.integration_for_long_stays", {"mobility_types": ["long_term"], "integration_support": ["none"]},
     "missed", 0),
    ("digital.alternative", {"remote_work": ["alternative_to_mobility"]}, "earned", 1),
    ("digital.after_return", {"remote_work": ["after_return"]}, "earned", 1),
    ("digital.online_training_with_employers", {"remote_work": ["online_training_with_foreign_employers"]},
     "earned", 1),
    ("digital.online_training", {"training_location": ["online", "origin"]}, "earned", 1),
    ("alignment.middle_or_low_skills", {"skill_levels": ["high", "middle"]}, "earned", 1),
    ("alignment.middle_or_low_skills", {"skill_levels": ["high"]}, "missed", 0),
    ("alignment.shortage_occupations", {"occupations": ["2221"]}, "unknown", 0),  # no shortage table loaded
    ("alignment.early_employer_engagement", {"employer_engagement": ["design"]}, "earned", 1),
    ("alignment.employers_beyond_selection", {"employer_engagement": ["retention"]}, "earned", 1),
    ("skills.develops_skills", {"tracks": ["home", "away"]}, "earned", 1),
    ("skills.recognition_built_in", {"recognition_mechanism": "bridging_course"}, "earned", 1),
    ("skills.recognition_built_in", {"recognition_mechanism": "mutual_recognition_agreement"}, "partial", 0.75),
    ("skills.recognition_built_in", {"recognition_mechanism": "standard_procedure"}, "partial", 0.25),
    ("skills.recognition_built_in", {"recognition_mechanism": "unspecified"}, "unknown", 0),
    ("skills.recognition_built_in", {"recognition_mechanism": "not_required"}, "not_applicable", 0),
    ("skills.recognition_on_return", {"recognition_on_return": True}, "earned", 1),
    ("skills.language_training", {"skills_components": ["language_training"]}, "earned", 1),
    ("inclusion.women", {"target_groups": ["women"]}, "earned", 1),
    ("inclusion.disabilities_minorities", {"target_groups": ["ethnic_cultural_minorities"]}, "earned", 1),
    ("inclusion.displaced", {"target_groups": ["displaced_persons"]}, "earned", 1),
    ("inclusion.lower_skilled", {"skill_levels": ["low"]}, "earned", 1),
]


def test_every_rule_has_a_case() -> None:
    assert {r.id for r in RB.rules} <= {c[0] for c in CASES}


@pytest.mark.parametrize(("rule_id", "record", "status", "points"), CASES)
def test_rule_by_rule(rule_id: str, record: dict[str, Any], status: str, points: float) -> None:
    assert _status(record, rule_id) == (status, points)


def test_hand_computed_dimension_scores_and_profile() -> None:
    # Integration: beyond_language earned, breadth missed, pre_departure earned, reintegration not applicable:
    # 2 of 3 known points → 4 × 2/3; coverage 4/4 (a rule that does not apply is known).
    rec = {"integration_support": ["language", "mentoring"], "integration_starts_pre_departure": True,
           "return_expected": "no", "mobility_types": ["long_term"]}
    a = assess(rec)
    d = a.dimensions["integration"]
    assert d.score == pytest.approx(4 * 2 / 3) and d.coverage == 1.0
    # Parties over the known rules of all dimensions, by hand:
    # beyond_language (earned): migrants 2, destination 1; breadth (missed): migrants 1, destination 1, employers 1;
    # pre_departure (earned): migrants 1, employers 1; several_options (missed): migrants 1, origin 1;
    # integration_for_long_stays (earned): migrants 1, destination 1.
    assert a.stakeholders["migrants"] == pytest.approx(100 * 4 / 6)
    assert a.stakeholders["destination"] == pytest.approx(100 * 2 / 3)
    assert a.stakeholders["employers"] == pytest.approx(100 * 1 / 2)
    assert a.stakeholders["origin"] == pytest.approx(0.0)
    assert a.balance == pytest.approx(0.0)
    assert a.weakest == "origin"
    # The top recommendation raises the origin's score most.
    top = a.recommendations[0]
    assert top.gain > 0 and top.party == "origin"


@pytest.mark.parametrize(
    ("record", "needs", "because"),
    [
        # Return not coded: the reintegration rule's applicability is unknown, so the advice says what to code first
        # and a what-if that only adds reintegration support changes nothing — as the advice now says.
        ({"mobility_types": ["long_term"]}, ("return_expected",), "whether it applies depends on return_expected"),
        ({"mobility_types": ["long_term"], "return_expected": "unspecified"}, ("return_expected",),
         "whether it applies depends on return_expected, not specified in the sources"),
        # Return coded as expected: the rule applies and its own input is simply not coded.
        ({"mobility_types": ["long_term"], "return_expected": "yes"}, (), "not coded: reintegration_support"),
    ],
)
def test_a_recommendation_whose_rule_may_not_apply_says_what_to_code_first(
        record: dict[str, Any], needs: tuple[str, ...], because: str) -> None:
    rec = next(r for r in assess(record).recommendations if r.rule == "integration.reintegration")
    assert rec.status == "unknown" and rec.needs == needs and because in rec.because
    assert rec.to_dict()["needs"] == list(needs) and rec.to_dict()["rule"] == "integration.reintegration"
    added = whatif(record, {**record, "reintegration_support": ["career_guidance"]}).delta()
    moved = any(v for v in added["stakeholders"].values())
    assert moved is not bool(needs)  # only a rule known to apply moves the scores when the field is added


def test_unspecified_never_counts_as_no() -> None:
    base = {"mobility_types": ["long_term"], "integration_support": ["mentoring"]}
    with_unspecified = {**base, "recognition_mechanism": "unspecified", "recognition_on_return": "unspecified"}
    a, b = assess(base), assess(with_unspecified)
    assert a.dimensions["skills"].score == b.dimensions["skills"].score
    assert b.dimensions["skills"].coverage == a.dimensions["skills"].coverage
    assert a.stakeholders == b.stakeholders
    assert "recognition_unspecified" in b.flags


def test_nothing_known_gives_no_score_and_low_coverage() -> None:
    a = assess({"id": "empty"})
    assert all(d.score is None and "low_coverage" in d.flags for d in a.dimensions.values())
    assert a.balance is None and all(v is None for v in a.stakeholders.values())


def test_flags() -> None:
    a = assess({"integration_support": ["language"], "mobility_types": ["circular"], "extension_possible": False,
                "transition_to_long_term": False, "remote_work": ["none"], "employer_engagement": ["onboarding"],
                "return_expected": "yes", "reintegration_support": ["none"], "recruitment_costs_borne_by": "worker",
                "tracks": ["away"], "training_location": ["destination"], "origin_capacity_building": False,
                "target_groups": ["none"], "agreement_public": False})
    assert set(a.flags) >= {"integration_language_only", "return_without_reintegration", "single_rigid_short_term",
                            "physical_mobility_only", "no_early_employer_engagement", "worker_pays_recruitment",
                            "relocation_without_skills_development", "no_underrepresented_group",
                            "agreement_not_public"}


def test_destination_skewed() -> None:
    a = assess({"skill_levels": ["middle"], "employer_engagement": ["design", "retention"], "extension_possible": True,
                "tracks": ["away"], "training_location": ["destination"], "origin_capacity_building": False,
                "remote_work": ["none"], "mobility_types": ["long_term"], "recognition_on_return": False})
    assert a.stakeholders["employers"] > a.stakeholders["origin"]  # type: ignore[operator]
    assert a.destination_skewed


def test_json_contract_has_exactly_the_documented_keys() -> None:
    d = assess({"id": "x", "skill_levels": ["high"]}).to_dict()
    assert list(d) == ["id", "rubric_version", "dimensions", "stakeholders", "balance", "flags", "recommendations",
                       "coverage", "party_coverage", "low_coverage_below", "code_first", "notes", "flags_unknown",
                       "recommendations_ranked_by"]
    assert list(d["party_coverage"]) == ["origin", "destination", "migrants", "employers"]
    assert 0 < d["coverage"] < 1 and d["notes"] == {}  # one field coded; no context, so no shortage note
    assert d["code_first"] and set(d["code_first"][0]) >= {"field"}
    assert list(d["dimensions"]) == ["integration", "flexibility", "digital", "alignment", "skills", "inclusion"]
    assert set(d["dimensions"]["alignment"]) == {"title", "score", "coverage", "rules", "flags"}
    assert d["dimensions"]["alignment"]["title"] == "Labour-market alignment"
    assert list(d["stakeholders"]) == ["origin", "destination", "migrants", "employers"]
    assert set(d["recommendations"][0]) == {"text", "dimension", "gain", "rule", "status", "because", "party",
                                            "total_gain", "needs", "weight"}


# --- properties --------------------------------------------------------------------

def _set(name: str) -> st.SearchStrategy[list[str]]:
    from smpatlas.codebook import default

    vocab = [v for v in default()[name].vocabulary if v not in ("unspecified", "none")]
    return st.lists(st.sampled_from(vocab), unique=True, min_size=1).map(
        lambda xs: sorted(xs, key=vocab.index))


_tristate = st.sampled_from([True, False, "unspecified"])
designs = st.fixed_dictionaries({}, optional={
    "mobility_types": _set("mobility_types"), "return_expected": st.sampled_from(["yes", "no", "optional"]),
    "integration_support": _set("integration_support"), "integration_starts_pre_departure": _tristate,
    "extension_possible": _tristate, "transition_to_long_term": _tristate, "remote_work": _set("remote_work"),
    "skill_levels": _set("skill_levels"), "employer_engagement": _set("employer_engagement"),
    "tracks": _set("tracks"), "training_location": _set("training_location"),
    "origin_capacity_building": _tristate, "recognition_mechanism": st.sampled_from(
        ["joint_curriculum", "bridging_course", "mutual_recognition_agreement", "standard_procedure", "unspecified"]),
    "recognition_on_return": _tristate, "target_groups": _set("target_groups"),
    "skills_components": _set("skills_components"),
})


@settings(max_examples=200, deadline=None)
@given(designs, _set("reintegration_support"))
def test_adding_reintegration_support_never_lowers_origin_or_migrants(design: dict[str, Any], support: list[str]
                                                                       ) -> None:
    before = assess(design)
    after = assess({**design, "reintegration_support": support})
    for party in ("origin", "migrants"):
        b, a = before.stakeholders[party], after.stakeholders[party]
        if b is not None:
            assert a is not None and a >= b - 1e-9


@settings(max_examples=200, deadline=None)
@given(designs, _set("reintegration_support"))
def test_removing_all_support_never_raises_any_score(design: dict[str, Any], support: list[str]) -> None:
    design = {**design, "reintegration_support": support}
    stripped = {**design, "integration_support": ["none"], "reintegration_support": ["none"],
                "skills_components": ["none"], "remote_work": ["none"], "employer_engagement": ["none"]}
    before, after = assess(design), assess(stripped)
    for key in before.dimensions:
        b, a = before.dimensions[key].score, after.dimensions[key].score
        if a is not None and b is not None:
            assert a <= b + 1e-9, key
    for party in before.stakeholders:
        b, a = before.stakeholders[party], after.stakeholders[party]
        if a is not None and b is not None:
            assert a <= b + 1e-9, party


def test_whatif_reports_the_delta_and_writes_nothing() -> None:
    base = {"id": "x", "return_expected": "yes", "reintegration_support": ["none"], "recognition_mechanism":
            "standard_procedure"}
    w = whatif(base, {**base, "reintegration_support": ["career_guidance"], "recognition_mechanism":
                      "bridging_course"})
    d = w.delta()
    assert d["dimensions"]["integration"] == pytest.approx(4.0)
    assert d["dimensions"]["skills"] == pytest.approx(3.0)
    assert d["stakeholders"]["origin"] > 0 and "return_without_reintegration" in d["flags_removed"]
    assert base["reintegration_support"] == ["none"]


def test_portfolio(sample_records: list[dict[str, Any]]) -> None:
    p = portfolio(sample_records)
    assert p.n == len(sample_records)
    for d in p.dimensions.values():
        assert sum(d["distribution"].values()) == p.n
        assert d["n_scored"] + d["n_unscored"] == p.n
    expected = sum("recognition_unspecified" in assess(r).flags for r in sample_records)
    assert p.flags["recognition_unspecified"]["count"] == expected
    assert p.flags["recognition_unspecified"]["denominator"] == p.n
    assert len(p.most_balanced) <= 5 and p.most_balanced[0]["balance"] >= p.least_balanced[0]["balance"]


@pytest.mark.parametrize(("values", "n"), [
    ([], 4), ([2.5], 1), ([0.0, 4.0], 3), ([0.3333, 0.6667, 0.5, 0.5], 4), ([1.0] * 7 + [0.25] * 2, 12),
])
def test_portfolio_summaries_from_counts_are_those_of_every_value(values: list[float], n: int) -> None:
    """The portfolio keeps how many partnerships had each score, not every score: the same summaries."""
    import statistics
    from collections import Counter

    from smpatlas.analysis.portfolio import _summary

    expected = {"n_scored": len(values), "n_unscored": n - len(values),
                "mean": round(statistics.fmean(values), 4) if values else None,
                "median": round(statistics.median(values), 4) if values else None}
    assert _summary(Counter(values), n) == expected


# --- what was missing: un-coding in a what-if, recommendations with no party scored ---------------------

RECOGNISED = {"id": "x", "recognition_mechanism": "standard_procedure", "tracks": ["home", "away"],
              "recognition_on_return": True, "skills_components": ["language_training"]}


@pytest.mark.parametrize(("change", "uncoded", "coded"), [
    ({"recognition_mechanism": None}, ["recognition_mechanism"], []),
    ({"recognition_mechanism": "unspecified"}, ["recognition_mechanism"], []),
    ({"recognition_mechanism": "bridging_course"}, [], []),
    ({"recognition_mechanism": None, "remote_work": ["after_return"]}, ["recognition_mechanism"], ["remote_work"]),
])
def test_whatif_says_which_fields_it_uncodes_and_how_coverage_changes(change: dict[str, Any], uncoded: list[str],
                                                                      coded: list[str]) -> None:
    """Un-coding a field raises the score (it is over fewer rules): the delta says so and gives the coverage."""
    w = whatif(RECOGNISED, {**RECOGNISED, **change})
    d = w.delta()
    assert (d["fields_uncoded"], d["fields_coded"]) == (uncoded, coded)
    skills = d["coverage"]["dimensions"]["skills"]
    assert skills == pytest.approx(-0.25 if uncoded else 0.0)
    assert d["coverage"]["rules"] == pytest.approx(w.after.coverage - w.before.coverage, abs=1e-4)
    assert set(d["coverage"]["parties"]) == set(w.before.party_coverage)
    if uncoded and not coded:  # 3.25 of 4 points over four rules, then 3 of 3 over three: a rise that is no improvement
        assert d["dimensions"]["skills"] > 0 and d["coverage"]["parties"]["migrants"] < 0


@pytest.mark.parametrize(("after", "removed", "not_assessable"), [
    (None, [], ["no_underrepresented_group"]),  # the input is not coded any more: not removed
    (["unspecified"], [], ["no_underrepresented_group"]),
    (["women"], ["no_underrepresented_group"], []),  # the design now targets a group: removed
])
def test_a_flag_whose_input_is_uncoded_is_not_assessable_not_removed(after: list[str] | None, removed: list[str],
                                                                     not_assessable: list[str]) -> None:
    base = {"id": "x", "target_groups": ["none"]}
    w = whatif(base, {**base, "target_groups": after})
    assert "no_underrepresented_group" in w.before.flags
    d = w.delta()
    assert (d["flags_removed"], d["flags_not_assessable"]) == (removed, not_assessable)
    assert ("no_underrepresented_group" in w.after.to_dict()["flags_unknown"]) is bool(not_assessable)


def test_flags_unknown_are_neither_raised_nor_known_absent() -> None:
    a = assess({"id": "x", "target_groups": ["women"]})
    assert "no_underrepresented_group" not in a.flags_unknown + a.flags  # known, not raised
    assert "return_without_reintegration" in a.flags_unknown  # its inputs are not coded
    assert "destination_skewed" in a.flags_unknown  # destination and employers have no score
    assert not set(a.flags) & set(a.flags_unknown)


@pytest.mark.parametrize("record", [{"id": "x"}, {"id": "x", "partnership_type": "other", "status": "ongoing",
                                                   "origin_countries": ["PHL"], "destination_countries": ["DEU"]}])
def test_with_no_party_scored_recommendations_are_ranked_by_weight_not_by_a_gain(record: dict[str, Any]) -> None:
    a = assess(record)
    assert all(v is None for v in a.stakeholders.values()) and a.weakest is None
    d = a.to_dict()
    assert d["recommendations_ranked_by"] == "benefit_weight"
    recs = d["recommendations"]
    assert recs and all(r["gain"] == 0 and r["total_gain"] == 0 and r["party"] is None for r in recs)
    weights = [r["weight"] for r in recs]
    assert weights == sorted(weights, reverse=True) and weights[0] > weights[-1]
    rules = {r.id: r for r in RB.rules}
    assert all(r["weight"] == sum(rules[r["rule"]].parties.values()) for r in recs)
    assert not any("the gain assumes" in r["because"] for r in recs)  # there is no gain
    assert d["code_first"]  # what to do first
    assert assess({"id": "x", "skill_levels": ["high"]}).recommendations_ranked_by == "weakest_party_gain"


def test_total_gain_counts_only_parties_scored_before() -> None:
    """A party first scored by a rule has no score to gain from (it used to count as +100)."""
    a = assess({"id": "x", "target_groups": ["none"]})
    assert a.stakeholders["destination"] is None and a.stakeholders["employers"] is None
    by_rule = {r.rule: r for r in a.recommendations}
    assert by_rule["alignment.shortage_occupations"].total == 0.0  # destination and employers only
    assert a.recommendations[-1].total == 0.0


def test_the_whatif_delta_keys_are_documented() -> None:
    import re
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "assessment-json.md").read_text("utf-8")
    section = doc.split("## What-if", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^- `(\w+)`", section, flags=re.M)
    assert documented == list(whatif({"id": "x"}, {"id": "x", "tracks": ["home"]}).delta())
