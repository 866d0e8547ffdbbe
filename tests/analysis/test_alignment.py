"""Alignment on constructed cases, the WHO and regulated-profession flags, and the sample inventory."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.analysis.alignment import ReferenceContext, Row, align, align_all, health_worker_recruitment
from smpatlas.analysis.assessment import assess
from smpatlas.store import repository as repo

CTX = ReferenceContext(shortages={"DEU": [Row("2221", 2022, "shortage", "test"), Row("7126", 2022, "shortage", "t"),
                                          Row("7411", 2022, "shortage", "t"), Row("2512", 2022, "shortage", "t")]})


def _occ(d: dict[str, Any], code: str) -> dict[str, Any]:
    return next(o for o in d["occupations"] if o["code"] == code)


def test_exact_four_digit_match() -> None:
    a = align({"id": "x", "occupations": ["2221", "9112"], "destination_countries": ["DEU"]}, CTX)
    de = a["destinations"][0]
    assert _occ(de, "2221")["in_shortage"] and _occ(de, "2221")["precision_digits"] == 4
    assert not _occ(de, "9112")["in_shortage"]
    assert de["share_in_shortage"] == 0.5 and a["shortage_share"] == 0.5


def test_two_digit_partnership_code_against_four_digit_shortages() -> None:
    a = align({"id": "x", "occupations": ["71"], "destination_countries": ["DEU"]}, CTX)
    occ = _occ(a["destinations"][0], "71")
    assert occ["in_shortage"] and occ["precision_digits"] == 2
    assert {m["isco"] for m in occ["matches"]} == {"7126"}


def test_no_data_for_a_destination() -> None:
    a = align({"id": "x", "occupations": ["2221"], "destination_countries": ["JPN"]}, CTX)
    assert a["destinations"][0]["has_shortage_data"] is False and a["shortage_share"] is None
    r = assess({"occupations": ["2221"], "destination_countries": ["JPN"]}, ctx=CTX)
    rule = next(x for x in r.dimensions["alignment"].rules if x.id == "alignment.shortage_occupations")
    assert rule.status == "unknown"


def test_alignment_rule_uses_the_shortage_table() -> None:
    yes = assess({"occupations": ["2221"], "destination_countries": ["DEU"]}, ctx=CTX)
    no = assess({"occupations": ["9112"], "destination_countries": ["DEU"]}, ctx=CTX)
    def status(a: Any) -> str:
        return next(x.status for x in a.dimensions["alignment"].rules if x.id == "alignment.shortage_occupations")

    assert status(yes) == "earned" and status(no) == "missed"
    assert "no_shortage_occupation" in no.flags


def test_skill_levels_derived_from_occupations_never_overwrite_coded() -> None:
    derived = align({"id": "x", "occupations": ["5321"], "destination_countries": ["DEU"]}, CTX)
    assert derived["skill_levels"] == ["middle"] and derived["skill_levels_source"].startswith("derived")
    coded = align({"id": "x", "occupations": ["5321"], "skill_levels": ["high"], "destination_countries": ["DEU"]}, CTX)
    assert coded["skill_levels"] == ["high"] and coded["skill_levels_source"] == "coded"


def test_regulated_profession_flag() -> None:
    rec = {"occupations": ["2221"], "destination_countries": ["DEU"], "recognition_mechanism": "unspecified"}
    assert "recognition_unspecified_regulated" in assess(rec, ctx=CTX).flags
    rec["recognition_mechanism"] = "bridging_course"
    assert "recognition_unspecified_regulated" not in assess(rec, ctx=CTX).flags


def test_who_safeguards_flag() -> None:
    ctx = ReferenceContext(who_edition="test", who_countries={"GHA"})
    rec = {"sectors": ["health_care"], "origin_countries": ["GHA"], "government_to_government": False}
    assert "health_recruitment_from_safeguards_list" in assess(rec, ctx=ctx).flags
    for change in ({"government_to_government": True}, {"origin_countries": ["PHL"]}, {"sectors": ["ict"]}):
        assert "health_recruitment_from_safeguards_list" not in assess({**rec, **change}, ctx=ctx).flags
    assert health_worker_recruitment({"occupations": ["3221"]}) is True
    assert health_worker_recruitment({}) is None


def test_uncovered_shortages_on_the_sample(sample_engine: Engine) -> None:
    with sample_engine.connect() as conn:
        ctx = ReferenceContext.load(conn)
        records = list(repo.select_records(conn))
    out = align_all(records, ctx)
    de = next(d for d in out["destinations"] if d["country"] == "DEU")
    assert de["has_shortage_data"] and de["shortage_occupations"] == 35
    assert de["covered"] + de["uncovered"] == de["shortage_occupations"]
    targeted = {o for r in records if "DEU" in r["destination_countries"] for o in r.get("occupations", [])}
    uncovered = {u["code"] for u in de["uncovered_shortages"]}
    assert not any(u.startswith(t) or t.startswith(u) for u in uncovered for t in targeted)
    assert sum(c["partnerships"] for c in out["corridors"]) == sum(
        len(r["origin_countries"]) * len(r["destination_countries"]) for r in records)


@pytest.mark.parametrize(("record", "counted", "because"), [
    ({"occupations": ["2221", "9112"], "destination_countries": ["DEU"]}, (1, 2), None),
    ({"occupations": ["9112"], "destination_countries": ["DEU", "JPN"]}, (0, 1), None),
    ({"occupations": ["2221", "unspecified"], "destination_countries": ["DEU"]}, (1, 1), None),
    ({"occupations": ["unspecified"], "destination_countries": ["DEU"]}, None,
     "the partnership has no coded occupations"),
    ({"occupations": ["2221"], "destination_countries": ["JPN"]}, None,
     "no shortage table is loaded for any of its destinations"),
    ({"occupations": ["2221"], "destination_countries": ["unspecified"]}, None,
     "the partnership has no coded destinations"),
])
def test_the_shortage_share_carries_its_numerator_and_denominator(
        record: dict[str, Any], counted: tuple[int, int] | None, because: str | None) -> None:
    assert CTX.shortage_count(record) == counted
    a = align({"id": "x", **record}, CTX)
    assert (a["occupations_in_shortage"], a["shortage_share_denominator"]) == (counted or (None, None))
    assert a["shortage_share"] == (None if counted is None else counted[0] / counted[1]) == CTX.shortage_share(record)
    assert a["shortage_share_unknown_because"] == because
