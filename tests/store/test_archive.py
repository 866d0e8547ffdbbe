"""dump / restore: lossless moves between SQLite and PostgreSQL, both ways."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.io.importer import import_files
from smpatlas.store import archive, database
from tests.conftest import BUNDLED, archive_contents, minimal, write_jsonl
from tests.pgserver import PgServer


def _populated(url: str, tmp_path: Path) -> Engine:
    eng = database.open_engine(url)
    assert import_files(eng, [BUNDLED], user="anna").valid
    edits = write_jsonl(tmp_path / "edits.jsonl", [minimal("de-ph-triple-win", name="Renamed", status="completed")])
    assert import_files(eng, [edits], mode="upsert", user="ben").valid
    return eng


@pytest.mark.parametrize("direction", ["sqlite→postgresql", "postgresql→sqlite"])
def test_round_trip_between_engines(direction: str, tmp_path: Path, pg_server: PgServer, pg_template: str) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'a.db'}"
    pg_url = pg_server.create_database(template=pg_template)
    src, dst = (sqlite_url, pg_url) if direction.startswith("sqlite") else (pg_url, sqlite_url)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    eng = _populated(src, tmp_path)
    archive.dump(eng, first)
    eng.dispose()
    target = database.open_engine(dst)
    counts = archive.restore(target, first)
    archive.dump(target, second)
    target.dispose()
    assert archive_contents(first) == archive_contents(second)
    assert counts["partnerships"] == len(BUNDLED.read_text("utf-8").splitlines())
    assert counts["history"] > counts["partnerships"]  # creates plus the updates


def _edited(src_path: Path, out: Path, line: int, edit: Any) -> Path:
    """A copy of the archive ``src_path`` with ``edit(record)`` applied to the record on ``line`` (0-based)."""
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "partnerships.jsonl":
                lines = data.decode().splitlines()
                item = json.loads(lines[line])
                edit(item["record"])
                lines[line] = json.dumps(item)
                data = ("\n".join(lines) + "\n").encode()
            dst.writestr(name, data)
    return out

def test_restore_refuses_a_non_empty_inventory_and_is_all_or_nothing(engine: Engine, tmp_path: Path) -> None:
    from tests.conftest import snapshot

    assert import_files(engine, [BUNDLED]).valid
    path = tmp_path / "a.zip"
    archive.dump(engine, path)
    with pytest.raises(ConfigError, match="is not empty"):
        archive.restore(engine, path)
    # An archive with one broken record restores nothing.
    broken = _edited(path, tmp_path / "broken.zip", 1, lambda record: record.update(status="paused"))
    before = snapshot(engine)
    with pytest.raises(ValidationFailed) as info:
        archive.restore(engine, broken, force=True)
    assert info.value.report.problems[0].row == 2
    assert snapshot(engine) == before


@pytest.mark.parametrize("content", [b"not a zip", None])
def test_not_an_archive(engine: Engine, tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "x.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("readme.txt", "hello")
    else:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match="not an SMP Atlas archive"):
        archive.restore(engine, path)


def test_failed_log_in_attempts_are_not_archived(tmp_path: Path) -> None:
    from smpatlas.store import users

    engine = database.open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.begin() as conn:
        users.add_login_attempt(conn, name="mallory", address="203.0.113.9")
    manifest = archive.dump(engine, tmp_path / "dump.zip")
    engine.dispose()
    assert "login_attempts" not in manifest["counts"]
    with zipfile.ZipFile(tmp_path / "dump.zip") as z:
        assert not any("login_attempts" in n or "mallory" in z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_an_archive_with_links_saved_before_they_were_checked_restores_as_saved(engine: Engine, tmp_path: Path) -> None:
    """Backups must restore: a source link an earlier version stored unchecked ('giz.de/page') is kept as it was,
    with a warning naming the record; any other invalid value still refuses the whole archive."""
    from smpatlas.problems import Problem
    from smpatlas.store import repository as repo

    assert import_files(engine, [write_jsonl(tmp_path / "ok.jsonl", [minimal("xx-old")])]).valid
    path = tmp_path / "a.zip"
    archive.dump(engine, path)
    old = _edited(path, tmp_path / "old.zip", 0,
                  lambda record: record.update(sources=[{"title": "GIZ", "url": "giz.de/page"}]))
    warnings: list[Problem] = []
    archive.restore(engine, old, force=True, warnings=warnings)
    with engine.connect() as conn:
        got = repo.get(conn, "xx-old")
    assert got is not None and got["sources"] == [{"title": "GIZ", "url": "giz.de/page"}]
    assert [(w.code, w.record_id, w.severity) for w in warnings] == [("bad_url", "xx-old", "warning")]
    assert "kept as stored" in (warnings[0].hint or "")


@pytest.mark.parametrize("member", ["partnerships.jsonl", "history.jsonl"])
@pytest.mark.parametrize("bad_line", [b"{not json\n", b'{"n": ' + b"9" * 5000 + b"}\n", b"[" * 100_000 + b"\n"])
def test_a_damaged_line_is_a_clear_error_and_restores_nothing(engine: Engine, tmp_path: Path, member: str,
                                                              bad_line: bytes) -> None:
    """Broken JSON, an integer of 5,000 digits (Python refuses to read it) or nesting 100,000 deep in a line of
    the archive: one message naming the member and line, and the target inventory as it was."""
    from tests.conftest import snapshot

    assert import_files(engine, [BUNDLED]).valid
    good = tmp_path / "a.zip"
    archive.dump(engine, good)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name) + bad_line if name == member else src.read(name))
    before = snapshot(engine)
    with pytest.raises(ConfigError, match=rf"The archive is damaged \({member}, line \d+: not readable JSON\)"):
        archive.restore(engine, damaged, force=True)
    assert snapshot(engine) == before


def test_dump_never_overwrites_an_inventory_or_other_files(tmp_path: Path) -> None:
    """`dump --out atlas.db --db atlas.db` turned the inventory into an empty zip."""
    from tests.conftest import snapshot

    db = tmp_path / "atlas.db"
    engine = database.open_engine(str(db))
    assert import_files(engine, [BUNDLED]).valid
    other = tmp_path / "other.db"
    database.open_engine(str(other)).dispose()
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    before = snapshot(engine), other.read_bytes()
    for out, message in ((db, "is an SMP Atlas inventory"), (other, "is an SMP Atlas inventory"),
                         (notes, "exists and is not an archive"), (tmp_path, "is a folder")):
        with pytest.raises(ConfigError, match=message):
            archive.dump(engine, out)
    assert (snapshot(engine), other.read_bytes()) == before and notes.read_text() == "my notes\n"
    out = tmp_path / "atlas.zip"
    first = archive.dump(engine, out)
    again = archive.dump(engine, out)  # an earlier archive of the same name is replaced
    assert again["counts"] == first["counts"] and zipfile.is_zipfile(out)
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
    assert left == ["atlas.db", "atlas.zip", "notes.txt", "other.db"]  # no temporary file left
    engine.dispose()
