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


def test_coverage_page_is_current() -> None:
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("coverage_tool", root / "tools" / "inventory_coverage.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (root / "docs" / "inventory.md").read_text("utf-8") == mod.render(), "run 'make docs'"


def test_at_least_150_partnerships_in_scope(sample_records: list[dict[str, Any]]) -> None:
    assert len(sample_records) >= 150
    real = {"joint_curriculum", "bridging_course", "mutual_recognition_agreement", "standard_procedure"}
    # Added records (after the first 28) all document a skills or recognition component.
    for r in sample_records[28:]:
        skills = set(r.get("skills_components", [])) - {"none", "unspecified"}
        assert skills or r.get("recognition_mechanism") in real, r["id"]
    assert all(r["start_year"] <= 2025 and (r.get("end_year") or 2025) >= 2010 for r in sample_records)
