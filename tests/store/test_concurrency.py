"""Concurrency on real connections: no lost updates; imports do not block readers; all or nothing."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from smpatlas.errors import ConflictError, SmpAtlasError
from smpatlas.io.importer import import_files
from smpatlas.record import normalise
from smpatlas.store import repository as repo
from tests.conftest import minimal, write_jsonl
from tests.pgserver import PgServer


def test_two_editors_one_wins_the_other_gets_a_conflict(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.write(conn, [normalise(minimal(status="planned"))[0]], mode="insert", change=repo.Change(user="setup"))
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def edit(user: str, status: str) -> None:
        record = normalise(minimal(status=status))[0]
        try:
            with engine.begin() as conn:
                barrier.wait(timeout=10)  # both transactions are open before either writes
                repo.replace_one(conn, record, expected_version=1, change=repo.Change(user=user))
                time.sleep(0.2)  # hold the transaction open while the other tries
            results[user] = "saved"
        except ConflictError:
            results[user] = "conflict"

    threads = [threading.Thread(target=edit, args=(u, s)) for u, s in (("anna", "ongoing"), ("ben", "completed"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values()) == ["conflict", "saved"]
    winner = next(u for u, r in results.items() if r == "saved")
    with engine.connect() as conn:
        rec = repo.get(conn, "xx-yy-test")
        meta = repo.get_meta(conn, "xx-yy-test")
        hist = repo.history_of(conn, "xx-yy-test")
    assert rec is not None and meta is not None
    assert rec["status"] == {"anna": "ongoing", "ben": "completed"}[winner]
    assert meta["version"] == 2
    assert [h["user_name"] for h in hist if h["action"] == "update"] == [winner]


@pytest.mark.slow
def test_readers_are_not_blocked_by_a_long_import_which_stays_all_or_nothing(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as conn:
        repo.write(conn, [normalise(minimal("seed-1"))[0]], mode="insert", change=repo.Change(user="setup"))
    rows = [minimal(f"bulk-{i:05d}", sectors=["ict"], notes="x" * 200) for i in range(6000)]
    rows.append(minimal("bulk-bad", status="paused"))  # the last row is invalid: nothing may be written
    path = write_jsonl(tmp_path / "bulk.jsonl", rows)
    done = threading.Event()
    seen: list[int] = []
    read_times: list[float] = []

    def importer() -> None:
        try:
            import_files(engine, [path], user="bulk")
        finally:
            done.set()

    t = threading.Thread(target=importer)
    t.start()
    while not done.is_set():
        start = time.perf_counter()
        with engine.connect() as conn:
            seen.append(repo.count(conn))
        read_times.append(time.perf_counter() - start)
        time.sleep(0.02)
    t.join()
    assert len(seen) >= 3, "the import finished too quickly to observe readers"
    assert set(seen) == {1}  # readers never see a half-written import
    with engine.connect() as conn:
        assert repo.count(conn) == 1  # and nothing was written


def test_a_writer_kept_waiting_gets_a_clear_error_and_writes_nothing(db_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: another program holds the write lock past SMPATLAS_BUSY_TIMEOUT → Busy (a message for a person),
    not "database is locked"; the inventory is as it was, and the same write succeeds once the lock is gone."""
    import sqlite3

    import smpatlas
    from smpatlas.errors import Busy

    monkeypatch.setenv("SMPATLAS_BUSY_TIMEOUT", "0.2")
    atlas = smpatlas.open(db_path)
    atlas.import_files([write_jsonl(db_path.with_suffix(".jsonl"), [minimal("xx-yy-one"), minimal("xx-yy-two")])])
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a long import in another process
    try:
        attempts = [
            lambda: atlas.edit("xx-yy-one", {"status": "completed"}),
            lambda: atlas.delete("xx-yy-two"),
            lambda: atlas.import_files([write_jsonl(db_path.with_suffix(".new.jsonl"), [minimal("xx-yy-new")])]),
        ]
        for attempt in attempts:
            with pytest.raises(Busy, match=r"is busy: another program .* for more than 0\.2 s\. Nothing was written"):
                attempt()
    finally:
        other.execute("ROLLBACK")
        other.close()
    with atlas.engine.connect() as conn:
        assert sorted(repo.all_ids(conn)) == ["xx-yy-one", "xx-yy-two"]
        assert repo.get_meta(conn, "xx-yy-one")["version"] == 1  # type: ignore[index]
    atlas.delete("xx-yy-two")  # the lock is gone: the same write works
    with atlas.engine.connect() as conn:
        assert sorted(repo.all_ids(conn)) == ["xx-yy-one"]
    atlas.close()


@pytest.mark.parametrize("value", ["soon", "-1", "1e9"])
def test_a_bad_busy_timeout_is_a_clear_error(db_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from smpatlas.errors import ConfigError
    from smpatlas.store import database

    monkeypatch.setenv("SMPATLAS_BUSY_TIMEOUT", value)
    with pytest.raises(ConfigError, match=rf"SMPATLAS_BUSY_TIMEOUT='{re.escape(value)}' is not a number of seconds"):
        database.create(f"sqlite:///{db_path}")


def test_two_people_deleting_one_partnership_make_one_deletion(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.write(conn, [normalise(minimal())[0]], mode="insert", change=repo.Change(user="setup"))
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def remove(user: str) -> None:
        try:
            with engine.begin() as conn:
                barrier.wait(timeout=10)  # both transactions are open before either deletes
                repo.delete_ids(conn, ["xx-yy-test"], change=repo.Change(user=user))
                time.sleep(0.2)  # hold the transaction open while the other tries
            results[user] = "deleted"
        except SmpAtlasError as exc:
            results[user] = type(exc).__name__

    threads = [threading.Thread(target=remove, args=(u,)) for u in ("anna", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # PostgreSQL: the other waits for the lock, then finds nothing; SQLite: its DELETE waits, then deletes nothing
    assert sorted(results.values()) == ["NotFound", "deleted"], results
    with engine.connect() as conn:
        hist = repo.history_of(conn, "xx-yy-test")
    assert [(h["action"], h["version"]) for h in hist] == [("create", 1), ("delete", 2)]


def test_an_edit_of_a_partnership_deleted_meanwhile_is_not_found(engine: Engine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Not "changed by someone else meanwhile": it is gone (the editor must not look for changes to merge)."""
    from smpatlas.errors import NotFound

    with engine.begin() as conn:
        repo.write(conn, [normalise(minimal(status="planned"))[0]], mode="insert", change=repo.Change(user="setup"))
    real = repo._load
    done: list[bool] = []

    def load_then_someone_deletes(conn: object, ids: list[str], **kw: object) -> object:
        loaded = real(conn, ids, **kw)  # type: ignore[arg-type]
        if not done:  # once: ben's delete loads the record too
            done.append(True)
            with engine.begin() as other:
                repo.delete_ids(other, ["xx-yy-test"], change=repo.Change(user="ben"))
        return loaded

    monkeypatch.setattr(repo, "_load", load_then_someone_deletes)
    with pytest.raises(NotFound), engine.begin() as conn:
        repo.replace_one(conn, normalise(minimal(status="ongoing"))[0], expected_version=1,
                         change=repo.Change(user="anna"))
    monkeypatch.undo()
    with engine.connect() as conn:
        assert repo.get(conn, "xx-yy-test") is None
        assert [h["action"] for h in repo.history_of(conn, "xx-yy-test")] == ["create", "delete"]


def test_postgresql_writers_wait_for_a_lock_as_long_as_sqlite_writers(pg_server: PgServer, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: an edit of a record another transaction holds (a long upsert import, say) waits at most
    SMPATLAS_BUSY_TIMEOUT, then Busy with the same advice as on SQLite — not an endless wait; nothing written."""
    import psycopg

    import smpatlas
    from smpatlas.errors import Busy

    monkeypatch.setenv("SMPATLAS_BUSY_TIMEOUT", "0.3")
    url = pg_server.create_database()
    atlas = smpatlas.open(url)
    atlas.import_files([write_jsonl(tmp_path / "one.jsonl", [minimal("xx-yy-one")])])
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as other:
        other.execute("SELECT id FROM partnerships WHERE id = 'xx-yy-one' FOR UPDATE")  # held until rollback
        started = time.monotonic()
        with pytest.raises(Busy, match=r"is busy: another program .* locked for more than 0\.3 s\. Nothing was "
                                       r"written; try again once it has finished \(set SMPATLAS_BUSY_TIMEOUT"):
            atlas.edit("xx-yy-one", {"status": "completed"})
        assert time.monotonic() - started < 10
        other.rollback()
    assert atlas.get("xx-yy-one")["status"] == "ongoing"
    assert atlas.edit("xx-yy-one", {"status": "completed"})["status"] == "completed"  # the lock is gone
    atlas.close()
