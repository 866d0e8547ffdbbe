"""Writes through the Python API are all or nothing: an edit, delete or import that fails — refused, or stopped by an
error half-way through its writes — leaves the inventory exactly as it was (the SQLite file's bytes; every row on
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas import Atlas, ConflictError, NotFound, ValidationFailed
from smpatlas.store import repository as repo
from tests.conftest import minimal, snapshot, write_jsonl

RID = "de-ph-triple-win"


class Crash(Exception):
    """Stands for anything that stops a write half-way (a full disk, a lost connection)."""


def _crash_after(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make ``repository.NAME`` do its writes, then fail."""
    original = getattr(repo, name)

    def crashing(*args: Any, **kw: Any) -> Any:
        original(*args, **kw)
        raise Crash(name)

    monkeypatch.setattr(repo, name, crashing)


def _edit_crashing(atlas: Atlas, monkeypatch: pytest.MonkeyPatch) -> None:
    _crash_after(monkeypatch, "_update")
    atlas.edit(RID, {"status": "completed"})


def _delete_crashing(atlas: Atlas, monkeypatch: pytest.MonkeyPatch) -> None:
    _crash_after(monkeypatch, "delete_ids")
    atlas.delete(RID)


# (what fails, the error)
EDITS: list[tuple[str, Callable[[Atlas, pytest.MonkeyPatch], Any], type[Exception]]] = [
    ("a value that does not validate", lambda a, m: a.edit(RID, {"status": "completed", "start_year": "soon"}),
     ValidationFailed),
    ("an unknown field", lambda a, m: a.edit(RID, {"status": "completed", "colour": "red"}), ValidationFailed),
    ("a changed id", lambda a, m: a.edit(RID, {"id": "de-ph-other", "status": "completed"}), ValidationFailed),
    ("a version it never had", lambda a, m: a.edit(RID, {"status": "completed"}, expected_version=7), ConflictError),
    ("an unknown id", lambda a, m: a.edit("de-ph-nope", {"status": "completed"}), NotFound),
    ("a crash after the update", _edit_crashing, Crash),
    ("delete: an unknown id", lambda a, m: a.delete("de-ph-nope"), NotFound),
    ("delete: a crash after the delete", _delete_crashing, Crash),
]


@pytest.mark.parametrize(("fail", "error"), [pytest.param(f, e, id=i) for i, f, e in EDITS])
def test_a_failed_edit_or_delete_changes_nothing(sample_engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                 fail: Callable[[Atlas, pytest.MonkeyPatch], Any],
                                                 error: type[Exception]) -> None:
    atlas = Atlas(sample_engine, user="anna")
    before = snapshot(sample_engine)
    with pytest.raises(error):
        fail(atlas, monkeypatch)
    monkeypatch.undo()
    assert snapshot(sample_engine) == before
    assert atlas.get(RID)["status"] == "ongoing" and len(atlas.history(RID)) == 1


def _files(folder: Path, *records: dict[str, Any]) -> Path:
    return write_jsonl(folder / "new.jsonl", list(records))


# (what fails, the import call); {folder} holds new.jsonl with a new record
IMPORTS: list[tuple[str, Callable[[Atlas, Path, pytest.MonkeyPatch], Any]]] = [
    ("an id that exists", lambda a, t, m: a.import_files([_files(t, minimal("xx-yy-new"), minimal(RID))])),
    ("one row that does not validate", lambda a, t, m: a.import_files(
        [_files(t, minimal("xx-yy-new"), minimal("xx-yy-bad", status="finished"))])),
    ("a file that is not there", lambda a, t, m: a.import_files([_files(t, minimal("xx-yy-new")), t / "gone.csv"])),
    ("replace with a bad row", lambda a, t, m: a.import_files(
        [_files(t, minimal("xx-yy-new"), minimal("xx-yy-bad", start_year="soon"))], mode="replace")),
    ("upsert with a bad row", lambda a, t, m: a.import_files(
        [_files(t, minimal(RID, status="completed"), minimal("xx-yy-bad", status="finished"))], mode="upsert")),
]


@pytest.mark.parametrize("fail", [pytest.param(f, id=i) for i, f in IMPORTS])
def test_a_refused_import_changes_nothing(sample_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          fail: Callable[[Atlas, Path, pytest.MonkeyPatch], Any]) -> None:
    atlas = Atlas(sample_engine, user="anna")
    before = snapshot(sample_engine)
    report = fail(atlas, tmp_path, monkeypatch)
    assert not report.valid and not report.written
    assert report.inserted == report.updated == report.deleted == 0
    assert snapshot(sample_engine) == before


@pytest.mark.parametrize("mode", ["insert", "upsert", "replace"])
def test_an_import_that_crashes_after_writing_changes_nothing(sample_engine: Engine, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    atlas = Atlas(sample_engine, user="anna")
    records = [minimal("xx-yy-new")] + ([atlas.get(RID)] if mode != "insert" else [])
    before = snapshot(sample_engine)
    _crash_after(monkeypatch, "delete_ids" if mode == "replace" else "write")
    with pytest.raises(Crash):
        atlas.import_files([_files(tmp_path, *records)], mode=mode)
    monkeypatch.undo()
    assert snapshot(sample_engine) == before


def test_the_same_import_then_succeeds(sample_engine: Engine, tmp_path: Path) -> None:
    atlas = Atlas(sample_engine, user="anna")
    n = atlas.count()
    report = atlas.import_files([_files(tmp_path, minimal("xx-yy-new"))])
    assert report.valid and report.written and atlas.count() == n + 1
    assert atlas.history("xx-yy-new")[0]["user_name"] == "anna"

