"""Alignment says what it does not know: denominators, uncovered shortages that cannot be assessed, near matches
and the lists they were checked against, and shortage listings for countries or statuses that have no rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.analysis.alignment import ReferenceContext, Row, align, align_all, counterpart
from smpatlas.io.importer import import_files
from smpatlas.reference.shortages import EURES_2022, EURES_2025_ICT
from tests.conftest import Result, minimal, write_jsonl

Cli = Callable[..., Result]


def _ctx(codes: list[str], source: str = "Test list", year: int = 2024) -> ReferenceContext:
    return ReferenceContext(shortages={"DEU": [Row(c, year, "shortage", source) for c in codes]})


# -- near matches --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("code", "other"), [
    ("2221", "3221"),  # Nursing professionals ↔ Nursing associate professionals
    ("3221", "2221"),
    ("222", "322"),
    ("22", "32"),
    ("2230", "3230"),
    ("2511", None),  # Systems analysts vs 3511 ICT operations technicians: a different occupation
    ("2240", None),  # Paramedical practitioners vs 3240 Veterinary technicians
    ("7126", None),
    ("2", None),
])
def test_counterpart(code: str, other: str | None) -> None:
    assert counterpart(code) == other


@pytest.mark.parametrize(("code", "listed", "near"), [
    ("2221", ["3221"], ["3221"]),
    ("2221", ["322"], ["322"]),
    ("222", ["3221"], ["3221"]),
    ("3221", ["2221"], ["2221"]),
    ("2221", ["2222", "3221"], ["3221", "2222"]),  # the counterpart first, then the minor-group sibling
    ("8331", ["8332"], ["8332"]),  # same minor group 833
    ("222", ["2211"], ["2211"]),  # 3-digit code: same sub-major group 22
    ("2221", ["2221", "3221"], []),  # listed itself: no near match needed
    ("2221", ["22"], []),  # matched at 2 digits
    ("2511", ["3511"], []),
    ("2221", ["7126"], []),
    ("2221", [], []),
])
def test_near_matches(code: str, listed: list[str], near: list[str]) -> None:
    assert [m["isco"] for m in _ctx(listed).near_matches(code, "DEU")] == near


def test_a_near_match_is_shown_never_counted() -> None:
    ctx = _ctx(["3221"])
    rec = {"id": "x", "occupations": ["2221"], "destination_countries": ["DEU"]}
    assert ctx.shortage_share(rec) == 0.0
    occ = align(rec, ctx)["destinations"][0]["occupations"][0]
    assert occ["in_shortage"] is False
    assert occ["near_matches"] == [{"isco": "3221", "title": "Nursing associate professionals",
                                    "relation": "the associate-professional counterpart of 2221"}]


@pytest.mark.parametrize(("source", "year", "name"), [
    ("Test list", 2024, "Test list (2024)"),
    (EURES_2022, 2022, "EURES 2022 shortage list"),
    (EURES_2025_ICT, 2025, "EURES 2025 ICT annex"),
])
def test_explanation_names_the_list_and_year(source: str, year: int, name: str) -> None:
    ctx = _ctx(["3221"], source, year)
    text = ctx.shortage_explanation({"occupations": ["2221"], "destination_countries": ["DEU", "JPN"]})
    assert text is not None
    assert f"0 of 1 occupation listed for Germany ({name})" in text
    assert "3221 Nursing associate professionals is (the associate-professional counterpart of 2221)" in text
    assert "No shortage table for JPN" in text
    assert align({"id": "x", "occupations": ["2221"], "destination_countries": ["DEU"]}, ctx)[
        "destinations"][0]["lists"] == [name]


@pytest.mark.parametrize(("occupations", "says"), [
    (["2221"], "0 of 1 occupation listed for Germany"),  # one occupation: singular
    (["2221", "3221"], "1 of 2 occupations listed for Germany"),
    (["3221", "unspecified"], "1 of 1 occupation listed for Germany"),  # 'unspecified' is not an occupation
])
def test_explanation_counts_occupations_in_words(occupations: list[str], says: str) -> None:
    text = _ctx(["3221"]).shortage_explanation({"occupations": occupations, "destination_countries": ["DEU"]})
    assert text is not None and text.startswith(says + " (Test list (2024))")


def test_assessment_notes_carry_the_explanation_to_the_shortage_rule_and_flag() -> None:
    """The text and JSON of 'assess' (and the Python API) say which lists the shortage share came from."""
    from smpatlas.analysis.assessment import assess

    ctx = _ctx(["3221"])
    rec = {"id": "x", "occupations": ["2221"], "destination_countries": ["DEU"]}
    a = assess(rec, ctx=ctx)
    explanation = ctx.shortage_explanation(rec)
    assert explanation and a.notes == {"alignment.shortage_occupations": explanation,
                                       "no_shortage_occupation": explanation}
    assert a.to_dict()["notes"] == a.notes
    assert assess(rec, ctx=ctx, detail=False).notes == {}  # portfolio figures need none
    assert assess({**rec, "occupations": ["unspecified"]}, ctx=ctx).notes == {}  # share unknown: nothing to say


@pytest.mark.parametrize("record", [
    {"occupations": [], "destination_countries": ["DEU"]},
    {"occupations": ["unspecified"], "destination_countries": ["DEU"]},
    {"occupations": ["2221"], "destination_countries": ["JPN"]},
])
def test_no_explanation_when_the_share_is_unknown(record: dict[str, Any]) -> None:
    assert _ctx(["3221"]).shortage_explanation(record) is None


# -- align_all: denominators and unknown coverage ------------------------------------------------------------------

@pytest.mark.parametrize(("occupations", "with_occ", "covered", "uncovered"), [
    ([None, None], 0, None, None),  # nobody coded occupations: unknown, not "targeted by none"
    ([["unspecified"], None], 0, None, None),
    ([["2221"], None], 1, 1, 2),
    ([["9112"], ["71"]], 2, 1, 2),  # 71 covers 7126
    ([["9112"], None], 1, 0, 3),
])
def test_coverage_is_judged_only_against_partnerships_with_occupations(
        occupations: list[list[str] | None], with_occ: int, covered: int | None, uncovered: int | None) -> None:
    ctx = _ctx(["2221", "7126", "7411"])
    recs = [{"destination_countries": ["DEU"], **({"occupations": o} if o is not None else {})} for o in occupations]
    de = align_all(recs, ctx)["destinations"][0]
    assert (de["partnerships"], de["partnerships_with_occupations"]) == (2, with_occ)
    assert de["coverage_assessable"] is (with_occ > 0)
    assert (de["covered"], de["uncovered"]) == (covered, uncovered)
    assert len(de["uncovered_shortages"]) == (uncovered or 0)


@pytest.mark.parametrize(("limit", "listed", "left_out"), [(None, 3, 0), (1, 1, 2), (0, 0, 3), (5, 3, 0)])
def test_a_cut_uncovered_list_says_how_many_were_left_out(limit: int | None, listed: int, left_out: int) -> None:
    de = align_all([{"occupations": ["9112"], "destination_countries": ["DEU"]}], _ctx(["2221", "7126", "7411"]),
                   uncovered_limit=limit)["destinations"][0]
    assert (len(de["uncovered_shortages"]), de["uncovered_not_listed"], de["uncovered"]) == (listed, left_out, 3)


def test_skill_level_share_keeps_its_denominator() -> None:
    recs = [{"destination_countries": ["DEU"], "skill_levels": ["high"]}, {"destination_countries": ["DEU"]}]
    de = align_all(recs, _ctx(["2221"]))["destinations"][0]
    assert de["partnerships_with_skill_levels"] == 1 and de["partnerships_targeting"]["high"]["share"] == 1.0


def test_align_all_text_on_small_records(cli: Cli, engine: Engine, db_url: str, tmp_path: Path) -> None:
    records = [
        minimal("fr-1", destination_countries=["FRA"]),
        minimal("fr-2", destination_countries=["FRA"], skill_levels=["high"]),
        minimal("de-1", occupations=["2221"]),
        minimal("de-2", skill_levels=["middle"]),
    ]
    report = import_files(engine, [write_jsonl(tmp_path / "p.jsonl", records)])
    assert report.valid, report.to_text()
    text = cli("align", "--all", "--db", db_url).stdout
    france = text.split("France (FRA)", 1)[1].split("\n", 5)
    expected = [
        "France (FRA): 2 partnerships, 0 with occupations coded, 1 with skill levels (coded or derived)",
        "coverage cannot be assessed: none of the 2 partnerships has occupations coded",
        "35 of 35 shortage occupations not targeted by the 1 partnership with occupations coded",
        "100% high, 0% middle, 0% low (of the 1 of 2 with skill levels",
        "Germany (DEU): 2 partnerships, 1 with occupations coded, 2 with skill levels",
        "shortage list: 35 occupations (EURES 2022 shortage list; EURES 2025 ICT annex)",
    ]
    for line in expected:
        assert line in text, line
    assert "targeted by none" not in "\n".join(france[:4])
    rows = {r["destination"]: r for r in csv.DictReader(io.StringIO(
        cli("align", "--all", "--db", db_url, "--format", "csv").stdout))}
    assert (rows["FRA"]["covered"], rows["FRA"]["uncovered"], rows["FRA"]["partnerships_with_occupations"]) == \
        ("", "", "0")
    assert (rows["DEU"]["covered"], rows["DEU"]["uncovered"]) == ("0", "35")  # 2221 is not listed (3221 is)


# -- the bundled inventory (the QA findings) -----------------------------------------------------------------------

def test_align_on_the_bundled_inventory(cli: Cli, sample_engine: Engine, db_url: str) -> None:
    db = ("--db", db_url)
    text = cli("align", "--all", *db).stdout
    for line in (
        "France (FRA): 11 partnerships, 0 with occupations coded",
        "coverage cannot be assessed: none of the 11 partnerships has occupations coded",
        "100% high, 20% middle, 0% low (of the 5 of 17 with skill levels",  # Italy
        "33 of 35 shortage occupations targeted by none of the 18 partnerships with occupations coded",
        "… and 25 more uncovered (all: --uncovered 0, or --format json)",
    ):
        assert line in text, line
    assert "79 of 79" not in text
    germany = cli("align", "--all", "--destination", "DEU", "--uncovered", "0", *db).stdout
    assert germany.count("uncovered: ") == 33 and "more uncovered" not in germany
    one = cli("align", "de-ph-triple-win", *db).stdout
    assert "checked against: EURES 2022 shortage list; EURES 2025 ICT annex" in one
    assert "near match: 3221 Nursing associate professionals is listed (the associate-professional " \
           "counterpart of 2221)" in one


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--status", "foo"), 2, "'foo' is not one of shortage, surplus, balanced, unspecified"),
    (("--country", "JPN"), 1, "No shortage table loaded for JPN (Japan); loaded: AUT, BEL, BGR, CHE"),
    (("--country", "Japan", "--format", "json"), 1, "No shortage table loaded for JPN"),
    (("--isco", "2x"), 1, "not an ISCO-08 code prefix"),
    (("--country", "DEU", "--year", "2019"), 0,
     "0 rows match these filters; loaded for DEU: years 2022, 2025; statuses shortage, surplus."),
    (("--country", "DEU", "--year", "2022"), 0, "32 rows."),
])
def test_shortage_listing_says_why_it_is_empty(cli: Cli, engine: Engine, db_url: str, args: tuple[str, ...],
                                               code: int, message: str) -> None:
    res = cli("shortages", "list", *args, "--db", db_url)  # the shipped EURES rows, loaded into every inventory
    assert res.code == code and message in " ".join(res.stderr.split()), res.stderr
