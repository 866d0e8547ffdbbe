"""An import killed half-way (SIGKILL: power cut, OOM killer) leaves the inventory exactly as it was.

The import runs as a real ``python -m smpatlas import`` process on a large,
valid CSV. Once the transaction has demonstrably started writing — the
rollback journal exists and SQLite has already spilled pages into the database
file — the process is killed. The next reader rolls the hot journal back.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from smpatlas.io.exporter import export
from smpatlas.io.importer import import_files
from smpatlas.store import database
from smpatlas.store import repository as repo
from tests.conftest import BUNDLED

ROWS = 60_000
#: Only a guard against hanging forever on a broken setup; no timing is asserted.
GIVE_UP_AFTER = 300.0

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _records(sample: dict[str, Any]) -> Any:
    """ROWS valid records: a sample record (one actor, source and outcome, to keep writing fast), new ids."""
    template = {**sample, **{k: sample[k][:1] for k in ("actors", "sources", "outcomes") if k in sample}}
    for i in range(ROWS):
        yield {**template, "id": f"zz-killed-{i:05d}", "name": f"{template['name']} (copy {i})"}


def _read_inventory(db: Path) -> tuple[list[dict[str, Any]], list[str]]:
    engine = database.open_engine(str(db), create_if_missing=False)
    try:
        with engine.connect() as conn:
            records = list(repo.select_records(conn))
            check = [row[0] for row in conn.execute(text("PRAGMA integrity_check"))]
    finally:
        engine.dispose()
    return records, check


@pytest.mark.slow
def test_killed_import_leaves_the_inventory_as_it_was(tmp_path: Path, sample_records: list[dict[str, Any]]) -> None:
    db = tmp_path / "atlas.db"
    journal = db.with_name(db.name + "-journal")
    wal = db.with_name(db.name + "-wal")

    engine = database.open_engine(str(db))
    try:
        assert import_files(engine, [BUNDLED], user="fixture").valid
        with engine.connect() as conn:
            before = list(repo.select_records(conn))
    finally:
        engine.dispose()
    assert sorted(r["id"] for r in before) == sorted(r["id"] for r in sample_records)
    original = db.read_bytes()
    assert not journal.exists() and not wal.exists()

    big = tmp_path / "big.csv"
    assert export(_records(sample_records[0]), "csv", big) == ROWS

    log = (tmp_path / "import.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "smpatlas", "import", str(big), "--db", str(db)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        # Wait until the transaction is mid-way: the journal is there and the database file already holds
        # pages of this transaction (SQLite spilled its cache), i.e. the file on disk is inconsistent.
        # (In WAL mode: the write-ahead log already holds more than a megabyte of this transaction.)
        started = time.monotonic()
        while True:
            running = proc.poll() is None
            if journal.exists() and db.stat().st_size > len(original):
                break
            if wal.exists() and wal.stat().st_size > 1 << 20:
                break
            if not running:
                pytest.fail(f"the import ended (code {proc.returncode}) before it could be killed mid-way: "
                            + (tmp_path / "import.log").read_text(errors="replace")[-2000:])
            if time.monotonic() - started > GIVE_UP_AFTER:
                pytest.fail("the import never started writing")
            time.sleep(0.02)
        assert proc.poll() is None, "the import finished: it was not killed mid-way"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    assert proc.returncode == -signal.SIGKILL
    rollback_journal = journal.exists()
    if rollback_journal:  # a hot journal is left behind and the file on disk is not the committed state
        assert db.read_bytes() != original

    after, check = _read_inventory(db)

    assert check == ["ok"]
    assert [r["id"] for r in after] == [r["id"] for r in before]
    assert after == before
    if rollback_journal:
        assert not journal.exists()  # rolled back by the first reader
        assert db.read_bytes() == original  # the rollback restored every page and the size
