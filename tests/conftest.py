"""Shared fixtures: small real SQLite inventories and an in-process CLI runner."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.io.importer import import_files
from smpatlas.store import database
from tests.pgserver import PgServer, memory_dir

BUNDLED = Path(str(resources.files("smpatlas").joinpath("data/inventory/partnerships.jsonl")))


def minimal(rid: str = "xx-yy-test", **extra: Any) -> dict[str, Any]:
    """The smallest valid record (canonical form), plus ``extra`` fields."""
    rec: dict[str, Any] = {
        "id": rid,
        "name": f"Test partnership {rid}",
        "partnership_type": "pilot_project",
        "origin_countries": ["PHL"],
        "destination_countries": ["DEU"],
        "start_year": 2020,
        "status": "ongoing",
        "sources": [{"title": "Project page", "url": "https://example.org/p", "accessed": "2026-11-27"}],
    }
    rec.update(extra)
    return rec


def reuse_id(url: str, rid: str) -> None:
    """What inventories written before ids were retired may hold: ``rid`` created and deleted by anna, then used
    again by ben for an unrelated partnership ("Unrelated"; versions restart at 1)."""
    from smpatlas.store import repository as repo

    engine = database.open_engine(url)
    try:
        with engine.begin() as conn:
            repo.write(conn, [minimal(rid)], mode="insert", change=repo.Change(user="anna"))
        with engine.begin() as conn:
            repo.delete_ids(conn, [rid], change=repo.Change(user="anna"))
        with engine.begin() as conn:  # what older versions let an import do
            repo.write(conn, [minimal(rid, name="Unrelated")], mode="insert", change=repo.Change(user="ben"))
    finally:
        engine.dispose()


@pytest.fixture
def sample_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in BUNDLED.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a SQLite file that does not exist yet."""
    return tmp_path / "atlas.db"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server for the whole session (started on first use)."""
    if os.environ.get("SMPATLAS_SKIP_POSTGRES"):
        pytest.skip("SMPATLAS_SKIP_POSTGRES is set")
    server = PgServer(tmpdir=memory_dir()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> str:
    """A migrated, seeded database to copy for each test (CREATE DATABASE … TEMPLATE)."""
    url = pg_server.create_database()
    eng = database.open_engine(url)
    eng.dispose()
    return url.rsplit("/", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """The URL of a fresh, empty inventory: a real SQLite file, or a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{db_path}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database(template=request.getfixturevalue("pg_template"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A fresh, empty inventory on each engine (SQLite file and PostgreSQL)."""
    eng = database.open_engine(db_url)
    yield eng
    eng.dispose()


def snapshot(engine: Engine) -> Any:
    """Everything stored, for 'nothing changed' checks: the file's bytes (SQLite) or every row (PostgreSQL)."""
    from sqlalchemy import MetaData, select

    path = database.sqlite_path(str(engine.url))
    engine.dispose()
    if path is not None:
        return path.read_bytes()
    md = MetaData()
    md.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(map(repr, conn.execute(select(t)).all())) for name, t in md.tables.items()}


@pytest.fixture
def sample_engine(engine: Engine) -> Engine:
    """An inventory holding the bundled sample."""
    report = import_files(engine, [BUNDLED], user="fixture")
    assert report.valid, report.to_text()
    return engine


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``smpatlas ARGS`` in-process, the way the console script does."""
    from smpatlas.cli.app import entrypoint

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["smpatlas", *map(str, args)])
        code = 0
        try:
            entrypoint()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def archive_contents(path: Path) -> dict[str, str]:
    """An archive's files, without the moment it was written."""
    with zipfile.ZipFile(path) as z:
        out = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    manifest = json.loads(out.pop("manifest.json"))
    manifest.pop("created_at")
    out["manifest"] = json.dumps(manifest, sort_keys=True)
    return out
