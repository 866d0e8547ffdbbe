"""The bundled inventory: real, source-cited records that import cleanly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from smpatlas.io.importer import import_files
from tests.conftest import BUNDLED

SOURCES_MD = BUNDLED.with_name("SOURCES.md")


def test_imports_cleanly_without_warnings(engine: Engine) -> None:
    report = import_files(engine, [BUNDLED])
    assert report.valid, report.to_text()
    assert report.warnings == []
    assert report.inserted == len(BUNDLED.read_text("utf-8").splitlines())


def test_every_record_has_a_source_a_confidence_and_an_evidence_note(sample_records: list[dict[str, Any]]) -> None:
    for r in sample_records:
        assert r.get("sources"), r["id"]
        assert all(s.get("url", "").startswith("http") for s in r["sources"]), r["id"]
        assert r.get("confidence") in ("high", "medium", "low"), r["id"]
        assert r.get("notes"), r["id"]


def test_ids_are_unique_and_documented(sample_records: list[dict[str, Any]]) -> None:
    ids = [r["id"] for r in sample_records]
    assert len(ids) == len(set(ids))
    doc = SOURCES_MD.read_text("utf-8")
    assert [i for i in ids if f"### {i} " not in doc] == []


def test_provenance_files_ship_with_the_data() -> None:
    folder: Path = BUNDLED.parent
    assert (folder / "README.md").exists() and SOURCES_MD.exists()
