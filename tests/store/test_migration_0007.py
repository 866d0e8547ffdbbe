"""Migration 0007 on an existing (0006) inventory: folded ``search_text`` and ``sort_name``, and back."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select

from smpatlas.store import database, schema
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters
from smpatlas.store.schema import fold, partnerships
from tests.conftest import minimal
from tests.store import older
from tests.store.test_migration_0006 import _schema_diff

ACCENTED = [
    minimal("fr-ci-emile", name="Émile – Côte d'Ivoire", acronym="ÉMILE"),
    minimal("ca-ph-quebec", name="Québec recrute", summary="Infirmières Zébulon"),
]


def _inventory_at_0006(url: str, records: list[dict[str, Any]]) -> Engine:
    command.upgrade(database.alembic_config(url), "0006")
    engine = database.create(url)
    with engine.begin() as conn:
        older.write(conn, records, revision="0006")
    return engine


def _texts(engine: Engine) -> dict[str, tuple[str, ...]]:
    cols = [partnerships.c.id, partnerships.c.search_text]
    if "sort_name" in {c["name"] for c in inspect(engine).get_columns("partnerships")}:
        cols.append(partnerships.c.sort_name)
    with engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(select(*cols))}


def _found(engine: Engine, text: str) -> set[str]:
    with engine.connect() as conn:
        return {r["id"] for r in repo.select_records(conn, Filters(text=text))}


def test_migration_0007_folds_search_text_and_adds_sort_names(empty_url: str,
                                                              sample_records: list[dict[str, Any]]) -> None:
    engine = _inventory_at_0006(empty_url, [*sample_records, *ACCENTED])
    before = _texts(engine)
    assert before["ca-ph-quebec"] == ("québec recrute\ninfirmières zébulon",)

    assert database.upgrade(engine) == "upgraded"
    assert database.current_revision(engine) == "0007"
    assert _schema_diff(engine) == []
    after = _texts(engine)
    assert after["ca-ph-quebec"] == ("quebec recrute\ninfirmieres zebulon", "quebec recrute")
    assert after["fr-ci-emile"] == ("emile – cote d'ivoire\nemile", "emile – cote d'ivoire")
    with engine.connect() as conn:
        records = {r["id"]: r for r in repo.select_records(conn)}
    assert set(after) == set(records)
    for rid, (text, sort_name) in after.items():  # what a write today stores, for every record
        assert sort_name == fold(records[rid]["name"]), rid
        assert text == fold(older.old_search_text(records[rid])), rid
    assert _found(engine, "QUÉBEC zebulon") == {"ca-ph-quebec"}
    with engine.connect() as conn:
        names = [r["name"] for r in repo.select_records(conn, order="name")]
    assert names == sorted(names, key=lambda n: (fold(n), n))
    engine.dispose()

    command.downgrade(database.alembic_config(empty_url), "0006")  # the previous release's columns and text
    engine = database.create(empty_url)
    assert _texts(engine) == before
    engine.dispose()


def test_a_failed_migration_0007_changes_nothing(empty_url: str, sample_records: list[dict[str, Any]],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing, on SQLite too: the new column goes with the interrupted rewrite."""
    engine = _inventory_at_0006(empty_url, [*sample_records, *ACCENTED])
    before = _texts(engine)
    calls = {"n": 0}

    def flaky(text: str) -> str:  # fails in the rewrite, after the new column was added
        calls["n"] += 1
        if calls["n"] == 100:
            raise RuntimeError("interrupted")
        return fold(text)

    monkeypatch.setattr(schema, "fold", flaky)  # the migration imports it when Alembic loads it
    with pytest.raises(RuntimeError, match="interrupted"):
        database.upgrade(engine)
    monkeypatch.undo()
    assert calls["n"] == 100
    assert database.current_revision(engine) == "0006"
    assert _texts(engine) == before  # no sort_name column, search_text as it was
    assert database.upgrade(engine) == "upgraded"  # and it can run again
    assert _texts(engine)["ca-ph-quebec"] == ("quebec recrute\ninfirmieres zebulon", "quebec recrute")
    engine.dispose()
