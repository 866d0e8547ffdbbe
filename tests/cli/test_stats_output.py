"""``smpatlas stats`` outputs for a person and a spreadsheet: cross-tab CSV, number summaries, --by errors.

Run on SQLite and PostgreSQL (the ``demo_db`` and ``fresh_db`` fixtures); exact figures come from small records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result, minimal, write_jsonl

Cli = Callable[..., Result]
NUMBER_FIELDS = ("start_year", "end_year", "budget_eur", "duration_months_min", "duration_months_max",
                 "planned_participants")


@pytest.fixture
def budgets(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> tuple[str, ...]:
    """Four partnerships: three budgets (623,000 / 2,714,550 / 139,000,000 EUR), one without; one is 'high'."""
    records = [minimal("aa-one", budget_eur=623000, skill_levels=["high"]), minimal("aa-two", budget_eur=2714550),
               minimal("aa-three", budget_eur=139000000), minimal("aa-four")]
    assert cli("import", write_jsonl(tmp_path / "in.jsonl", records), *fresh_db.db).code == 0
    return fresh_db.db


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_with_by_is_the_crosstab(cli: Cli, demo_db: Inventory) -> None:
    by = ("--by", "destination_countries", "--by", "skill_levels")
    plain = cli("stats", *demo_db.db, "--format", "csv").stdout
    res = cli("stats", *demo_db.db, *by, "--format", "csv")
    assert res.code == 0 and res.stdout != plain
    rows = _csv(res.stdout)
    assert rows[0] == ["destination_countries", "skill_levels", "count", "denominator", "share", "missing"]
    ct = cli("stats", *demo_db.db, *by, "--format", "json").json()
    n = ct["n"]
    expected = [[c["destination_countries"], c["skill_levels"], str(c["count"]), str(n), str(c["share"]),
                 str(ct["crosstab"]["missing"])] for c in ct["crosstab"]["cells"]]
    assert rows[1:] == expected
    # high × DEU is a cell, and the (missing) skill levels are there, not dropped
    assert any(r[:2] == ["DEU", "high"] for r in rows) and any(r[1] == "(missing)" for r in rows)


def test_csv_and_markdown_hold_every_number_summary(cli: Cli, demo_db: Inventory) -> None:
    d = cli("stats", *demo_db.db, "--format", "json").json()
    rows = {r[0]: r for r in _csv(cli("stats", *demo_db.db, "--format", "csv").stdout)}
    md = cli("stats", *demo_db.db, "--format", "markdown").stdout
    numbers = md.split("## Numbers", 1)[1].split("\n## ", 1)[0]
    for name in NUMBER_FIELDS:
        f = d["fields"][name]
        sm = f["summary"]
        for stat in ("min", "median", "max", "mean"):
            assert float(rows[f"{name}:{stat}"][1]) == sm[stat], (name, stat)
            assert rows[f"{name}:{stat}"][2:] == [str(sm["count"]), str(d["n"]), str(round(sm["count"] / d["n"], 4)),
                                                  str(f["missing"]), "0"]
        line = next(x for x in numbers.splitlines() if x.startswith(f"| {name}"))
        assert f"| {sm['count']} of {d['n']} | {f['missing']} |" in line, line


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_numbers_are_written_for_people(cli: Cli, budgets: tuple[str, ...], fmt: str) -> None:
    out = cli("stats", *budgets, "--format", fmt).stdout
    line = next(x for x in out.splitlines() if "budget_eur" in x and "623,000" in x)
    for figure in ("623,000", "2,714,550", "139,000,000", "47,445,850"):
        assert figure in line
    assert "EUR" in line and "3 of 4" in line and "e+" not in out and "n=" not in out
    # years are years, not thousands
    assert "2,020" not in out and "2020" in out


def test_csv_number_summary_exact(cli: Cli, budgets: tuple[str, ...]) -> None:
    rows = {r[0]: r[1:] for r in _csv(cli("stats", *budgets, "--format", "csv").stdout)}
    assert rows["budget_eur:min"] == ["623000", "3", "4", "0.75", "1", "0"]
    assert rows["budget_eur:median"][0] == "2714550" and rows["budget_eur:max"][0] == "139000000"
    assert float(rows["budget_eur:mean"][0]) == 47445850


@pytest.mark.parametrize(("args", "message"), [
    (("--by", "skill_levels", "--by", "skill_levels"), "--by skill_levels given twice"),
    (("--by", "planned_participants"), "'planned_participants' is a number"),
    (("--by", "budget_eur", "--format", "csv"), "'budget_eur' is a number"),
])
def test_bad_by_is_refused_with_a_message(cli: Cli, budgets: tuple[str, ...], args: tuple[str, ...],
                                          message: str) -> None:
    res = cli("stats", *budgets, *args)
    assert res.code != 0 and message in res.stderr and res.stdout == ""


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_crosstab_states_denominator_and_missing(cli: Cli, budgets: tuple[str, ...], fmt: str) -> None:
    out = cli("stats", *budgets, "--by", "skill_levels", "--format", fmt).stdout
    assert "N = 4" in out and "skill_levels not coded for 3" in out


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_skill_headline_does_not_contradict_the_field_table(cli: Cli, budgets: tuple[str, ...], fmt: str) -> None:
    out = cli("stats", *budgets, "--format", fmt).stdout
    assert "skill level neither coded nor derivable for 3" in out and "skill level missing" not in out
