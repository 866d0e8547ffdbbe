"""``shortages import`` and ``who-list import|list`` refuse bad usage and bad input with one clear message and write
nothing (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Inventory
from tests.conftest import Result

Cli = Callable[..., Result]


def test_shortages_import_file_and_default_together_is_refused(cli: Cli, demo_db: Inventory, tmp_path: Path) -> None:
    own = tmp_path / "own.csv"
    own.write_text("country,isco,year,status,source\nDEU,2221,2024,shortage,Own list\n", "utf-8")
    before = demo_db.snapshot()
    res = cli("shortages", "import", own, "--default", *demo_db.db)  # --default loaded the shipped rows, own.csv ignored
    assert res.code == 1
    assert "Give a FILE to import or --default to reload the shipped EURES data, not both" in res.stderr
    assert str(own) in res.stderr and "Loaded" not in res.stdout
    assert demo_db.snapshot() == before


def test_shortages_import_usage_errors_create_no_inventory(cli: Cli, tmp_path: Path) -> None:
    own = tmp_path / "own.csv"
    own.write_text("country,isco,year,status,source\nDEU,2221,2024,shortage,Own list\n", "utf-8")
    db = tmp_path / "new.db"
    assert cli("shortages", "import", own, "--default", "--db", db).code == 1
    res = cli("shortages", "import", "--db", db)
    assert res.code == 1 and "Give a FILE to import, or --default" in res.stderr
    assert not db.exists()


@pytest.mark.parametrize(("text", "words"), [
    ("country,isco,year,status,source\nDEU,2221,2024,shortage,Ministry of Labour, Germany,EXTRA\n",
     "row 2: ' Germany': 7 cells but the header has 5 columns"),
    ("country,isco,year,status,source,source\nDEU,2221,2024,shortage,A,B\n",
     "row 1, column 'source': column 'source' appears twice"),
    ("country,isco,year,status,source\nDEU,2221,2024,shortage," + "s" * 1_000_000 + "\n",
     "column 'source'"),
])
def test_shortages_import_bad_tables(cli: Cli, demo_db: Inventory, tmp_path: Path, text: str, words: str) -> None:
    f = tmp_path / "s.csv"
    f.write_text(text, "utf-8")
    before = demo_db.snapshot()
    res = cli("shortages", "import", f, *demo_db.db)
    assert res.code == 2 and words in res.stderr and "nothing was written" in res.stderr
    assert demo_db.snapshot() == before


def test_shortages_import_a_folder(cli: Cli, demo_db: Inventory, tmp_path: Path) -> None:
    res = cli("shortages", "import", tmp_path, *demo_db.db)
    assert res.code == 2 and "this is a folder, not a file" in res.stderr
    assert ".csv (UTF-8) or .xlsx" in res.stderr and "partnerships" not in res.stderr


@pytest.mark.parametrize(("edition", "source", "words"), [
    ("", "WHO", "--edition is required and cannot be empty"),
    ("2023", "", "--source is required and cannot be empty"),
    ("20\x1b24", "WHO", r"--edition '20\x1b24' contains a control character (U+001B)"),
    ("2023", "W\x1bHO", "--source 'W\\x1bHO' contains a control character (U+001B)"),
    ("1" * 21, "WHO", "--edition is too long: 21 characters, at most 20 are stored"),
    ("2023", "s" * 100_000, "--source is too long: 100,000 characters, at most 300 are stored"),
])
def test_who_list_import_bad_options(cli: Cli, demo_db: Inventory, tmp_path: Path, edition: str, source: str,
                                     words: str) -> None:
    f = tmp_path / "ssl.csv"
    f.write_text("country\nGhana\n", "utf-8")
    before = demo_db.snapshot()
    res = cli("who-list", "import", f, "--edition", edition, "--source", source, *demo_db.db)
    assert res.code == 1 and words in res.stderr, res.stderr
    assert demo_db.snapshot() == before


def test_who_list_editions(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> None:
    f = tmp_path / "ssl.csv"
    f.write_text("country\nGhana\n", "utf-8")
    g = tmp_path / "ssl2.csv"
    g.write_text("country\nNigeria\n", "utf-8")
    assert cli("who-list", "import", f, "--edition", "2023", "--source", "test", *fresh_db.db).code == 0
    assert cli("who-list", "import", g, "--edition", "v2", "--source", "test", *fresh_db.db).code == 0
    latest = cli("who-list", "list", *fresh_db.db)
    assert latest.code == 0 and "Edition 2023: 1 countries" in latest.stdout  # was v2, the order of text
    res = cli("who-list", "list", "--edition", "1999", *fresh_db.db)  # was "Edition 1999: 0 countries", exit 0
    assert res.code == 1 and "No edition '1999' of the WHO safeguards list is loaded; loaded: v2, 2023." in res.stderr
    assert "NGA Nigeria" in cli("who-list", "list", "--edition", "v2", *fresh_db.db).stdout


def test_who_list_import_a_folder(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> None:
    res = cli("who-list", "import", tmp_path, "--edition", "2023", "--source", "test", *fresh_db.db)
    assert res.code == 2 and "this is a folder, not a file" in res.stderr
