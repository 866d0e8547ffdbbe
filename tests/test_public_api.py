"""The public Python API: a small, sorted __all__, and a core that never imports the CLI or web."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import smpatlas
from tests.conftest import BUNDLED


def test_all_is_sorted_and_complete() -> None:
    assert smpatlas.__all__ == sorted(smpatlas.__all__)
    public = {n for n in dir(smpatlas) if (not n.startswith("_") and n[0].isupper()) or n == "open"}
    public -= {m for m in dir(smpatlas) if isinstance(getattr(smpatlas, m), type(smpatlas))}
    assert public <= set(smpatlas.__all__)


def test_core_does_not_import_typer_or_fastapi() -> None:
    code = ("import sys, smpatlas, smpatlas.io.importer, smpatlas.io.exporter, smpatlas.analysis.overview;"
            "print(sorted(m for m in ('typer', 'fastapi', 'click') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_notebook_use(tmp_path: Path) -> None:
    with smpatlas.open(tmp_path / "atlas.db", user="nb") as atlas:
        report = atlas.import_files([BUNDLED])
        assert report.valid
        assert atlas.count() == report.inserted
        de = atlas.records(destination="Germany")
        assert de and all("DEU" in r["destination_countries"] for r in de)
        assert atlas.overview(destination="DEU").n == len(de)
        atlas.edit("de-ph-triple-win", {"status": "completed"})
        assert atlas.get("de-ph-triple-win")["status"] == "completed"
        assert atlas.history("de-ph-triple-win")[-1]["user_name"] == "nb"
