"""Edits at the same moment, on real engines (a SQLite file and PostgreSQL), through :meth:`Atlas.edit`.

An edit without an expected version applies its changes to the latest version of the record: parallel edits all
succeed, each checked against (and recorded in the history as changing) what the others saved before it. An edit
with an expected version is refused when the record changed meanwhile. An upsert import and an edit wait for each
other instead of failing.

Some tests make one edit (or the import) pause between reading the record and writing it, and start another edit
in that pause, which may wait for the pause to end (a lock: the fixed behaviour) or not (no lock: the lost update
or conflict these tests guard against); the pause ends after ``PAUSE`` seconds either way.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas import record as rec
from smpatlas.atlas import Atlas
from smpatlas.errors import ConflictError, SmpAtlasError, ValidationFailed
from smpatlas.io.importer import import_files
from smpatlas.store import repository as repo
from tests.conftest import minimal, write_jsonl

RID = "xx-yy-test"
PAUSE = 0.5  # how long a paused edit gives the one made meanwhile (seconds)
JOIN = 60.0  # a thread still running after this is a hang: the test fails instead of waiting for ever


def _setup(engine: Engine, **fields: Any) -> Atlas:
    with engine.begin() as conn:
        repo.write(conn, [rec.normalise(minimal(RID, **fields))[0]], mode="insert", change=repo.Change(user="setup"))
    return Atlas(engine, user="tester")  # not closed: closing would dispose the fixture's engine


def _run(jobs: dict[str, Callable[[], Any]], results: dict[str, str]) -> None:
    """Run each job in its own thread (named by its key); ``results[key]``: "saved" or the error's class name."""
    barrier = threading.Barrier(len(jobs))

    def run(name: str, job: Callable[[], Any]) -> None:
        barrier.wait(timeout=JOIN)
        try:
            job()
            results[name] = "saved"
        except SmpAtlasError as exc:
            results[name] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(n, j), name=n) for n, j in jobs.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=JOIN)
    assert not any(t.is_alive() for t in threads), "an edit hangs"


class Paused:
    """``module.name`` made to pause once, after it ran, in the thread named ``thread`` (and called from a function
    named ``caller``, if given): it runs ``meanwhile`` in another thread and gives it ``PAUSE`` seconds to finish
    (still running: it waits for the paused one, a lock)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: Any, name: str, thread: str,
                 meanwhile: Callable[[], Any], *, caller: str | None = None) -> None:
        self.outcome: str | None = None  # of meanwhile: "saved" or the error's class name
        self.other: threading.Thread | None = None
        real = getattr(module, name)

        def paused(*args: Any, **kw: Any) -> Any:
            out = real(*args, **kw)
            if (threading.current_thread().name == thread and self.other is None
                    and (caller is None or sys._getframe(1).f_code.co_name == caller)):
                self.other = threading.Thread(target=self._run, args=(meanwhile,), name="meanwhile")
                self.other.start()
                self.other.join(timeout=PAUSE)
            return out

        monkeypatch.setattr(module, name, paused)

    def _run(self, meanwhile: Callable[[], Any]) -> None:
        try:
            meanwhile()
            self.outcome = "saved"
        except SmpAtlasError as exc:
            self.outcome = type(exc).__name__

    def finish(self) -> str | None:
        """The outcome of ``meanwhile``, once it ended."""
        assert self.other is not None, "the pause never happened"
        self.other.join(timeout=JOIN)
        assert not self.other.is_alive(), "the edit made meanwhile hangs"
        return self.outcome


def _updates(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [e for e in repo.history_of(conn, RID) if e["action"] == "update"]


# Eight fields, each set by one of eight parallel edits; none depends on another.
FIELDS: dict[str, Any] = {
    "acronym": "ACR", "summary": "A summary", "budget_eur": 1000, "notes": "a note", "coder": "anna",
    "planned_participants": 100, "duration_months_min": 6, "agreement_public": True,
}


def test_parallel_edits_of_different_fields_without_a_version_all_apply(engine: Engine,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """QA's eight parallel ``smpatlas edit ID --set …`` without ``--expected-version``: none fails, none is lost."""
    atlas = _setup(engine)
    # each edit takes a little while between reading the record and writing it (as a busy server would)
    real = rec.normalise
    monkeypatch.setattr(rec, "normalise", lambda *a, **k: (time.sleep(0.03), real(*a, **k))[1])
    results: dict[str, str] = {}
    _run({name: (lambda n=name, v=value: atlas.edit(RID, {n: v}, user=f"user-{n}")) for name, value in FIELDS.items()},
         results)
    assert results == dict.fromkeys(FIELDS, "saved")
    saved = atlas.get(RID)
    assert {k: saved.get(k) for k in FIELDS} == FIELDS  # every edit is in the record
    with engine.connect() as conn:
        assert repo.get_meta(conn, RID)["version"] == 1 + len(FIELDS)  # type: ignore[index]
    updates = _updates(engine)
    # one version per edit, each changing only its own field, from nothing to its value
    assert sorted(e["version"] for e in updates) == list(range(2, 2 + len(FIELDS)))
    assert sorted((e["field"], e["old_value"], e["new_value"], e["user_name"]) for e in updates) == \
        sorted((n, None, v, f"user-{n}") for n, v in FIELDS.items())


def test_parallel_edits_of_one_field_make_an_unbroken_history(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight people set the notes at once: all are saved one after the other, each entry's old value being the
    value saved before it."""
    atlas = _setup(engine, notes="first")
    real = rec.normalise
    monkeypatch.setattr(rec, "normalise", lambda *a, **k: (time.sleep(0.03), real(*a, **k))[1])
    results: dict[str, str] = {}
    notes = [f"note {i}" for i in range(8)]
    _run({n: (lambda n=n: atlas.edit(RID, {"notes": n})) for n in notes}, results)
    assert results == dict.fromkeys(notes, "saved")
    updates = _updates(engine)
    assert [e["version"] for e in updates] == list(range(2, 10))
    assert [e["field"] for e in updates] == ["notes"] * 8
    assert sorted(e["new_value"] for e in updates) == notes
    assert [e["old_value"] for e in updates] == ["first"] + [e["new_value"] for e in updates[:-1]]
    assert atlas.get(RID)["notes"] == updates[-1]["new_value"]


def test_an_edit_is_checked_against_the_version_it_is_applied_to(engine: Engine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules across fields see the other edit's values: one sets end_year 2018 (fine with start_year 2015), the
    other start_year 2020 (fine without an end year), together they are not; the second one is refused."""
    atlas = _setup(engine, start_year=2015)
    paused = Paused(monkeypatch, rec, "normalise", "first",
                    lambda: atlas.edit(RID, {"start_year": 2020}, user="ben"))
    results: dict[str, str] = {}
    _run({"first": lambda: atlas.edit(RID, {"end_year": 2018}, user="anna")}, results)
    # the edit made meanwhile waited for the first, then met its end year
    assert results == {"first": "saved"} and paused.finish() == "ValidationFailed"
    saved = atlas.get(RID)
    assert (saved["start_year"], saved.get("end_year")) == (2015, 2018)
    assert [(e["field"], e["old_value"], e["new_value"], e["user_name"]) for e in _updates(engine)] == \
        [("end_year", None, 2018, "anna")]
    with pytest.raises(ValidationFailed):  # the same as when they are made one after the other
        atlas.edit(RID, {"start_year": 2020})


def test_an_edit_made_meanwhile_is_not_undone(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edit that read the record first saves its change on top of the one saved meanwhile, not over it."""
    atlas = _setup(engine, status="ongoing")
    paused = Paused(monkeypatch, rec, "normalise", "first",
                    lambda: atlas.edit(RID, {"status": "completed"}, user="ben"))
    results: dict[str, str] = {}
    _run({"first": lambda: atlas.edit(RID, {"notes": "checked"}, user="anna")}, results)
    assert results == {"first": "saved"} and paused.finish() == "saved"
    saved = atlas.get(RID)
    assert (saved["status"], saved["notes"]) == ("completed", "checked")
    assert sorted((e["field"], e["old_value"], e["new_value"], e["user_name"]) for e in _updates(engine)) == \
        [("notes", None, "checked", "anna"), ("status", "ongoing", "completed", "ben")]


def test_an_edit_with_a_stale_version_is_refused_and_nothing_is_lost(engine: Engine,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Both read version 1; the one that names it (the web edit form) while the other is being saved is refused,
    with what changed; the other is saved."""
    atlas = _setup(engine, status="ongoing")
    paused = Paused(monkeypatch, rec, "normalise", "first",
                    lambda: atlas.edit(RID, {"status": "completed"}, expected_version=1, user="ben"))
    results: dict[str, str] = {}
    _run({"first": lambda: atlas.edit(RID, {"notes": "checked"}, user="anna")}, results)
    assert results == {"first": "saved"} and paused.finish() == "ConflictError"
    saved = atlas.get(RID)
    assert (saved["status"], saved["notes"]) == ("ongoing", "checked")
    with pytest.raises(ConflictError, match="is at version 2, not 1: notes changed meanwhile"):
        atlas.edit(RID, {"status": "completed"}, expected_version=1)
    # parallel edits without a version still all apply next to a stale one, which is refused
    results.clear()
    _run({"stale": lambda: atlas.edit(RID, {"status": "completed"}, expected_version=1),
          **{f"n{i}": (lambda i=i: atlas.edit(RID, {"coder": f"coder {i}"})) for i in range(4)}}, results)
    assert results == {"stale": "ConflictError", **dict.fromkeys((f"n{i}" for i in range(4)), "saved")}
    assert atlas.get(RID)["status"] == "ongoing"
    assert [e["field"] for e in _updates(engine)] == ["notes"] + ["coder"] * 4


def test_an_upsert_import_and_an_edit_made_while_it_runs_both_succeed(engine: Engine, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit saved while an upsert import is between reading the records it updates and updating them: the
    import does not fail with a conflict; the edit waits for it and is applied on top."""
    atlas = _setup(engine, status="ongoing")
    path = write_jsonl(tmp_path / "upsert.jsonl", [minimal(RID, status="completed"), minimal("xx-yy-new")])
    paused = Paused(monkeypatch, repo, "_load", "importer",  # the records repository.write updates
                    lambda: atlas.edit(RID, {"notes": "edited while importing"}, user="ben"), caller="write")
    reports: list[Any] = []
    results: dict[str, str] = {}
    _run({"importer": lambda: reports.append(import_files(engine, [path], mode="upsert", user="bulk"))}, results)
    assert results == {"importer": "saved"} and paused.finish() == "saved"
    assert reports[0].valid and reports[0].written, reports[0].to_text()
    assert (reports[0].inserted, reports[0].updated) == (1, 1)
    saved = atlas.get(RID)
    assert (saved["status"], saved["notes"]) == ("completed", "edited while importing")
    assert [(e["version"], e["field"], e["old_value"], e["new_value"], e["user_name"]) for e in _updates(engine)] == \
        [(2, "status", "ongoing", "completed", "bulk"), (3, "notes", None, "edited while importing", "ben")]


def test_an_upsert_import_while_parallel_edits_run_succeeds(engine: Engine, tmp_path: Path) -> None:
    """An upsert import (from a file without some fields, among them the one edited) of the record four people are
    editing at once: nothing fails, and the import does not undo an edit with the value it read before it."""
    atlas = _setup(engine, status="ongoing")
    path = write_jsonl(tmp_path / "upsert.jsonl", [minimal(RID, status="completed", coder="bulk"),
                                                    *(minimal(f"xx-yy-new-{i}") for i in range(50))])
    reports: list[Any] = []
    results: dict[str, str] = {}
    _run({"importer": lambda: reports.append(import_files(engine, [path], mode="upsert", user="bulk")),
          **{f"e{i}": (lambda i=i: atlas.edit(RID, {"notes": f"note {i}"})) for i in range(4)}}, results)
    assert results == dict.fromkeys(["importer", "e0", "e1", "e2", "e3"], "saved")
    assert reports[0].valid and reports[0].written and reports[0].updated == 1, reports[0].to_text()
    saved = atlas.get(RID)
    assert (saved["status"], saved["coder"]) == ("completed", "bulk")
    updates = _updates(engine)  # the import's (status and coder, one version) and the four edits'
    assert sorted(e["field"] for e in updates) == ["coder", "notes", "notes", "notes", "notes", "status"]
    assert sorted({e["version"] for e in updates}) == [2, 3, 4, 5, 6]
    notes = [e for e in updates if e["field"] == "notes"]  # no edit undone: each starts from the one before
    assert [e["old_value"] for e in notes] == [None] + [e["new_value"] for e in notes[:-1]]
    assert saved["notes"] == notes[-1]["new_value"]
