"""'smpatlas align' output: every figure with its denominator, CSV columns that rebuild the text, formats refused
where they do not apply, and an empty selection said in words (QA findings on the align command)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.io.importer import import_files
from tests.conftest import Result, minimal, write_jsonl

Cli = Callable[..., Result]

#: The columns of 'align --all --format csv' before the partnership middle and low shares were appended.
OLD_COLUMNS = ["destination", "partnerships", "shortage_occupations", "covered", "uncovered",
               "partnerships_high_share", "shortages_high_share", "shortages_middle_share", "shortages_low_share",
               "partnerships_with_occupations", "partnerships_with_skill_levels"]


def _load(engine: Engine, tmp_path: Path, records: list[dict[str, Any]]) -> None:
    report = import_files(engine, [write_jsonl(tmp_path / "p.jsonl", records)])
    assert report.valid, report.to_text()


@pytest.fixture
def small(engine: Engine, db_url: str, tmp_path: Path) -> tuple[str, str]:
    """Four partnerships: FRA (no shortage table) and DEU (the shipped EURES rows); ('--db', URL)."""
    _load(engine, tmp_path, [
        minimal("fr-1", destination_countries=["FRA"], skill_levels=["high", "middle"]),
        minimal("fr-2", destination_countries=["FRA"], skill_levels=["low"]),
        minimal("fr-3", destination_countries=["FRA"]),
        minimal("de-1", occupations=["2221"]),
        minimal("de-2", occupations=["2221", "3221"]),
        minimal("jp-1", destination_countries=["JPN"], occupations=["2221"]),
        minimal("de-3"),
    ])
    return "--db", db_url


# -- 1. the CSV carries every share the text shows --------------------------------------------------------------

def test_csv_appends_the_middle_and_low_shares_of_partnerships(cli: Cli, small: tuple[str, str]) -> None:
    out = cli("align", "--all", *small, "--format", "csv").stdout
    reader = csv.DictReader(io.StringIO(out))
    assert reader.fieldnames == [*OLD_COLUMNS, "partnerships_middle_share", "partnerships_low_share"]
    rows = {r["destination"]: r for r in reader}
    port = cli("align", "--all", *small, "--format", "json").json()
    for d in port["destinations"]:
        row, t = rows[d["country"]], d["partnerships_targeting"]
        assert set(t) == {"high", "middle", "low"}  # the JSON has all three, with count and share
        for level in ("high", "middle", "low"):
            assert set(t[level]) == {"count", "share"}
            assert row[f"partnerships_{level}_share"] == ("" if t[level]["share"] is None else str(t[level]["share"]))
    fra = rows["FRA"]  # 2 of 3 with skill levels: high 1, middle 1, low 1 → 50% each
    assert (fra["partnerships_with_skill_levels"], fra["partnerships_high_share"], fra["partnerships_middle_share"],
            fra["partnerships_low_share"]) == ("2", "0.5", "0.5", "0.5")
    text = cli("align", "--all", *small).stdout
    assert "50% high, 50% middle, 50% low (of the 2 of 3 with skill levels" in text


# -- 2. --format csv is for the portfolio ------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "code"), [("csv", 1), ("text", 0), ("json", 0)])
def test_one_partnership_refuses_csv_clearly(cli: Cli, small: tuple[str, str], fmt: str, code: int) -> None:
    res = cli("align", "de-1", *small, "--format", fmt)
    assert res.code == code, res.stderr
    if fmt == "csv":
        assert res.stdout == ""  # not the text output under a CSV name
        assert "--format csv is for the portfolio (--all" in res.stderr
        assert "use --format text or --format json" in " ".join(res.stderr.split())


def test_help_says_csv_is_only_with_all(cli: Cli) -> None:
    assert "csv only with --all" in " ".join(cli("align", "--help").stdout.split())


# -- 3. an empty selection is said in words ----------------------------------------------------------------------

@pytest.mark.parametrize(("args", "words"), [
    (("--destination", "ARE", "--origin", "DEU"),
     "No partnerships match origin Germany (DEU); destination United Arab Emirates (ARE): nothing to align."),
    (("--year-to", "1900"), "No partnerships match started in or before 1900: nothing to align."),
    (("--destination", "JPN", "--skill-level", "low"), "No partnerships match destination Japan (JPN); skill level low"),
])
def test_no_match_says_which_filters(cli: Cli, small: tuple[str, str], args: tuple[str, ...], words: str) -> None:
    res = cli("align", "--all", *small, *args)
    assert res.code == 0 and words in res.stdout, res.stdout
    assert "Uncovered shortages:" not in res.stdout  # not the footnote alone
    as_csv = cli("align", "--all", *small, *args, "--format", "csv")
    assert as_csv.code == 0 and as_csv.stdout.splitlines() == [",".join([*OLD_COLUMNS, "partnerships_middle_share",
                                                                         "partnerships_low_share"])]
    assert words in as_csv.stderr  # stdout stays a CSV file


def test_empty_inventory_says_so(cli: Cli, engine: Engine, db_url: str) -> None:
    res = cli("align", "--all", "--db", db_url)
    assert res.code == 0 and "No partnerships in the inventory: nothing to align." in res.stdout


# -- 4. every figure with its denominator, singular and plural right ---------------------------------------------

@pytest.mark.parametrize(("rid", "line"), [
    ("de-1", "share of occupations in shortage at a destination: 0 of 1 occupation (0%)"),
    ("de-2", "share of occupations in shortage at a destination: 1 of 2 occupations (50%)"),
    ("de-3", "share of occupations in shortage at a destination: unknown (the partnership has no coded occupations)"),
    ("jp-1", "share of occupations in shortage at a destination: unknown (no shortage table is loaded for any of its "
             "destinations)"),
    ("de-1", "destination's 35 shortage occupations by skill level: high 63%, middle 37% (of 35)"),
])
def test_one_partnership_states_the_denominator(cli: Cli, small: tuple[str, str], rid: str, line: str) -> None:
    res = cli("align", rid, *small)
    assert res.code == 0 and line in res.stdout, res.stdout


@pytest.mark.parametrize(("rid", "count", "denominator"), [("de-1", 0, 1), ("de-2", 1, 2), ("de-3", None, None),
                                                           ("jp-1", None, None)])
def test_one_partnership_json_carries_the_denominator(cli: Cli, small: tuple[str, str], rid: str, count: int | None,
                                                      denominator: int | None) -> None:
    d = cli("align", rid, *small, "--format", "json").json()
    assert (d["occupations_in_shortage"], d["shortage_share_denominator"]) == (count, denominator)
    assert (d["shortage_share_unknown_because"] is None) is (count is not None)


@pytest.mark.parametrize("line", [
    "Japan (JPN): 1 partnership, 1 with occupations coded",
    "France (FRA): 3 partnerships, 0 with occupations coded, 2 with skill levels",
    "Germany (DEU): 3 partnerships, 2 with occupations coded",
    "34 of 35 shortage occupations targeted by none of the 2 partnerships with occupations coded",
])
def test_portfolio_counts_in_singular_and_plural(cli: Cli, small: tuple[str, str], line: str) -> None:
    text = cli("align", "--all", *small).stdout
    assert line in text, text
    assert "1 partnerships" not in text


def test_a_single_partnership_destination_reads_in_the_singular(cli: Cli, engine: Engine, db_url: str,
                                                                 tmp_path: Path) -> None:
    _load(engine, tmp_path, [minimal("de-1", occupations=["2221"]), minimal("at-1", destination_countries=["AUT"])])
    text = cli("align", "--all", "--db", db_url).stdout
    assert "Germany (DEU): 1 partnership, 1 with occupations coded" in text
    assert "35 of 35 shortage occupations not targeted by the 1 partnership with occupations coded" in text
    assert "coverage cannot be assessed: the 1 partnership has no occupations coded" in text
    assert "partnerships target: unknown (the 1 partnership has no skill levels coded or derivable)" in text
    assert "1 partnerships" not in text and "none of the 1 " not in text
