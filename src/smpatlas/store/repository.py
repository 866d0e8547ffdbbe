"""Reading and writing partnerships, with their history.

Owns every statement that touches the ``partnerships``, ``partnership_values``
and ``history`` tables: insert, upsert and delete in batches inside the
caller's transaction, reads with filters, one-record edits with optimistic
version checks, and the change history. Functions are keyword-only where it
helps and take the connection explicitly; transactions belong to the caller.
Validation is not done here (see :mod:`smpatlas.record`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, update

from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConflictError, NotFound
from smpatlas.store.filters import Filters
from smpatlas.store.schema import dumps, from_row, to_row, value_rows
from smpatlas.store.schema import history as h
from smpatlas.store.schema import partnership_values as pv
from smpatlas.store.schema import partnerships as p

_FIELDS = default_codebook().names


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Change:
    """Who makes a change, when, and in what context (e.g. the imported file)."""

    user: str
    context: str | None = None
    at: dt.datetime | None = None

    def time(self) -> dt.datetime:
        if self.at is None:
            self.at = now()
        return self.at


@dataclass
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows with the dialect's own type processing, without per-row statement overhead.

    The statement is compiled once; each value goes through the column type's bind processor
    (JSON serialisation, dates on SQLite, ...) exactly as a Core ``insert`` would apply it.
    """
    if not rows:
        return
    dialect = conn.dialect
    cols = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=cols)
    procs = {c: table.c[c].type._cached_bind_processor(dialect) for c in cols}
    active = [(c, p) for c, p in procs.items() if p is not None]
    if active:
        rows = [dict(r) for r in rows]
        for r in rows:
            for c, p in active:
                r[c] = p(r[c])
    positions = compiled.positiontup
    if positions:  # qmark / numeric paramstyles (SQLite)
        getter = itemgetter(*positions)
        params: list[Any] = [getter(r) for r in rows] if len(positions) > 1 else [(getter(r),) for r in rows]
    else:  # named / pyformat paramstyles (psycopg)
        params = rows
    conn.exec_driver_sql(str(compiled), params)


def existing_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    ids = list(ids)
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found.update(conn.execute(select(p.c.id).where(p.c.id.in_(chunk))).scalars())
    return found


def all_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(p.c.id)).scalars())


def _load(conn: Connection, ids: list[str]) -> dict[str, tuple[dict[str, Any], int]]:
    out: dict[str, tuple[dict[str, Any], int]] = {}
    for i in range(0, len(ids), 500):
        rows = conn.execute(select(p).where(p.c.id.in_(ids[i : i + 500])))
        for row in rows:
            out[row.id] = (from_row(row), row.version)
    return out


def diff(old: dict[str, Any], new: dict[str, Any], *, keep_missing: bool = False) -> dict[str, tuple[Any, Any]]:
    """Fields whose value differs: name → (old, new). Sets compare as sets."""
    out = {}
    for name in _FIELDS:
        a, b = old.get(name), new.get(name)
        if b is None and keep_missing:
            continue
        if a != b:
            out[name] = (a, b)
    return out


def write(conn: Connection, records: list[dict[str, Any]], *, mode: str, change: Change) -> WriteCounts:
    """Store validated records: ``insert`` (ids must be new) or ``upsert``.

    The caller checked ids for ``insert``; ``upsert`` updates changed records
    (version + 1, one history row per changed field) and leaves unchanged ones alone.
    """
    counts = WriteCounts()
    if not records:
        return counts
    at = change.time()
    existing = _load(conn, [r["id"] for r in records]) if mode != "insert" else {}
    new_rows, hist, values = [], [], []
    for rec in records:
        if rec["id"] in existing:
            old, version = existing[rec["id"]]
            changes = diff(old, rec)
            if not changes:
                counts.unchanged += 1
                continue
            _update(conn, rec, version, changes, change)
            counts.updated += 1
            continue
        row = to_row(rec)
        row.update(version=1, created_at=at, updated_at=at)
        new_rows.append(row)
        values.extend(value_rows(rec))
        hist.append({
            "partnership_id": rec["id"], "version": 1, "action": "create", "field": None,
            "old_value": None, "new_value": dumps(rec), "user_name": change.user, "at": at,
            "context": change.context,
        })
        counts.inserted += 1
    if new_rows:
        bulk_insert(conn, p, new_rows)
        bulk_insert(conn, h, hist)
    if values:
        bulk_insert(conn, pv, values)
    return counts


def _update(conn: Connection, rec: dict[str, Any], version: int, changes: dict[str, tuple[Any, Any]],
            change: Change, *, expected: int | None = None) -> int:
    at = change.time()
    row = to_row(rec)
    row.update(version=version + 1, updated_at=at)
    stmt = update(p).where(p.c.id == rec["id"], p.c.version == (expected if expected is not None else version))
    result = conn.execute(stmt.values(**row))
    if result.rowcount != 1:
        raise ConflictError(
            f"Partnership {rec['id']!r} was changed by someone else meanwhile (you edited version "
            f"{expected if expected is not None else version}); reload it and apply your change again."
        )
    conn.execute(delete(pv).where(pv.c.partnership_id == rec["id"]))
    vals = value_rows(rec)
    if vals:
        conn.execute(insert(pv), vals)
    conn.execute(insert(h), [
        {"partnership_id": rec["id"], "version": version + 1, "action": "update", "field": name,
         "old_value": dumps(old), "new_value": dumps(new), "user_name": change.user, "at": at,
         "context": change.context}
        for name, (old, new) in changes.items()
    ])
    return version + 1


def replace_one(conn: Connection, rec: dict[str, Any], *, expected_version: int | None, change: Change
                ) -> tuple[int, dict[str, tuple[Any, Any]]]:
    """Save an edited (validated) record; refuses when ``expected_version`` is outdated."""
    loaded = _load(conn, [rec["id"]])
    if rec["id"] not in loaded:
        raise NotFound(rec["id"])
    old, version = loaded[rec["id"]]
    if expected_version is not None and expected_version != version:
        changed = [e for e in history_of(conn, rec["id"]) if e["version"] > expected_version]
        fields = sorted({e["field"] or "*" for e in changed})
        raise ConflictError(
            f"Partnership {rec['id']!r} is at version {version}, not {expected_version}: "
            f"{', '.join(fields) or 'it'} changed meanwhile; reload it and apply your change again.",
            changes=changed,
        )
    changes = diff(old, rec)
    if not changes:
        return version, {}
    return _update(conn, rec, version, changes, change, expected=version), changes


def delete_ids(conn: Connection, ids: Iterable[str], *, change: Change) -> int:
    ids = list(ids)
    at = change.time()
    loaded = _load(conn, ids)
    for rid in ids:
        if rid not in loaded:
            raise NotFound(rid)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        conn.execute(delete(pv).where(pv.c.partnership_id.in_(chunk)))
        conn.execute(delete(p).where(p.c.id.in_(chunk)))
    if ids:
        conn.execute(insert(h), [
            {"partnership_id": rid, "version": loaded[rid][1] + 1, "action": "delete", "field": None,
             "old_value": dumps(loaded[rid][0]), "new_value": None, "user_name": change.user, "at": at,
             "context": change.context}
            for rid in ids
        ])
    return len(ids)


def get(conn: Connection, rid: str) -> dict[str, Any] | None:
    row = conn.execute(select(p).where(p.c.id == rid)).first()
    return None if row is None else from_row(row)


def get_meta(conn: Connection, rid: str) -> dict[str, Any] | None:
    row = conn.execute(select(p.c.version, p.c.created_at, p.c.updated_at).where(p.c.id == rid)).first()
    return None if row is None else dict(row._mapping)


def _ordered(order: str) -> Any:
    desc = order.startswith("-")
    name = order.lstrip("-")
    if name not in ("id", "name", "start_year", "end_year", "status", "partnership_type", "updated_at"):
        from smpatlas.errors import ConfigError

        raise ConfigError(f"Cannot sort by {name!r}; use id, name, start_year, end_year, status, "
                          "partnership_type or updated_at (prefix '-' for descending).")
    col = p.c[name]
    return (col.desc(), p.c.id) if desc else (col.asc(), p.c.id)


def select_records(conn: Connection, filters: Filters | None = None, *, order: str = "id",
                   limit: int | None = None, offset: int = 0, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Records matching ``filters``, streamed in ``order``."""
    stmt = select(p).where(*(filters.conditions() if filters else ())).order_by(*_ordered(order))
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    result = conn.execution_options(yield_per=batch).execute(stmt)
    for row in result:
        yield from_row(row)


def count(conn: Connection, filters: Filters | None = None) -> int:
    stmt = select(func.count()).select_from(p).where(*(filters.conditions() if filters else ()))
    return int(conn.execute(stmt).scalar_one())


def history_of(conn: Connection, rid: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(h).where(h.c.partnership_id == rid).order_by(h.c.id))
    out = []
    for row in rows:
        d = dict(row._mapping)
        d["old_value"] = None if d["old_value"] is None else json.loads(d["old_value"])
        d["new_value"] = None if d["new_value"] is None else json.loads(d["new_value"])
        out.append(d)
    return out
