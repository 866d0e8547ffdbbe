"""What assess, whatif and benchmark print for a person: no crash on an empty selection, no hidden unknowns,
no Python reprs or markup tags, and consistent rounding (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result, minimal, write_jsonl

Cli = Callable[..., Result]
#: What must never reach a person: Python's None, reprs of lists, rich markup tags, a traceback.
NEVER = ("None", "['", "[bold]", "[/bold]", "Internal error", "Traceback", "{'")


def _clean(text: str) -> None:
    for bad in NEVER:
        assert bad not in text, (bad, text)


@pytest.fixture
def one_empty_record(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> tuple[str, ...]:
    """An inventory holding one partnership with nothing assessable coded."""
    res = cli("import", write_jsonl(tmp_path / "one.jsonl", [minimal("xx-yy-empty")]), *fresh_db.db)
    assert res.code == 0, res.stderr
    return fresh_db.db


@pytest.mark.parametrize(("inventory", "filters", "said"), [
    ("fresh_db", (), "No partnerships in the inventory: nothing to assess."),
    ("demo_db", ("--destination", "DEU", "--origin", "USA"),
     "No partnerships matching origin United States (USA); destination Germany (DEU): nothing to assess."),
])
def test_an_empty_selection_is_said_in_words(cli: Cli, request: pytest.FixtureRequest, backend: str, inventory: str,
                                             filters: tuple[str, ...], said: str) -> None:
    inv: Inventory = request.getfixturevalue(inventory)
    assert cli("init", *inv.db).code == 0
    res = cli("assess", "--all", *inv.db, *filters)
    assert (res.code, res.stdout.strip()) == (0, said), res.stderr
    _clean(res.stdout + res.stderr)
    as_json = cli("assess", "--all", *inv.db, *filters, "--format", "json")
    assert as_json.code == 0 and as_json.json()["n"] == 0


def test_every_flag_states_its_known_denominator_and_unknowns(cli: Cli, demo_db: Inventory) -> None:
    port = cli("assess", "--all", *demo_db.db, "--format", "json").json()
    text = cli("assess", "--all", *demo_db.db).stdout
    _clean(text)
    lines = {line.strip().split(": ", 1)[0]: line.strip() for line in text.splitlines() if ": " in line}
    for fid, f in port["flags"].items():
        assert f["known"] + f["unknown"] == port["n"] == f["denominator"], fid
        line = lines[f["title"]]
        if f["assessable"]:
            assert f["share_of_known"] == round(f["count"] / f["known"], 4)
            assert f"{f['count']} of {f['known']} with it known" in line, line
            assert (f"unknown for {f['unknown']}" if f["unknown"] else "known for all") in line, line
        else:
            assert f["share_of_known"] is None and "cannot be assessed" in line, line
    who = lines[port["flags"]["health_recruitment_from_safeguards_list"]["title"]]
    assert "cannot be assessed" in who and "who-list import" in who  # no WHO list in the demo inventory
    assert "The agreement is not published: 0 of 19 with it known (0%); unknown for 154" in text


def test_scores_state_their_coverage_and_that_bands_round_down(cli: Cli, demo_db: Inventory) -> None:
    port = cli("assess", "--all", *demo_db.db, "--format", "json").json()
    text = cli("assess", "--all", *demo_db.db).stdout
    assert "rounded down, e.g. 2.67 is in band 2" in text
    for d in port["dimensions"].values():
        assert d["n_low_coverage"] == sum(d["distribution_low_coverage"].values()) <= d["n_scored"]
        assert f"{d['n_low_coverage']} of the {d['n_scored']} on coverage below 50%" in text
    for s in port["stakeholders"].values():
        assert f"{s['n_low_coverage']} of the {s['n_scored']} on coverage below 50%" in text
    b = port["balance"]
    assert f"median {b['median']:.2f}" in text
    assert f"{b['n_low_coverage']} of the {b['n_scored']} rest on a party score with coverage below 50%" in text
    digital = port["dimensions"]["digital"]
    assert digital["n_low_coverage"] >= digital["n_scored"] - 1  # the QA case: nearly all rest on low coverage


def test_a_one_partnership_portfolio(cli: Cli, demo_db: Inventory) -> None:
    assert cli("assess", "--all", *demo_db.db, "--origin", "USA", "--format", "json").json()["n"] == 1
    text = cli("assess", "--all", *demo_db.db, "--origin", "USA").stdout
    _clean(text)
    assert text.startswith("Portfolio of 1 partnership matching origin United States (USA), rubric v")
    assert "nothing to rank" in text and "Most balanced" not in text and "Least balanced" not in text


@pytest.mark.parametrize(("sets", "said"), [
    (("recognition_mechanism=bridging_course",), "recognition_mechanism: standard procedure → bridging course"),
    (("reintegration_support=career_guidance;job_placement",),
     "reintegration_support: not coded → career guidance, job placement"),
    (("return_expected=yes", "extension_possible=yes"),
     "extension_possible: not coded → yes; return_expected: unspecified → yes"),
    (("recognition_mechanism=standard_procedure",), "the design is unchanged"),
])
def test_whatif_says_values_as_a_person_writes_them(cli: Cli, demo_db: Inventory, sets: tuple[str, ...],
                                                    said: str) -> None:
    args = [a for s in sets for a in ("--set", s)]
    res = cli("whatif", "de-ph-triple-win", *args, *demo_db.db)
    assert res.code == 0, res.stderr
    _clean(res.stdout)
    assert res.stdout.splitlines()[0] == f"What if de-ph-triple-win: {said}"
    before = cli("assess", "de-ph-triple-win", *demo_db.db, "--format", "json").json()["balance"]
    m = re.search(r"Balance index +(\d\.\d\d) → +(\d\.\d\d) +(no change|[+-]\d\.\d\d)$", res.stdout, re.M)
    assert m, res.stdout
    assert m[1] == f"{before:.2f}"  # as assess shows it
    shown = round(float(m[2]) - float(m[1]), 2)
    assert m[3] == ("no change" if shown == 0 else f"{shown:+.2f}")  # the change between the values shown


def test_assess_one_says_how_many_recommendations_are_not_shown(cli: Cli, demo_db: Inventory) -> None:
    n = len(cli("assess", "de-ph-triple-win", *demo_db.db, "--format", "json").json()["recommendations"])
    text = cli("assess", "de-ph-triple-win", *demo_db.db).stdout
    _clean(text)
    assert n > 8 and f"… and {n - 8} more (use --format json to see all {n})" in text
    assert "(ranked by gain for the weakest party: Country of origin)" in text
    assert "integration_starts_pre_departure: yes" in text  # values in words, not Python's True


def test_assess_one_explains_its_inputs_in_text_and_json(cli: Cli, demo_db: Inventory) -> None:
    """Coverage and the shortage lists behind the alignment rule are in the JSON too, not only in the text."""
    d = cli("assess", "de-ph-triple-win", *demo_db.db, "--format", "json").json()
    note = d["notes"]["alignment.shortage_occupations"]
    assert note.startswith("0 of 1 occupation listed for Germany (EURES 2022 shortage list")
    assert d["notes"]["no_shortage_occupation"] == note
    text = cli("assess", "de-ph-triple-win", *demo_db.db).stdout
    assert text.count(note) == 2  # under the rule and under the flag
    assert set(d["party_coverage"]) == set(d["stakeholders"]) and 0 < d["coverage"] < 1


def test_a_record_with_nothing_coded(cli: Cli, one_empty_record: tuple[str, ...]) -> None:
    text = cli("assess", "xx-yy-empty", *one_empty_record).stdout
    _clean(text)
    assert "no party has a known score, so no gain can be computed: ranked by the benefit weight at stake" in text
    assert "+0.0" not in text and "Code these fields first" in text
    assert "balance index not computed" in text
    port = cli("assess", "--all", *one_empty_record).stdout
    _clean(port)
    assert port.startswith("Portfolio of 1 partnership, rubric v")
    assert "Balance index: none of the 1 has one" in port


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("draft", "similar"), [
    ("name: Nearly empty draft\n", "Most similar: none (no partnership shares at least 3 coded design fields"),
    ("name: Care draft\ndestination_countries: Germany\norigin_countries: Philippines\nsectors: health_care\n"
     "skill_levels: middle\n", "Most similar (mean Jaccard"),
])
def test_benchmark_never_prints_an_empty_heading(cli: Cli, demo_db: Inventory, tmp_path: Path, draft: str,
                                                 similar: str) -> None:
    path = tmp_path / "draft.yaml"
    path.write_text(draft, "utf-8")
    res = cli("benchmark", path, *demo_db.db)
    assert res.code == 0, res.stderr
    _clean(res.stdout)
    assert similar in res.stdout
    assert "Balance index" in res.stdout  # the draft's balance percentile is shown too
    heading = res.stdout.splitlines().index(next(x for x in res.stdout.splitlines() if "Most similar" in x))
    rest = res.stdout.splitlines()[heading + 1:]
    assert bool(rest) is similar.startswith("Most similar (")


def test_a_recommendation_that_raises_only_other_parties_says_so(cli: Cli, demo_db: Inventory) -> None:
    """Was "[skills, +0.0; …]": a recommendation with no gain for the weakest party, listed for the others'."""
    from smpatlas.atlas import open as open_atlas

    with open_atlas(demo_db.url, create=False) as atlas:
        found = next(((r["id"], rec) for r in atlas.records()
                      for rec in atlas.assess(r["id"]).recommendations[:8] if rec.gain == 0 and rec.total > 0), None)
    assert found is not None, "no demo partnership shows a recommendation without gain for its weakest party"
    rid, rec = found
    text = cli("assess", rid, *demo_db.db).stdout
    assert "+0.0" not in text
    assert f"no gain for the weakest party; +{rec.total:.1f} across all parties" in text


@pytest.mark.parametrize(("count", "known", "said"), [
    (1, 8, "1 of 8 with it known (13%)"),  # was 12%: the 4-place share 0.125 rounded again, half to even
    (1, 300, "1 of 300 with it known (<1%)"),
    (199, 200, "199 of 200 with it known (>99%)"),
    (0, 5, "0 of 5 with it known (0%)"),
])
def test_a_flag_share_is_rounded_once_as_in_the_report(count: int, known: int, said: str) -> None:
    from smpatlas.analysis import rubric
    from smpatlas.cli.assessment_text import _flag_line

    fl = {"assessable": True, "title": "Gap", "count": count, "known": known, "unknown": 0,
          "share_of_known": round(count / known, 4)}
    assert _flag_line("x", fl, rubric.default()) == f"Gap: {said}; known for all"
