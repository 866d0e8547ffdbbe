"""The command line, end to end, on real SQLite files and PostgreSQL databases."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smpatlas.cli.app import app
from tests.cli.conftest import ENGINES, Inventory
from tests.conftest import BUNDLED, Result, minimal, write_jsonl

Cli = Callable[..., Result]


def _commands() -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [(c.name or c.callback.__name__,) for c in app.registered_commands]  # type: ignore[union-attr]
    for group in app.registered_groups:
        out += [(group.name or "", c.name or "") for c in group.typer_instance.registered_commands]  # type: ignore[union-attr]
    return out


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(cli: Cli, command: tuple[str, ...]) -> None:
    res = cli(*command, "--help")
    assert res.code == 0
    assert "Example" in res.stdout, f"{' '.join(command)} --help has no example"


def test_demo_list_show(cli: Cli, fresh_db: Inventory) -> None:
    db = fresh_db.url
    res = cli("demo", "--db", db)
    assert res.code == 0, res.stderr
    n = len(BUNDLED.read_text("utf-8").splitlines())
    assert f"{n} partnerships" in res.stdout and "countries involved" in res.stdout
    assert cli("demo", "--db", db).code == 0  # running it again is fine
    listed = cli("list", "--db", db, "--destination", "Germany", "--format", "json").json()
    assert listed and all("DEU" in r["destination_countries"] for r in listed)
    show = cli("show", "de-ph-triple-win", "--db", db)
    assert show.code == 0 and "Philippines (PHL)" in show.stdout and "— (not coded)" in show.stdout
    assert "giz.de" in show.stdout and "create" in show.stdout


@pytest.mark.db_via_env
def test_import_edit_history_delete(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> None:
    db = fresh_db.db  # () here: the inventory is in SMPATLAS_DATABASE_URL
    src = write_jsonl(tmp_path / "in.jsonl", [minimal("aa-bb-one"), minimal("aa-bb-two")])
    res = cli("import", src, *db, "--user", "anna")
    assert res.code == 0 and "2 were inserted" in res.stdout
    again = cli("import", src, *db)
    assert again.code == 2 and "already in the inventory" in again.stderr and "--mode upsert" in again.stderr
    res = cli("edit", "aa-bb-one", "--set", "mobility_types=circular; long term", "--set", "status=completed",
              *db, "--user", "ben")
    assert res.code == 0 and "version 2" in res.stdout
    hist = cli("show", "aa-bb-one", *db, "--format", "json").json()
    assert hist["version"] == 2
    changes = {(h["field"], h["user_name"]) for h in hist["history"] if h["action"] == "update"}
    assert changes == {("mobility_types", "ben"), ("status", "ben")}
    bad = cli("edit", "aa-bb-one", "--set", "status=finished", *db)
    assert (bad.code == 2 and "did you mean" in bad.stderr.lower()) or "allowed" in bad.stderr
    stale = cli("edit", "aa-bb-one", "--set", "status=planned", "--expected-version", "1", *db)
    assert stale.code == 1 and "changed meanwhile" in stale.stderr
    assert cli("delete", "aa-bb-two", "--yes", *db).code == 0
    assert cli("show", "aa-bb-two", *db).code == 1
    assert [r["id"] for r in cli("list", *db, "--format", "json").json()] == ["aa-bb-one"]


def test_upsert_and_replace_modes(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> None:
    db = fresh_db.db
    cli("import", write_jsonl(tmp_path / "1.jsonl", [minimal("aa-one"), minimal("aa-two")]), *db)
    res = cli("import", write_jsonl(tmp_path / "2.jsonl", [minimal("aa-one", status="completed"),
                                                           minimal("aa-three")]), *db, "--mode", "upsert")
    assert "1 was inserted, 1 updated, 0 unchanged" in res.stdout
    res = cli("import", write_jsonl(tmp_path / "3.jsonl", [minimal("aa-one", status="completed")]), *db,
              "--mode", "replace")
    assert "0 were inserted, 0 updated, 1 unchanged, 2 deleted" in res.stdout
    assert "deleted: aa-three, aa-two" in res.stdout
    before = fresh_db.snapshot()
    dry = cli("import", write_jsonl(tmp_path / "4.jsonl", [minimal("aa-new")]), *db, "--dry-run")
    assert dry.code == 0 and "would be inserted" in dry.stdout
    assert fresh_db.snapshot() == before
    assert [r["id"] for r in cli("list", *db, "--format", "json").json()] == ["aa-one"]


def test_validate_is_import_dry_run_with_the_same_default_mode(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "one.jsonl", [minimal("aa-bb-one")])
    assert cli("import", src, *fresh_db.db).code == 0
    for args in (("validate", src), ("import", src, "--dry-run")):
        res = cli(*args, *fresh_db.db)
        assert res.code == 2 and "already in the inventory" in res.stderr, (args, res)
    assert cli("validate", src, *fresh_db.db, "--mode", "upsert").code == 0

@pytest.mark.db_via_env
def test_validate_reports_json(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,partnership_type,origin,destination,start_year,status\n"
                   "x-1,X,pilot,Narnia,DEU,2020,ongoing\n", "utf-8")
    res = cli("validate", bad, *fresh_db.db, "--report-format", "json")
    assert res.code == 2
    report = res.json()
    assert report["valid"] is False
    assert {(p["row"], p["column"]) for p in report["problems"]} == {(2, "partnership_type"), (2, "origin")}


def test_export_formats_from_the_cli(cli: Cli, demo_db: Inventory, tmp_path: Path) -> None:
    for fmt, name in [("csv", "o.csv"), ("xlsx", "o.xlsx"), ("jsonl", "o.jsonl"), ("datapackage", "pkg")]:
        res = cli("export", *demo_db.db, "--format", fmt, "--out", tmp_path / name, "--destination", "DEU")
        assert res.code == 0, res.stderr
    pkg = json.loads((tmp_path / "pkg" / "datapackage.json").read_text())
    assert pkg["resources"][0]["schema"]["primaryKey"] == ["id"]
    exported = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text("utf-8").splitlines()]
    assert exported and all("DEU" in r["destination_countries"] for r in exported)


def test_codebook_command_and_check(cli: Cli, tmp_path: Path) -> None:
    md = cli("codebook")
    assert md.code == 0 and "| `origin_countries` |" in md.stdout
    assert json.loads(cli("codebook", "--format", "json").stdout)["fields"]
    stale = tmp_path / "c.md"
    stale.write_text("old")
    assert cli("codebook", "--check", stale).code == 1


def _error_cases() -> list[Any]:
    both = [
        (("list", "--db", "{blank}"), "No SMP Atlas inventory"),
        (("show", "nope", "--db", "{demo}"), "No partnership with id 'nope'"),
        (("export", "--out", "{tmp}/no/such/dir/x.csv", "--db", "{demo}"), "does not exist"),
        (("list", "--db", "{demo}", "--sort", "colour"), "Cannot sort by"),
        # Years no database stores (were an internal error: "Python int too large to convert to SQLite INTEGER").
        (("list", "--db", "{demo}", "--year-from", "99999999999999999999"), "--year-from 99999999999999999999 is "
                                                                             "not a year"),
        (("shortages", "list", "--db", "{demo}", "--year", "99999999999999999999"), "--year 99999999999999999999 "
                                                                                     "is not a year"),
    ]
    sqlite_only = [  # nothing to do with the engine: the same on PostgreSQL
        (("list", "--db", "{tmp}/x.db", "--skill-level", "hgh"), "did you mean 'high'?"),
        (("import", "{tmp}/nothing.csv", "--db", "{tmp}/y.db"), "file not found"),
        (("list", "--db", "{demo}", "--year-from", "2025", "--year-to", "2020"), "before --year-from"),
        (("rubric", "--rubric", "{tmp}/x.db"), "missing 'parties' (needs version, parties and dimensions)"),
        (("rubric", "--rubric", "{tmp}/binary.toml"), "is not a UTF-8 text file"),  # was an internal error
    ]
    postgresql_only = [
        (("list", "--db", "{no_such_database}"), 'database "no_such_database" does not exist'),
        (("list", "--db", "postgresql+psycopg://atlas@127.0.0.1:1/atlas"), "Connection refused"),  # no server
    ]
    cases = [(b, args, msg) for args, msg in both for b in ENGINES]
    cases += [("sqlite", args, msg) for args, msg in sqlite_only]
    cases += [("postgresql", args, msg) for args, msg in postgresql_only]
    return [pytest.param(b, args, msg, id=f"{b}-{args[0]}-{msg}") for b, args, msg in cases]


@pytest.mark.parametrize(("backend", "args", "message"), _error_cases(), indirect=["backend"])
def test_user_errors_are_one_clear_message(cli: Cli, request: pytest.FixtureRequest, backend: str, tmp_path: Path,
                                           args: tuple[str, ...], message: str) -> None:
    (tmp_path / "x.db").touch()
    (tmp_path / "binary.toml").write_bytes(b"SQLite format 3\x00\xfb\xfc")
    where = {"tmp": tmp_path}
    if "{demo}" in args:
        where["demo"] = request.getfixturevalue("demo_db").url
    if "{blank}" in args:
        where["blank"] = request.getfixturevalue("blank_db").url
    if "{no_such_database}" in args:
        where["no_such_database"] = request.getfixturevalue("pg_server").url("no_such_database")
    res = cli(*[a.format(**where) for a in args])
    assert res.code in (1, 2)
    assert message in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_locked_inventory_is_one_clear_message(cli: Cli, demo_db: Inventory, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program holds the SQLite write lock (a long import): edit, delete and import say the inventory
    is busy, exit 1 without a traceback, and leave it as it was."""
    import sqlite3

    monkeypatch.setenv("SMPATLAS_BUSY_TIMEOUT", "0.2")
    rid = cli("list", *demo_db.db, "--format", "json").json()[0]["id"]
    before = demo_db.snapshot()
    other = sqlite3.connect(demo_db.url, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        for args in (("edit", rid, "--set", "status=completed"), ("delete", rid, "--yes"),
                     ("import", str(write_jsonl(tmp_path / "new.jsonl", [minimal("aa-bb-new")])))):
            res = cli(*args, *demo_db.db)
            assert res.code == 1, (args, res)
            assert "is busy: another program" in res.stderr and "SMPATLAS_BUSY_TIMEOUT" in res.stderr, res.stderr
            assert "Traceback" not in res.stderr and "Internal error" not in res.stderr
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert demo_db.snapshot() == before


def test_console_script_runs(tmp_path: Path) -> None:
    """The installed entry point works as a subprocess (no traceback on error)."""
    res = subprocess.run([sys.executable, "-m", "smpatlas", "show", "x", "--db", str(tmp_path / "none.db")],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "Traceback" not in res.stderr and "No SMP Atlas inventory" in res.stderr


def test_demo_again_after_deleting_a_bundled_record_starts_afresh(cli: Cli, tmp_path: Path) -> None:
    """Ids are never reused, so demo cannot restore a deleted bundled record in place: it makes the file afresh."""
    db = str(tmp_path / "demo.db")
    assert cli("demo", "--db", db).code == 0
    assert cli("delete", "de-ph-triple-win", "--yes", "--db", db).code == 0
    again = cli("demo", "--db", db)
    assert again.code == 0, again.stderr
    assert cli("show", "de-ph-triple-win", "--db", db).code == 0


def test_demo_refuses_an_inventory_it_did_not_make(cli: Cli, tmp_path: Path) -> None:
    db = str(tmp_path / "mine.db")
    assert cli("import", write_jsonl(tmp_path / "mine.jsonl", [minimal("aa-bb-mine")]), "--db", db).code == 0
    res = cli("demo", "--db", db)
    assert res.code == 1 and "did not make" in res.stderr
    assert [r["id"] for r in cli("list", "--db", db, "--format", "json").json()] == ["aa-bb-mine"]
