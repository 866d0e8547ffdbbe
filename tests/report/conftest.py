"""Fixtures for the report tests: a 1,000-record generated inventory, built once per session."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from smpatlas.io.importer import import_files
from smpatlas.store import database

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "reports"


def generated_records(n: int, seed: int = 5) -> list[dict[str, Any]]:
    """``n`` records from benchmarks/generate.py."""
    spec = importlib.util.spec_from_file_location("smp_generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.generate(n, seed))


@pytest.fixture(scope="session")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("big") / "atlas.db"
    src = path.with_suffix(".jsonl")
    src.write_text("".join(json.dumps(r) + "\n" for r in generated_records(1000)), "utf-8")
    engine = database.open_engine(str(path))
    report = import_files(engine, [src], user="test")
    assert report.valid, report.to_text(limit=5)
    engine.dispose()
    return str(path)
