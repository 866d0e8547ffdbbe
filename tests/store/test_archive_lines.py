"""Restoring damaged or tampered archives: one message naming the member and line, the inventory untouched."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.io.importer import import_files
from smpatlas.store import archive, archive_lines, database
from smpatlas.store import users as users_store
from smpatlas.store.auth_schema import api_tokens
from tests.conftest import BUNDLED, snapshot

Members = dict[str, bytes]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of the bundled inventory with two users, one of them with two API tokens."""
    folder = tmp_path_factory.mktemp("archive")
    engine = database.open_engine(f"sqlite:///{folder / 'src.db'}")
    assert import_files(engine, [BUNDLED], user="anna").valid
    with engine.begin() as conn:
        users_store.create_user(conn, name="anna", role="admin", password="correct horse battery")
        users_store.create_user(conn, name="ben", role="editor", password="correct horse battery")
        users_store.create_token(conn, user_name="ben", label="one")
        users_store.create_token(conn, user_name="ben", label="two")
    out = folder / "good.zip"
    archive.dump(engine, out)
    engine.dispose()
    return out


def _lines(data: bytes) -> list[Any]:
    return [json.loads(x) for x in data.decode().splitlines() if x.strip()]


def _jsonl(rows: list[Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _edit(member: str, change: Callable[[list[Any]], None]) -> Callable[[Members], None]:
    def apply(m: Members) -> None:
        rows = _lines(m[member])
        change(rows)
        m[member] = _jsonl(rows)
    return apply


def _manifest(change: Callable[[dict[str, Any]], Any]) -> Callable[[Members], None]:
    def apply(m: Members) -> None:
        doc = json.loads(m["manifest.json"])
        out = change(doc)
        m["manifest.json"] = json.dumps(doc if out is None else out).encode()
    return apply


def _drop(member: str) -> Callable[[Members], None]:
    return lambda m: m.pop(member) and None


def _rename(member: str, to: str) -> Callable[[Members], None]:
    return lambda m: m.update({to: m.pop(member)})


CASES: list[tuple[str, Callable[[Members], None], str]] = [
    ("format version as text", _manifest(lambda d: d.update(format_version="1")),
     r"damaged \(manifest.json: format_version '1' is not a number\)"),
    ("manifest a list", _manifest(lambda d: []), "not an SMP Atlas archive"),
    ("no counts", _manifest(lambda d: d.pop("counts") and None), r"manifest.json: no row counts"),
    ("partnerships missing", _drop("partnerships.jsonl"), r"partnerships.jsonl: missing, though the manifest lists"),
    ("partnerships renamed", _rename("partnerships.jsonl", "Partnerships.jsonl"), "partnerships.jsonl: missing"),
    ("history missing", _drop("history.jsonl"), r"history.jsonl: missing"),
    ("a line lost", _edit("history.jsonl", lambda rows: rows.pop()), r"history.jsonl: \d+ rows, but the manifest"),
    ("a line added", _edit("shortages.jsonl", lambda rows: rows.append(rows[0])), "more rows than the"),
    ("a line not an object", _edit("partnerships.jsonl", lambda rows: rows.insert(0, [1])),
     r"partnerships.jsonl, line 1: not a JSON object"),
    ("record not an object", _edit("partnerships.jsonl", lambda rows: rows[0].update(record=[1])),
     "line 1: not a record with its version and times"),
    ("version missing", _edit("partnerships.jsonl", lambda rows: rows[0].pop("version")), "line 1: not a record"),
    ("version as text", _edit("partnerships.jsonl", lambda rows: rows[0].update(version="abc")), "line 1: not a record"),
    ("created_at not a time", _edit("partnerships.jsonl", lambda rows: rows[1].update(created_at="yesterday")),
     "line 2: not a record"),
    ("history entry empty", _edit("history.jsonl", lambda rows: rows.__setitem__(0, {})),
     r"history.jsonl, line 1: partnership_id is missing"),
    ("history entry with an id", _edit("history.jsonl", lambda rows: rows[0].update(id=7)),
     r"history.jsonl, line 1: unknown column 'id'"),
    ("history time not a time", _edit("history.jsonl", lambda rows: rows[2].update(at="soon")),
     "line 3: at is not a date and time"),
    ("history value not text", _edit("history.jsonl", lambda rows: rows[0].update(new_value={"a": 1})),
     "line 1: new_value is not text"),
    ("shortage column missing", _edit("shortages.jsonl", lambda rows: rows[0].pop("isco")), "line 1: isco is missing"),
    ("shortage source too long", _edit("shortages.jsonl", lambda rows: rows[0].update(source="s" * 201)),
     "source is longer than 200 characters"),
    ("a lone surrogate", _edit("shortages.jsonl", lambda rows: rows[0].update(title="a\ud800")),
     "title is not valid Unicode"),
    ("unknown role", _edit("users.jsonl", lambda rows: rows[0].update(role="superuser")),
     r"users.jsonl, line 1: role 'superuser' is not one of viewer, editor, admin"),
    ("names differing in case", _edit("users.jsonl", lambda rows: rows[1].update(name=rows[0]["name"].upper())),
     "are one name"),
    ("a secret in the archive", _edit("users.jsonl", lambda rows: rows[0].update(password_hash="x")),
     "unknown column 'password_hash'"),
]


def _write(good: Path, out: Path, mutate: Callable[[Members], None]) -> Path:
    with zipfile.ZipFile(good) as z:
        members = {n: z.read(n) for n in z.namelist()}
    mutate(members)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out


@pytest.fixture
def target(tmp_path: Path) -> Engine:
    """A non-empty inventory: a failed restore with --force must leave it exactly as it was."""
    engine = database.open_engine(f"sqlite:///{tmp_path / 'target.db'}")
    assert import_files(engine, [BUNDLED], user="tess").valid
    return engine


@pytest.mark.parametrize(("case", "mutate", "message"), CASES, ids=[c[0] for c in CASES])
def test_a_tampered_archive_is_refused_and_changes_nothing(good: Path, target: Engine, tmp_path: Path, case: str,
                                                           mutate: Callable[[Members], None], message: str) -> None:
    bad = _write(good, tmp_path / "bad.zip", mutate)
    before = snapshot(target)
    with pytest.raises(ConfigError, match=message) as info:
        archive.restore(target, bad, force=True)
    assert "Traceback" not in str(info.value) and "INSERT" not in str(info.value)
    assert snapshot(target) == before


def test_a_duplicated_partnership_is_a_problem_of_its_line(good: Path, target: Engine, tmp_path: Path) -> None:
    def twice(m: Members) -> None:
        rows = _lines(m["partnerships.jsonl"])
        m["partnerships.jsonl"] = _jsonl([*rows, rows[0]])
        _manifest(lambda d: d["counts"].update(partnerships=len(rows) + 1))(m)

    bad = _write(good, tmp_path / "bad.zip", twice)
    before = snapshot(target)
    with pytest.raises(ValidationFailed) as info:
        archive.restore(target, bad, force=True)
    assert [(p.code, p.row) for p in info.value.report.problems] == [("duplicate_id", len(_lines(
        zipfile.ZipFile(good).read("partnerships.jsonl"))) + 1)]
    assert snapshot(target) == before


def test_unreadable_members_and_huge_lines(good: Path, target: Engine, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(target)
    stored = tmp_path / "stored.zip"  # uncompressed, then one byte of the records changed: a CRC error
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(stored, "w", compression=zipfile.ZIP_STORED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    data = bytearray(stored.read_bytes())
    at = data.index(b'"name": "Triple Win') + len(b'"name": "')  # still a valid record: only the CRC tells
    data[at] = ord("Q")
    stored.write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=r"damaged \(partnerships.jsonl: cannot be read \(Bad CRC-32"):
        archive.restore(target, stored, force=True)
    monkeypatch.setattr(archive_lines, "MAX_LINE", 1000)  # a zip of a few kB can hold a line of gigabytes
    with pytest.raises(ConfigError, match=r"partnerships.jsonl, line 1: a line longer than 1,000 bytes"):
        archive.restore(target, good, force=True)
    assert snapshot(target) == before


def test_two_api_tokens_restore_with_distinct_unusable_secrets(good: Path, tmp_path: Path) -> None:
    engine = database.open_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    counts = archive.restore(engine, good)
    assert counts["users"] == 2 and counts["api_tokens"] == 2
    with engine.connect() as conn:
        secrets = list(conn.execute(select(api_tokens.c.token_hash)).scalars())
        assert len(set(secrets)) == 2 and all(s.startswith("!restored:") for s in secrets)
        assert users_store.user_for_token(conn, token=secrets[0]) is None  # the placeholder is no token
        assert conn.execute(select(func.count()).select_from(api_tokens)).scalar_one() == 2
    engine.dispose()


def test_an_inventory_with_only_accounts_is_not_empty(good: Path, tmp_path: Path) -> None:
    engine = database.open_engine(f"sqlite:///{tmp_path / 'k.db'}")
    with engine.begin() as conn:
        users_store.create_user(conn, name="boss", role="admin", password="correct horse battery")
    with pytest.raises(ConfigError, match=r"not empty \(1 users\); restore into an empty inventory, or use --force"):
        archive.restore(engine, good)
    with engine.connect() as conn:
        assert [u["name"] for u in users_store.list_users(conn)] == ["boss"]
    engine.dispose()
