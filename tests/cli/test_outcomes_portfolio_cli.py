"""``smpatlas outcomes``: outcomes over time across the partnerships of a portfolio, from the command line.

On the bundled inventory (both engines: the SQLite file is read as Arrow columns, PostgreSQL row by row): the table,
JSON and CSV say the same figures with their denominators; the indicator and the filters select; mistakes are one
message, never a traceback.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
TRIPLE_WINS = ["de-ba-triple-win", "de-rs-triple-win", "de-tn-triple-win"]


def test_json_has_every_figure_with_its_denominators(cli: Cli, demo_db: Inventory) -> None:
    res = cli("outcomes", *demo_db.db, "--format", "json")
    assert res.code == 0, res.stderr
    d = res.json()
    assert d["n"] == 173 and d["filters"] == {} and d["indicators"][0] == "recruited"
    cell = next(c for c in d["cells"] if (c["indicator"], c["year"]) == ("recruited", 2018))
    assert (cell["sum"], cell["partnerships"], cell["ids"], cell["reporting"], cell["n"]) == (
        319, 4, ["bg-vn-labour-cooperation-agreement", *TRIPLE_WINS], d["reporting"]["recruited"], 173)
    span = next(c for c in d["spans"] if (c["indicator"], c["year"]) == ("recruited", 2016))
    assert span["kind"] == "spans_years" and span["sum"] == 672 and [p["period"] for p in span["periods"]] == [
        "2013/2016", "2013/2016"]
    assert d["lines"]["read"] == sum(c["lines"] for c in d["cells"] + d["spans"]) + d["lines"]["left_out"]
    manitoba = [n for n in d["notes"] if n["partnership"] == "ca-ph-manitoba-health-recruitment-2023"]
    assert [n["rule"] for n in manitoba] == ["several_lines_summed"]


@SQLITE_ONLY
def test_csv_is_one_row_per_cell(cli: Cli, demo_db: Inventory) -> None:
    d = cli("outcomes", *demo_db.db, "--format", "json").json()
    rows = list(csv.DictReader(io.StringIO(cli("outcomes", *demo_db.db, "--format", "csv").stdout)))
    assert len(rows) == len(d["cells"]) + len(d["spans"])
    row = next(r for r in rows if (r["indicator"], r["year"], r["kind"]) == ("recruited", "2018", "year"))
    assert (row["sum"], row["partnerships"], row["n"], row["ids"]) == (
        "319", "4", "173", ";".join(["bg-vn-labour-cooperation-agreement", *TRIPLE_WINS]))


@SQLITE_ONLY
def test_the_table_reads_as_sentences_rows_and_notes(cli: Cli, demo_db: Inventory) -> None:
    res = cli("outcomes", *demo_db.db, "--destination", "DEU", "--indicator", "recruited")
    assert res.code == 0, res.stderr
    out = res.stdout
    assert "N = 51 partnerships selected; filters: destination Germany (DEU)" in out
    assert "recruited: reported by 10 of 51 partnerships" in out
    assert "recruited (people; reported by 10 of N=51 partnerships)" in out
    assert "spans years, ending 2016" in out and "de-ba-triple-win (2013/2016: 290)" in out
    assert "departed" not in out  # only the indicator asked


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "n", "indicators"), [
    (("--indicator", "Departed"), 173, ["departed"]),
    (("--indicator", "trained", "--indicator", "recruited"), 173, ["recruited", "trained"]),
    (("--destination", "DEU", "--sector", "health_care"), None, None),
    (("--text", "no such words anywhere"), 0, None),
    (("-f", "JSON"), 173, None),
])
def test_the_indicator_and_the_filters_select(cli: Cli, demo_db: Inventory, args: tuple[str, ...], n: int | None,
                                              indicators: list[str] | None) -> None:
    args = args if "-f" in args else (*args, "--format", "json")
    res = cli("outcomes", *demo_db.db, *args)
    assert res.code == 0, res.stderr
    d = res.json()
    if n is not None:
        assert d["n"] == n
    else:
        assert 0 < d["n"] < 51 and d["filters"] == {"destination": ["DEU"], "sector": ["health_care"]}
    if indicators is not None:
        assert d["indicators"] == indicators and {c["indicator"] for c in d["cells"]} <= set(indicators)


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "code", "words"), [
    (("--indicator", "depart"), 1, ["Unknown outcome indicator 'depart'; did you mean 'departed'?"]),
    (("--indicator", "employment"), 1, ["the indicators are recruited, trained, departed"]),
    (("--format", "xml"), 2, ["'xml' is not one of table, json, csv"]),
    (("--g2g", "--not-g2g"), 1, ["contradict each other"]),
])
def test_mistakes_are_one_message(cli: Cli, demo_db: Inventory, args: tuple[str, ...], code: int,
                                  words: list[str]) -> None:
    res = cli("outcomes", *demo_db.db, *args)
    assert res.code == code, res.stdout + res.stderr
    for w in words:
        assert w in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_an_inventory_that_does_not_exist_is_one_message(cli: Cli, tmp_path: Path) -> None:
    res = cli("outcomes", "--db", f"{tmp_path}/nope.db")
    assert res.code == 1 and "No SMP Atlas inventory" in res.stderr and "Traceback" not in res.stderr


def test_help_has_an_example(cli: Cli) -> None:
    res = cli("outcomes", "--help")
    assert res.code == 0 and "smpatlas outcomes --destination DEU --indicator departed" in res.stdout
