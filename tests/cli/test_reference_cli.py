"""isco, shortages, who-list and align from the command line (on SQLite and PostgreSQL where a database is used)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]


def test_isco_commands(cli: Cli) -> None:
    res = cli("isco", "search", "nurse")
    assert res.code == 0 and res.stdout.splitlines()[0].startswith("2221")
    assert cli("isco", "search", "zzzqqq").code == 1
    show = cli("isco", "show", "2221")
    assert "2 Professionals" in show.stdout and "skill level: 4" in show.stdout
    bad = cli("isco", "show", "2229")
    assert bad.code == 1 and "nearest group: 222" in bad.stderr


def test_shortages_and_align(cli: Cli, demo_db: Inventory, tmp_path: Path) -> None:
    db = demo_db.url
    summary = cli("shortages", "list", "--db", db)
    assert "1835 rows" in summary.stdout
    de = cli("shortages", "list", "--country", "DEU", "--year", "2022", "--db", db, "--format", "json").json()
    assert len(de) == 32
    f = tmp_path / "s.csv"
    f.write_text("country,isco,year,status,source\nDEU,2221,2024,shortage,Test list\n", "utf-8")
    assert cli("shortages", "import", f, "--db", db).code == 0
    one = cli("align", "de-ph-triple-win", "--db", db, "--format", "json").json()
    de_entry = one["destinations"][0]
    assert de_entry["occupations"][0]["in_shortage"] is True
    assert cli("align", "de-ph-triple-win", "--db", db).code == 0
    port = cli("align", "--all", "--db", db, "--format", "json").json()
    assert any(d["country"] == "DEU" and d["has_shortage_data"] for d in port["destinations"])
    csv_out = cli("align", "--all", "--db", db, "--format", "csv")
    assert csv_out.stdout.startswith("destination,partnerships")
    bad = tmp_path / "b.csv"
    bad.write_text("country,isco,year,status,source\nDEU,2229,2024,shortage,x\n", "utf-8")
    res = cli("shortages", "import", bad, "--db", db)
    assert res.code == 2 and "row 2" in res.stderr and "not an ISCO-08 code" in res.stderr


@pytest.mark.db_via_env
def test_who_list(cli: Cli, blank_db: Inventory, tmp_path: Path) -> None:
    db = blank_db.db  # () here: the inventory is in SMPATLAS_DATABASE_URL
    res = cli("who-list", "list", *db)
    assert res.code == 1 and "No SMP Atlas inventory" in res.stderr  # no inventory yet
    res = cli("init", *db)
    assert res.code == 0 and "created" in res.stdout
    res = cli("who-list", "list", *db)
    assert res.code == 1 and "No WHO safeguards list is loaded" in res.stderr
    f = tmp_path / "ssl.csv"
    f.write_text("country\nGhana\n", "utf-8")
    assert cli("who-list", "import", f, "--edition", "2023", "--source", "test", *db).code == 0
    assert "GHA Ghana" in cli("who-list", "list", *db).stdout


def test_stats_by_country_groups(cli: Cli, demo_db: Inventory) -> None:
    d = cli("stats", *demo_db.db, "--by", "origin_region", "--format", "json").json()
    regions = {c["origin_region"] for c in d["crosstab"]["cells"]}
    assert "Northern Africa" in regions and "South-eastern Asia" in regions
