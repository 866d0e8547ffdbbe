"""The portfolio never hides what is unknown: flag shares of known denominators, coverage beside every score.

Small hand-built portfolios (tests.conftest.minimal records) whose figures are worked out by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from smpatlas.analysis.alignment import ReferenceContext
from smpatlas.analysis.portfolio import portfolio
from tests.conftest import minimal


def _records(field: str, values: list[Any]) -> list[dict[str, Any]]:
    """One minimal record per value (None: the field is not coded)."""
    return [minimal(f"xx-yy-{i}", **({} if v is None else {field: v})) for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("flag", "field", "values", "count", "known", "share_of_known"),
    [
        # agreement_public not coded for most: the flag's share is of the known ones, never of all.
        ("agreement_not_public", "agreement_public", [None, None, None], 0, 0, None),
        ("agreement_not_public", "agreement_public", [False, None, True, None], 1, 2, 0.5),
        ("agreement_not_public", "agreement_public", [True, True], 0, 2, 0.0),
        ("physical_mobility_only", "remote_work", [["none"], None, ["after_return"], None, None], 1, 2, 0.5),
        ("physical_mobility_only", "remote_work", [None, ["none"]], 1, 1, 1.0),
        ("recognition_unspecified", "recognition_mechanism", ["unspecified", "bridging_course", None], 1, 2, 0.5),
        ("worker_pays_recruitment", "recruitment_costs_borne_by", [None, None], 0, 0, None),
    ],
)
def test_a_flag_counts_of_the_partnerships_where_it_is_known(
        flag: str, field: str, values: list[Any], count: int, known: int, share_of_known: float | None) -> None:
    n = len(values)
    f = portfolio(_records(field, values)).flags[flag]
    assert (f["count"], f["known"], f["unknown"], f["share_of_known"]) == (count, known, n - known, share_of_known)
    assert f["assessable"] is (known > 0)
    # The fields the JSON always had are kept: the share of all partnerships, over all of them.
    assert (f["denominator"], f["share"]) == (n, round(count / n, 4))


@pytest.mark.parametrize(
    ("ctx", "known", "count"),
    [
        (None, 0, 0),  # no reference data at all: not assessable
        (ReferenceContext(), 0, 0),  # reference data without a WHO list: not assessable either
        (ReferenceContext(who_edition="t", who_countries={"PHL"}), 2, 1),  # PHL on the list; one record g2g
    ],
    ids=["no-context", "no-who-list", "who-list"],
)
def test_the_who_flag_cannot_be_assessed_without_the_list(ctx: Any, known: int, count: int) -> None:
    recs = [minimal("xx-yy-1", sectors=["health_care"], government_to_government=False),
            minimal("xx-yy-2", sectors=["health_care"], government_to_government=True)]
    f = portfolio(recs, ctx=ctx).flags["health_recruitment_from_safeguards_list"]
    assert (f["known"], f["unknown"], f["count"], f["assessable"]) == (known, 2 - known, count, known > 0)


def test_destination_skewed_is_known_only_where_every_party_is_scored() -> None:
    coded = minimal("xx-yy-coded", skill_levels=["high"], mobility_types=["long_term"], employer_engagement=["design"],
                    extension_possible=True, integration_support=["mentoring"], training_location=["destination"],
                    tracks=["away"], origin_capacity_building=False, remote_work=["none"])
    p = portfolio([coded, minimal("xx-yy-empty")])
    assert all(v is not None for v in _stakeholders(coded).values())
    f = p.flags["destination_skewed"]
    assert (f["known"], f["unknown"]) == (1, 1)
    assert f["count"] == p.balance["destination_skewed"] and f["count"] <= 1


def _stakeholders(rec: dict[str, Any]) -> dict[str, float | None]:
    from smpatlas.analysis.assessment import assess

    return assess(rec).stakeholders


@pytest.mark.parametrize(
    ("fields", "dimension", "band", "low"),
    [
        # 2 of 3 applying points, every rule known: 2.67 is in band 2 (rounded down), not on low coverage.
        ({"integration_support": ["language", "mentoring"], "integration_starts_pre_departure": True,
          "return_expected": "no", "mobility_types": ["long_term"]}, "integration", "2", False),
        # Only the online-training rule known (1 of 4): scored 0, on low coverage.
        ({"training_location": ["origin"]}, "digital", "0", True),
        # Every remote-work rule missed, online training earned: 1.0, all known.
        ({"training_location": ["online"], "remote_work": ["none"]}, "digital", "1", False),
        # Two of four rules known (options and extension; the others apply but are not coded): 50% is not below 50%.
        ({"mobility_types": ["circular", "long_term"], "extension_possible": True}, "flexibility", "4", False),
    ],
)
def test_score_bands_round_down_and_count_low_coverage(fields: dict[str, Any], dimension: str, band: str,
                                                      low: bool) -> None:
    d = portfolio([minimal(**fields)]).dimensions[dimension]
    assert d["distribution"][band] == 1 and d["n_scored"] == 1
    assert d["n_low_coverage"] == int(low)
    assert d["distribution_low_coverage"] == {b: int(low and b == band) for b in ("0", "1", "2", "3", "4")}


def test_party_coverage_is_the_share_of_its_rule_weight_with_known_inputs() -> None:
    # Known: digital.online_training (origin 1) and skills.develops_skills (origin 2), of origin's 15 points
    # over every rule (docs/assessment.md): coverage 3/15 = 20%, a score resting on low coverage.
    p = portfolio([minimal(training_location=["origin"]), minimal("xx-yy-empty")])
    origin = p.stakeholders["origin"]
    assert origin["n_scored"] == 1 and origin["n_low_coverage"] == 1
    assert origin["mean_coverage"] == pytest.approx((0.2 + 0.0) / 2)
    assert p.balance["n_low_coverage"] <= p.balance["n_scored"]
    assert p.to_dict()["low_coverage_below"] == 0.5


@pytest.mark.parametrize(("n", "ranked"), [(0, 0), (1, 0), (2, 1), (3, 1), (7, 3), (10, 5), (14, 5)])
def test_most_and_least_balanced_never_list_the_same_partnership(n: int, ranked: int) -> None:
    # Every record is fully scored with a different balance: more target groups, more origin and migrant points.
    groups = ["women", "displaced_persons", "persons_with_disabilities", "ethnic_cultural_minorities"]
    recs = [minimal(f"xx-yy-{i:02d}", skill_levels=["high"], employer_engagement=["design"],
                    integration_support=["mentoring"], mobility_types=["long_term"], target_groups=groups[:i % 4 + 1],
                    recognition_on_return=bool(i % 2), training_location=["destination"], tracks=["away"],
                    origin_capacity_building=i > 6, remote_work=["none"])
            for i in range(n)]
    p = portfolio(recs)
    most, least = [x["id"] for x in p.most_balanced], [x["id"] for x in p.least_balanced]
    assert p.balance["n_scored"] == n
    assert len(most) == len(least) == ranked and not set(most) & set(least)
    assert [x["balance"] for x in p.most_balanced] == sorted((x["balance"] for x in p.most_balanced), reverse=True)


def test_an_empty_portfolio_has_no_figure_to_misread() -> None:
    p = portfolio([]).to_dict()
    assert p["n"] == 0 and p["most_balanced"] == p["least_balanced"] == []
    assert all(f["known"] == f["unknown"] == 0 and f["share_of_known"] is None and not f["assessable"]
               for f in p["flags"].values())
    assert p["balance"]["median"] is None and p["balance"]["n_low_coverage"] == 0
