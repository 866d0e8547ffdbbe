"""Migration 0006 on an existing (0005) inventory: ``partnership_values`` as one B-tree, and back."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from smpatlas.store import database
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters
from smpatlas.store.schema import metadata, partnerships
from smpatlas.store.schema import partnership_values as pv
from tests.store import older
from tests.store.test_database import PG_ONLY_INDEXES

OLD_INDEX = "ix_partnership_values_field_value_partnership_id"
PG_INDEX = "ix_partnership_values_partnership_id"


def _inventory_at_0005(url: str, records: list[dict[str, Any]]) -> Engine:
    """An inventory made by the previous release (schema 0005) holding ``records``."""
    command.upgrade(database.alembic_config(url), "0005")
    engine = database.create(url)
    with engine.begin() as conn:
        older.write(conn, records, revision="0005")
    return engine


def _values(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return sorted((r.partnership_id, r.field, r.value) for r in conn.execute(select(pv)))


def _layout(engine: Engine) -> tuple[list[str], set[str], bool]:
    """Primary-key columns in order, index names, and whether SQLite keeps a rowid."""
    insp = inspect(engine)
    pk = insp.get_pk_constraint("partnership_values")["constrained_columns"]
    indexes = {str(i["name"]) for i in insp.get_indexes("partnership_values")}
    rowid = True
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            sql = conn.execute(text("select sql from sqlite_master where name = 'partnership_values'")).scalar_one()
        rowid = "WITHOUT ROWID" not in sql.upper()
    return pk, indexes, rowid


def _schema_diff(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": lambda o, name, *_: name not in PG_ONLY_INDEXES})
        return list(compare_metadata(ctx, metadata))


def test_migration_0006_converts_an_existing_inventory_and_back(empty_url: str,
                                                                sample_records: list[dict[str, Any]]) -> None:
    engine = _inventory_at_0005(empty_url, sample_records)
    before = _values(engine)
    assert len(before) > 10 * len(sample_records)  # many values per record
    assert _layout(engine) == (["partnership_id", "field", "value"], {OLD_INDEX}, True)
    with engine.connect() as conn:  # ids only: the 0005 table lacks columns of today's (sort_name)
        deu = set(conn.execute(select(partnerships.c.id).where(*Filters(destination=["DEU"]).normalised().conditions()))
                  .scalars())
    assert deu

    assert database.upgrade(engine) == "upgraded"  # as 'smpatlas db upgrade' does
    assert database.current_revision(engine) == database.head_revision()  # 0007 too: see test_migration_0007
    pg = engine.dialect.name == "postgresql"
    assert _layout(engine) == (["field", "value", "partnership_id"], {PG_INDEX} if pg else set(), pg)
    assert _values(engine) == before
    assert _schema_diff(engine) == []
    assert not [t for t in inspect(engine).get_table_names() if "0006" in t]  # no leftover work table
    with engine.begin() as conn:  # filters, and writes by exact keys, work on the new layout
        assert {r["id"] for r in repo.select_records(conn, Filters(destination=["DEU"]).normalised())} == deu
        repo.delete_ids(conn, sorted(deu)[:1], change=repo.Change(user="new"))
    assert len(_values(engine)) < len(before)
    after_delete = _values(engine)
    engine.dispose()

    command.downgrade(database.alembic_config(empty_url), "0005")  # and back: the previous release's layout, the same rows
    engine = database.create(empty_url)
    assert _layout(engine) == (["partnership_id", "field", "value"], {OLD_INDEX}, True)
    assert _values(engine) == after_delete
    engine.dispose()


def test_a_failed_migration_0006_changes_nothing(empty_url: str, sample_records: list[dict[str, Any]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing: on SQLite too, although Python's sqlite3 module runs DDL outside transactions by default."""
    engine = _inventory_at_0005(empty_url, sample_records)
    before = _values(engine)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(Operations, "rename_table", fail)  # SQLite's last step
    monkeypatch.setattr(Operations, "create_index", fail)  # PostgreSQL's last step
    with pytest.raises(RuntimeError, match="interrupted"):
        database.upgrade(engine)
    monkeypatch.undo()
    assert database.current_revision(engine) == "0005"
    assert _layout(engine) == (["partnership_id", "field", "value"], {OLD_INDEX}, True)
    assert not [t for t in inspect(engine).get_table_names() if "0006" in t]
    assert _values(engine) == before
    assert database.upgrade(engine) == "upgraded"  # and it can run again
    assert _values(engine) == before
    engine.dispose()
