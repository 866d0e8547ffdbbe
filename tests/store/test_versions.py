"""Past versions rebuilt from the history (:func:`smpatlas.store.versions.record_at`) are the records as saved.

Every version a partnership had — made by edits (a field set, cleared, several at once, nested lines added) and by
an upsert import of a file with a few columns — is captured as saved and compared with what the history rebuilds,
on both engines; then the errors for a version the history does not have.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.atlas import Atlas
from smpatlas.errors import ConfigError, NoSuchVersion
from smpatlas.store import repository as repo
from smpatlas.store.versions import record_at
from tests.conftest import minimal, write_jsonl

EDITS: list[dict[str, Any]] = [
    {"status": "suspended"},
    {"notes": "Checked against the 2025 annual report.", "end_year": "2025", "status": "completed"},
    {"notes": None},  # cleared
    {"sectors": "health_care; ict", "skill_levels": ["middle", "high"]},
    {"outcomes": "2024 | departed | 120 | Annual report 2024\n2025 | departed | 80"},
]


def test_every_version_is_rebuilt_as_it_was_saved(engine: Engine, tmp_path: Path) -> None:
    atlas = Atlas(engine, user="anna")
    rid = "ph-de-versions"
    atlas.import_files([write_jsonl(tmp_path / "one.jsonl", [minimal(rid), minimal("other-record")])])
    saved = {1: atlas.get(rid)}
    for n, change in enumerate(EDITS, 2):
        saved[n] = atlas.edit(rid, change, user=f"user{n}")
    # an upsert of a file with the id and one column: the fields it lacks keep their values
    upsert = tmp_path / "upsert.csv"
    upsert.write_text(f"id,status\n{rid},ongoing\n", encoding="utf-8")
    assert atlas.import_files([upsert], mode="upsert").updated == 1
    saved[len(saved) + 1] = atlas.get(rid)
    with engine.connect() as conn:
        life = repo.current_life(repo.history_of(conn, rid))
    assert len(saved) == 7
    for version, record in saved.items():
        got = record_at(life, version)
        assert got.record == record, version
        assert (got.version, got.latest) == (version, 7)
    assert sorted(record_at(life, 3).fields) == ["end_year", "notes", "status"]  # one edit, one version
    assert record_at(life, 3).user == "user3" and record_at(life, 1).fields == ()
    assert "notes" not in record_at(life, 4).record and record_at(life, 3).record["notes"].startswith("Checked")
    atlas.close()


@pytest.mark.parametrize(("version", "message"), [
    (0, "There is no version 0 of 'xx-yy-test': its versions are 1 to 2"),
    (3, "There is no version 3 of 'xx-yy-test'"),
    (-1, "its versions are 1 to 2 (see its history: 'smpatlas show xx-yy-test')"),
])
def test_a_version_the_history_lacks_is_a_clear_error(version: int, message: str) -> None:
    created = {"partnership_id": "xx-yy-test", "version": 1, "action": "create", "field": None, "old_value": None,
               "new_value": minimal(), "user_name": "anna", "at": "2026-11-28", "context": "import"}
    updated = {**created, "version": 2, "action": "update", "field": "status", "old_value": "ongoing",
               "new_value": "completed"}
    assert record_at([created, updated], 2).record["status"] == "completed"
    assert record_at([created, updated], 1).record["status"] == "ongoing"
    with pytest.raises(NoSuchVersion, match=re.escape(message)):
        record_at([created, updated], version)
    with pytest.raises(ConfigError, match="does not say how it was created"):
        record_at([updated], 2)
