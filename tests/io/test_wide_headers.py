"""Sheets with many unknown columns: every one is reported; the first ones get a "did you mean"."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from smpatlas.io.importer import SUGGEST_UNKNOWN, import_files
from tests.conftest import minimal


def test_every_unknown_column_is_reported_and_the_first_get_a_suggestion(tmp_path: Path, engine: Engine) -> None:
    rec = minimal()
    fields = ["id", "name", "partnership_type", "origin_countries", "destination_countries", "start_year", "status"]
    strays = [f"stray {i}" for i in range(3 * SUGGEST_UNKNOWN)]
    near = "statsu"  # a near miss of 'status', first among the unknown columns and again after the limit
    header = [*fields, near, *strays, near.upper() + " "]
    row = [str(rec[f]) if not isinstance(rec[f], list) else rec[f][0] for f in fields] + [""] * (len(header) - 7)
    path = tmp_path / "wide.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", "utf-8")
    report = import_files(engine, [path])
    unknown = [p for p in report.problems if p.code == "unknown_column"]
    assert len(unknown) == len(strays) + 2
    assert not report.written
    first, last = unknown[0], unknown[-1]
    assert first.column == near and first.hint is not None and first.hint.startswith("did you mean 'status'?")
    assert last.column == near.upper() and last.hint is not None and not last.hint.startswith("did you mean")
    assert "start its header with '#'" in last.hint
