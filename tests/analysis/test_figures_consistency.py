"""Every figure is explainable and the same everywhere: percentages, headlines and the stats outputs.

A percentage is rounded once, half up, from the exact count ÷ denominator (never from the 4-place share), so the
headline sentences, ``smpatlas stats`` (table and Markdown) and the reports show the same number for the same
figure. A headline accounts for every partnership of its denominator: the values it names, *not coded* and *not
specified in the sources*, each said apart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smpatlas.analysis.stats import compute
from smpatlas.analysis.stats_result import percent
from smpatlas.cli.cmd_stats import _markdown
from smpatlas.io.importer import import_files
from smpatlas.store import database
from tests.conftest import Result, minimal, write_jsonl

U = "unspecified"


@pytest.mark.parametrize(("count", "denominator", "places", "shown"), [
    (1, 8, 0, "13%"),          # 12.5%: half up, as a reader rounds (Python's format gave 12%)
    (5, 8, 0, "63%"),          # 62.5%
    (97, 156, 0, "62%"),       # the seed's figure
    (48, 173, 1, "27.7%"),     # 27.746…%: the 4-place share 0.2775 gave 27.8%
    (25, 173, 1, "14.5%"),     # 14.450…%: the 4-place share 0.1445 gave 14.4%
    (19, 53, 1, "35.8%"),      # 35.849…%: the 4-place share 0.3585 gave 35.9%
    (1, 200, 0, "1%"),         # 0.5%
    (1, 201, 0, "<1%"),        # not zero, never shown as 0%
    (1, 3000, 1, "<0.1%"),
    (999, 1000, 0, ">99%"),    # not all, never shown as 100%
    (1999, 2000, 1, ">99.9%"),
    (0, 5, 0, "0%"),
    (5, 5, 0, "100%"),
    (0, 0, 0, "—"),            # no denominator, no percentage
])
def test_percent_is_rounded_once_from_the_exact_fraction(count: int, denominator: int, places: int,
                                                         shown: str) -> None:
    assert percent(count, denominator, places) == shown


def _headline(records: list[dict[str, Any]], start: str) -> str:
    return next(h for h in compute(records).headlines() if start in h)


@pytest.mark.parametrize(("records", "start", "says", "never"), [
    # one partnership coded unspecified: said apart from the missing ones (5 = 1 low + 2 missing + 1 unspecified + 1 high)
    ([minimal("a"), minimal("b"), minimal("c", skill_levels=[U]), minimal("d", skill_levels=["low"]),
      minimal("e", skill_levels=["high"])], "target low-skilled",
     "20% (1 of 5) target low-skilled workers; skill level neither coded nor derivable for 2, not specified in the "
     "sources for 1.", None),
    ([minimal("a"), minimal("b", skill_levels=["high"])], "target highly",
     "50% (1 of 2) target highly skilled workers; skill level neither coded nor derivable for 1.", "not specified"),
    ([minimal("a", integration_support=[U]), minimal("b", integration_support=["language"]), minimal("c")],
     "Integration support:",
     "Integration support: none in 0, language only in 1, broader in 0 of 3 (not coded for 1, not specified in the "
     "sources for 1).", None),
    ([minimal("a", return_expected="yes", reintegration_support=[U]),
      minimal("b", return_expected="yes", reintegration_support=["job_placement"]),
      minimal("c", return_expected="yes")], "Where return",
     "Where return is anticipated (3 partnerships), 1 provides reintegration support (33%); not coded for 1, not "
     "specified in the sources for 1.", None),
    # 'none' is an answer (no group targeted), not a group: never listed among the groups targeted
    ([minimal("a", target_groups=["none"]), minimal("b", target_groups=["none"]), minimal("c", target_groups=["women"]),
      minimal("d")], "underrepresented",
     "1 of 4 targets underrepresented groups (women: 1); no group targeted in 2; target groups not coded for 1.",
     "none: 2"),
    ([minimal("a", target_groups=["none"]), minimal("b")], "underrepresented",
     "0 of 2 target underrepresented groups (none); no group targeted in 1; target groups not coded for 1.", None),
    ([minimal("a", target_groups=["women"]), minimal("b", target_groups=["women", "displaced_persons"])],
     "underrepresented",
     "2 of 2 target underrepresented groups (women: 1, women + displaced persons: 1); target groups not coded for 0.",
     "no group targeted"),
    # 1 of 8 is 12.5%: half up, as every other output shows it
    ([minimal(f"r{i}", skill_levels=["low" if i == 0 else "high"]) for i in range(8)], "target low-skilled",
     "13% (1 of 8) target low-skilled workers", None),
])
def test_headlines_account_for_every_partnership(records: list[dict[str, Any]], start: str, says: str,
                                                 never: str | None) -> None:
    line = _headline(records, start)
    assert says in line
    if never:
        assert never not in line


@pytest.mark.parametrize(("records", "unknown", "says"), [
    # b: long-term only and return expected not coded: whether return is anticipated is not known
    ([minimal("a", return_expected="yes", reintegration_support=["job_placement"]),
      minimal("b", mobility_types=["long_term"]), minimal("c", return_expected=U), minimal("d", return_expected="no")],
     2, "Where return is anticipated (1 partnership; anticipation not known for 2), 1 provides reintegration support "
        "(100%); not coded for 0."),
    ([minimal("a", mobility_types=["circular"]), minimal("b", return_expected="no")],
     0, "Where return is anticipated (1 partnership), 0 provide reintegration support (0%); not coded for 1."),
    ([minimal("a"), minimal("b", return_expected="no")],
     1, "Return is known to be anticipated in none of the 2 partnerships (anticipation not known for 1): there is no "
        "share of reintegration support to give."),
])
def test_reintegration_says_for_how_many_anticipation_is_unknown(records: list[dict[str, Any]], unknown: int,
                                                                   says: str) -> None:
    s = compute(records)
    block = s.derived["reintegration_when_return_anticipated"]
    assert block["return_anticipation_unknown"] == unknown
    # every partnership is in the denominator, known not to anticipate return, or undecided
    not_anticipated = sum(r.get("return_expected") == "no" for r in records)
    assert block["denominator"] + unknown + not_anticipated == len(records)
    assert says in s.headlines()


def _markdown_rows(records: list[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    md = _markdown(compute(records))
    fields = md.split("## Fields", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in fields.splitlines() if line.startswith("| ")]
    assert lines[0] == "| field | value | count | denominator | share | missing | unspecified |"
    return {(cells[0], cells[1]): cells[2:] for line in lines[1:]
            if (cells := [c.strip() for c in line.strip("|").split("|")])}


@pytest.mark.parametrize(("key", "row"), [
    # reintegration's share is of the 2 partnerships where return is anticipated, not of N = 4: the row says so
    (("derived:reintegration_when_return_anticipated", "with_reintegration_support"), ["1", "2", "50.0%", "0", "1"]),
    (("reintegration_support", "job_placement"), ["1", "4", "25.0%", "2", "1"]),
    (("return_expected", "yes"), ["2", "4", "50.0%", "2", "0"]),
])
def test_markdown_fields_state_each_denominator(key: tuple[str, str], row: list[str]) -> None:
    records = [minimal("a", return_expected="yes", reintegration_support=["job_placement"]),
               minimal("b", return_expected="yes", reintegration_support=[U]), minimal("c"), minimal("d")]
    assert _markdown_rows(records)[key] == row


def _inventory(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / "atlas.db"
    engine = database.open_engine(str(path))
    report = import_files(engine, [write_jsonl(tmp_path / "in.jsonl", records)], user="test")
    engine.dispose()
    assert report.valid, report.to_text()
    return path


@pytest.mark.parametrize(("high", "n", "table", "markdown"), [
    (48, 173, "27.7%", "27.7%"),   # the 4-place share 0.2775 gave 27.8%
    (25, 173, "14.5%", "14.5%"),   # 0.1445 gave 14.4%
    (1, 8, "12.5%", "12.5%"),
])
def test_stats_table_and_markdown_round_like_the_headlines(cli: Callable[..., Result], tmp_path: Path, high: int,
                                                           n: int, table: str, markdown: str) -> None:
    records = [minimal(f"r{i}", skill_levels=["high"] if i < high else ["middle"]) for i in range(n)]
    db = _inventory(tmp_path, records)
    out = cli("stats", "--db", str(db)).stdout
    block = out.split("skill_levels (", 1)[1].split("\n", 4)
    high_row = next(line for line in block if line.strip().startswith("high"))
    assert high_row.split()[-1] == table
    md = cli("stats", "--db", str(db), "--format", "markdown").stdout
    assert f"| skill_levels | high | {high} | {n} | {markdown} | 0 | 0 |" in md
    # the headline's whole percentage is the same figure, rounded the same way
    assert f"{percent(high, n)} ({high} of {n}) target highly skilled workers" in out
