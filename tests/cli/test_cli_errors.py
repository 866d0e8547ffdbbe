"""Bad input on the command line gets one clear message (never "Internal error"), and nothing is half-written.

Covers: a --db that is not an inventory (left untouched), export destinations of the wrong kind, exports that
fail part-way (no partial file, no stray tracebacks), ``--out -`` for standard output, and edits that change
nothing or name unknown fields.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smpatlas.errors import ConfigError
from smpatlas.io.exporter import XLSX_CELL_LIMIT, export
from tests.cli.conftest import Inventory
from tests.conftest import Result, minimal

Cli = Callable[..., Result]
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _text(d: Path) -> Path:
    (d / "notdb.db").write_text("hello\n", "utf-8")
    return d / "notdb.db"


def _xlsx(d: Path) -> Path:
    from openpyxl import Workbook

    Workbook().save(d / "partnerships.xlsx")
    return d / "partnerships.xlsx"


def _folder(d: Path) -> Path:
    (d / "somefolder").mkdir()
    return d / "somefolder"


@pytest.mark.parametrize(("build", "words"), [
    (_text, ("'notdb.db' is not an SMP Atlas inventory (not a SQLite database file)", "left untouched")),
    (_xlsx, ("is not an SMP Atlas inventory", "smpatlas import FILE")),
    (_folder, ("is a folder, not an SMP Atlas inventory",)),
], ids=["text", "xlsx", "folder"])
@pytest.mark.parametrize("command", [("list",), ("export", "--out", "x.csv"), ("import", "in.jsonl"),
                                     ("edit", "xx", "--set", "status=ongoing")], ids=" ".join)
def test_db_that_is_not_an_inventory(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     build: Callable[[Path], Path], words: tuple[str, ...],
                                     command: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMPATLAS_DATABASE_URL", raising=False)
    (tmp_path / "in.jsonl").write_text('{"id": "xx"}\n', "utf-8")
    db = build(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    content = db.read_bytes() if db.is_file() else None
    res = cli(*command, "--db", db.name)
    assert res.code == 1, res.stderr
    assert "Internal error" not in res.stderr
    for w in words:
        assert w in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no -wal, -shm or export file
    if content is not None:
        assert db.read_bytes() == content


@SQLITE_ONLY
@pytest.mark.parametrize(("fmt", "make", "code", "words"), [
    ("csv", "folder", 1, ("is a folder; csv is written to one file", "give a file name")),
    ("xlsx", "folder", 1, ("is a folder; xlsx is written to one file",)),
    ("datapackage", "folder", 0, ()),
    ("datapackage", "file", 1, ("is a file, but a data package is a folder",)),
    ("csv", "missing-parent", 1, ("does not exist",)),
])
def test_export_destination_of_the_wrong_kind(cli: Cli, demo_db: Inventory, tmp_path: Path, fmt: str, make: str,
                                              code: int, words: tuple[str, ...]) -> None:
    out = tmp_path / "full"
    if make == "folder":
        out.mkdir()
    elif make == "file":
        out.write_text("keep me", "utf-8")
    else:
        out = tmp_path / "nowhere" / "x.csv"
    res = cli("export", "--format", fmt, "--out", str(out), *demo_db.db)
    assert res.code == code, res.stderr
    assert "Internal error" not in res.stderr
    for w in words:
        assert w in res.stderr
    if make == "file":
        assert out.read_text("utf-8") == "keep me"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@SQLITE_ONLY
def test_export_to_standard_output(cli: Cli, demo_db: Inventory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   fmt: str) -> None:
    monkeypatch.chdir(tmp_path)
    res = cli("export", "--format", fmt, "--out", "-", "--destination", "DEU", *demo_db.db)
    assert res.code == 0, res.stderr
    assert "de-ph-triple-win" in res.stdout
    assert "to standard output" in res.stderr
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "datapackage"])
@SQLITE_ONLY
def test_export_to_standard_output_refused(cli: Cli, demo_db: Inventory, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.chdir(tmp_path)
    res = cli("export", "--format", fmt, "--out", "-", *demo_db.db)
    assert res.code == 1
    assert "cannot be written to standard output" in res.stderr and "Internal error" not in res.stderr
    assert not (tmp_path / "-").exists()


def _records_then_failure(records: list[dict[str, Any]]) -> Any:
    yield from records
    raise ConfigError("the database went away")


@pytest.mark.parametrize(("fmt", "failure"), [
    ("xlsx", "overlong-cell"),  # Excel refuses cells over 32,767 characters, found only once rows were written
    *((fmt, "source-fails") for fmt in ("csv", "xlsx", "jsonl", "json", "datapackage")),
])
def test_failed_export_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str,
                                                   failure: str) -> None:
    """The destination keeps what it had; no temporary file stays; openpyxl complains of nothing afterwards."""
    unraisable: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    out = tmp_path / ("pkg" if fmt == "datapackage" else f"old.{fmt}")
    if fmt == "datapackage":
        out.mkdir()
        (out / "partnerships.csv").write_text("old", "utf-8")
    else:
        out.write_text("old", "utf-8")
    records = [minimal("xx-one"), minimal("xx-two")]
    if failure == "overlong-cell":
        records.append(minimal("xx-long", name="x" * (XLSX_CELL_LIMIT + 1)))
        source: Any = iter(records)
    else:
        source = _records_then_failure(records)
    with pytest.raises(ConfigError):
        export(source, fmt, out)
    gc.collect()
    assert unraisable == []
    if fmt == "datapackage":
        assert sorted(p.name for p in out.iterdir()) == ["partnerships.csv"]
        assert (out / "partnerships.csv").read_text("utf-8") == "old"
    else:
        assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
        assert out.read_text("utf-8") == "old"


def test_failed_datapackage_export_removes_the_folder_it_made(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        export(_records_then_failure([minimal("xx-one")]), "datapackage", tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


@SQLITE_ONLY
@pytest.mark.parametrize(("args", "code", "words"), [
    (("--set", "status=ongoing"), 0, ("No change: de-ph-triple-win is already so (version 1).",)),
    (("--set", "status=completed"), 0, ("Saved de-ph-triple-win (now version 2).",)),
    (("--set", "colour=red"), 2, ("unknown field 'colour'", "nothing was written")),
    (("--set", "stauts=completed"), 2, ("unknown field 'stauts'", "did you mean 'status'?")),
    (("--clear", "budjet_eur"), 2, ("unknown field 'budjet_eur'", "did you mean 'budget_eur'?")),
])
def test_edit_messages(cli: Cli, demo_db: Inventory, args: tuple[str, ...], code: int,
                       words: tuple[str, ...]) -> None:
    before = demo_db.snapshot() if code else None
    res = cli("edit", "de-ph-triple-win", *args, *demo_db.db)
    assert res.code == code, res.stdout + res.stderr
    for w in words:
        assert w in res.stdout + res.stderr
    if before is not None:
        assert demo_db.snapshot() == before


@pytest.mark.parametrize(("args", "says"), [
    ((), "The inventory holds no partnerships yet: there is nothing to chart. Import some first"),
    (("--destination", "DEU"), "No partnerships match these filters: there is nothing to chart."),
])
def test_chart_of_nothing_says_why(cli: Cli, tmp_path: Path, args: tuple[str, ...], says: str) -> None:
    db = tmp_path / "empty.db"
    assert cli("init", "--db", db).code == 0
    res = cli("chart", "skill_levels", "--out", tmp_path / "c.svg", "--db", db, *args)
    assert res.code == 1 and says in res.stderr
    assert not (tmp_path / "c.svg").exists()
