"""Upsert from files that hold only some fields: the fields a file does not have keep their stored values.

A column the file has, left empty, clears its field; a JSON record's absent key keeps the stored value and
``null`` clears it. ``--mode replace`` makes the file the whole inventory, fields included.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.io.importer import import_files
from smpatlas.store import repository as repo
from tests.conftest import minimal, snapshot

STORED = minimal("xx-yy-one", sectors=["health_care"], notes="first notes", end_year=2023,
                 actors=[{"name": "GIZ", "role": "development_agency", "country": "DEU"}])
REQUIRED = ["id", "name", "partnership_type", "origin_countries", "destination_countries", "start_year", "status"]


def _csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _row(**change: Any) -> list[Any]:
    base = {"id": "xx-yy-one", "name": STORED["name"], "partnership_type": "pilot_project", "origin_countries": "PHL",
            "destination_countries": "DEU", "start_year": 2020, "status": "ongoing", **change}
    return list(base.values())


@pytest.fixture
def stored(engine: Engine, tmp_path: Path) -> Engine:
    src = tmp_path / "stored.jsonl"
    src.write_text(json.dumps(STORED) + "\n", encoding="utf-8")
    assert import_files(engine, [src], user="setup").valid
    return engine


def _get(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        got = repo.get(conn, "xx-yy-one")
    assert got is not None
    return got


@pytest.mark.parametrize(
    ("header", "row", "changed", "cleared"),
    [
        # The fixes file of the README: the required columns plus the one being fixed.
        ([*REQUIRED, "notes"], _row(notes="fixed notes"), {"notes": "fixed notes"}, set()),
        # Human headers work the same way; a column the file has, left empty, clears its field.
        ([*REQUIRED, "Sectors"], _row(sectors=""), {}, {"sectors"}),
        # Only the required columns, status changed.
        (REQUIRED, _row(status="completed"), {"status": "completed"}, set()),
    ],
)
def test_fields_a_file_does_not_have_keep_their_values(stored: Engine, tmp_path: Path, header: list[str],
                                                       row: list[Any], changed: dict[str, Any],
                                                       cleared: set[str]) -> None:
    report = import_files(stored, [_csv(tmp_path / "fix.csv", header, [row])], mode="upsert", user="anna")
    assert report.valid and report.written, report.to_text()
    assert (report.updated, report.unchanged) == ((1, 0) if changed or cleared else (0, 1))
    assert not report.warnings  # the stored sources count: no "no source" warning
    expected = {k: v for k, v in {**STORED, **changed}.items() if k not in cleared}
    got = _get(stored)
    assert {k: got.get(k) for k in expected} == expected
    assert not cleared & set(got)
    with stored.connect() as conn:
        updates = {h["field"] for h in repo.history_of(conn, "xx-yy-one") if h["action"] == "update"}
    assert updates == set(changed) | cleared


def test_json_absent_keys_keep_and_null_clears(stored: Engine, tmp_path: Path) -> None:
    partial = {k: STORED[k] for k in REQUIRED} | {"notes": None, "status": "completed"}  # no sectors, actors, ...
    src = tmp_path / "fix.jsonl"
    src.write_text(json.dumps(partial) + "\n", encoding="utf-8")
    assert import_files(stored, [src], mode="upsert").valid
    got = _get(stored)
    assert got["status"] == "completed" and "notes" not in got
    assert got["sectors"] == ["health_care"] and got["actors"] == STORED["actors"] and got["end_year"] == 2023


def test_rules_across_fields_see_the_stored_values(stored: Engine, tmp_path: Path) -> None:
    """The file moves the start after the stored end (no end year column): refused at the row, nothing written."""
    before = snapshot(stored)
    report = import_files(stored, [_csv(tmp_path / "fix.csv", REQUIRED, [_row(start_year=2025)])], mode="upsert")
    assert not report.valid and not report.written
    [problem] = report.errors
    assert problem.row == 2 and problem.file and problem.file.endswith("fix.csv")
    assert "the file has no column for" in (problem.hint or "") and "end_year" in (problem.hint or "")
    assert snapshot(stored) == before


def test_replace_makes_the_file_the_whole_record(stored: Engine, tmp_path: Path) -> None:
    report = import_files(stored, [_csv(tmp_path / "all.csv", REQUIRED, [_row()])], mode="replace")
    assert report.valid and report.updated == 1
    got = _get(stored)
    assert "notes" not in got and "actors" not in got and "sectors" not in got


def test_a_new_record_in_a_partial_upsert_is_inserted_as_given(stored: Engine, tmp_path: Path) -> None:
    report = import_files(stored, [_csv(tmp_path / "new.csv", REQUIRED, [_row(id="xx-yy-two")])], mode="upsert")
    assert report.valid and report.inserted == 1
    assert [w.code for w in report.warnings] == ["no_source"]  # this one has no sources at all


# --- a file of the id and only the columns it changes (no required columns) ------------------------------------

OUTCOMES = "2024 | trained | 40 | Annual report 2024\n2025 | departed | 32 | Annual report 2025"


@pytest.mark.parametrize(("header", "row", "field"), [
    # Was: six "required column … is missing" problems and nothing written.
    (["id", "outcomes"], ["xx-yy-one", OUTCOMES], "outcomes"),
    (["ID", "Notes"], ["xx-yy-one", "checked 2026"], "notes"),
    (["id", "status", "end_year"], ["xx-yy-one", "completed", 2024], "status"),
])
def test_an_upsert_file_may_hold_the_id_and_only_the_columns_it_changes(stored: Engine, tmp_path: Path,
                                                                       header: list[str], row: list[Any],
                                                                       field: str) -> None:
    report = import_files(stored, [_csv(tmp_path / "fix.csv", header, [row])], mode="upsert", user="anna")
    assert report.valid and report.written and report.updated == 1, report.to_text()
    got = _get(stored)
    assert field in got and got != STORED
    assert {k: got[k] for k in REQUIRED} == {k: STORED[k] for k in REQUIRED if k != field} | (
        {field: got[field]} if field in REQUIRED else {})
    assert got["actors"] == STORED["actors"] and got["sources"] == STORED["sources"]


def test_a_new_id_in_a_file_without_the_required_columns_is_refused(stored: Engine, tmp_path: Path) -> None:
    """A row whose id is not in the inventory would be a new partnership: it needs the required fields."""
    before = snapshot(stored)
    rows = [["xx-yy-one", OUTCOMES], ["xx-yy-typo", OUTCOMES]]
    report = import_files(stored, [_csv(tmp_path / "fix.csv", ["id", "outcomes"], rows)], mode="upsert")
    assert not report.valid and not report.written
    [problem] = report.errors
    assert (problem.row, problem.code, problem.record_id) == (3, "required", "xx-yy-typo")
    assert problem.message == ("'xx-yy-typo' is not in the inventory, so the row is a new partnership, which needs "
                               "Name, Partnership type, Origin countries, Destination countries, Start year, "
                               "Status")
    assert "correct the id" in (problem.hint or "")
    assert snapshot(stored) == before


@pytest.mark.parametrize("mode", ["insert", "replace"])
def test_insert_and_replace_still_need_every_required_column(stored: Engine, tmp_path: Path, mode: str) -> None:
    report = import_files(stored, [_csv(tmp_path / "fix.csv", ["id", "notes"], [["xx-yy-one", "x"]])], mode=mode)
    assert not report.valid
    assert {p.code for p in report.errors} == {"missing_column"}
    assert len(report.errors) == len(REQUIRED) - 1


def test_upsert_without_an_id_column_is_refused(stored: Engine, tmp_path: Path) -> None:
    report = import_files(stored, [_csv(tmp_path / "fix.csv", ["name", "notes"], [["A", "x"]])], mode="upsert")
    assert [(p.code, p.column) for p in report.errors] == [("missing_column", "ID")]


def test_a_required_column_the_file_has_left_empty_is_still_refused(stored: Engine, tmp_path: Path) -> None:
    report = import_files(stored, [_csv(tmp_path / "fix.csv", ["id", "name"], [["xx-yy-one", ""]])], mode="upsert")
    assert [(p.code, p.column, p.row) for p in report.errors] == [("required", "name", 2)]


def test_a_json_record_without_required_keys_updates_in_upsert(stored: Engine, tmp_path: Path) -> None:
    src = tmp_path / "fix.jsonl"
    src.write_text(json.dumps({"id": "xx-yy-one", "status": "completed"}) + "\n", encoding="utf-8")
    report = import_files(stored, [src], mode="upsert")
    assert report.valid and report.updated == 1, report.to_text()
    assert _get(stored) == {**STORED, "status": "completed", "codebook_version": _get(stored)["codebook_version"]}


def test_a_json_record_without_an_id_is_refused_in_upsert(stored: Engine, tmp_path: Path) -> None:
    src = tmp_path / "fix.jsonl"
    src.write_text(json.dumps({"status": "completed"}) + "\n", encoding="utf-8")
    report = import_files(stored, [src], mode="upsert")
    assert [(p.code, p.field, p.row) for p in report.errors] == [("required", "id", 1)]
