"""Reading and writing partnerships, with their history.

Owns every statement that touches the ``partnerships``, ``partnership_values``
and ``history`` tables: insert, upsert and delete in batches inside the
caller's transaction, reads with filters, one-record edits (applied to the
latest version under a lock, or refused by an optimistic version check), and
the change history. Functions are keyword-only where it
helps and take the connection explicitly; transactions belong to the caller.
Validation is not done here (see :mod:`smpatlas.record`).

Ids are never reused: the id of a deleted partnership is *retired* (its history
is kept under it). :func:`retired_ids` finds them so that callers refuse new
records under them; :func:`write` itself does not check. Databases written
before this rule may hold an id that was deleted and used again: its history
is then one list in the order it happened, the new record's entries after the
last ``delete`` (see :func:`current_life`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import JSON, Column, Connection, Dialect, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConflictError, NotFound
from smpatlas.store.filters import Filters
from smpatlas.store.schema import (
    ROW_COLUMNS,
    VALUE_COLUMNS,
    VALUE_FIELDS,
    dumps,
    from_row,
    row_values,
    search_text,
    sort_name,
    to_row,
    value_rows,
)
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


def encoders(table: Table, columns: Sequence[str], dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    """Per column, what a Core ``insert`` on ``dialect`` does to a value before the driver gets it (None: nothing).

    JSON columns get the engine's JSON serializer itself (``database.json_text`` for engines made
    by :func:`~smpatlas.store.database.create`), which is what their bind processor applies — a
    missing value included, stored as ``null`` — so a value written here and the same value written
    by a Core ``update`` (a web edit) are the same text; on PostgreSQL the statement casts it to JSON.
    Other columns keep the type's own bind processor (booleans and floats on SQLite, ...).
    """
    out: list[Callable[[Any], Any] | None] = []
    serializer: Callable[[Any], Any] = getattr(dialect, "_json_serializer", None) or json.dumps
    for name in columns:
        typ = table.c[name].type
        if isinstance(typ, JSON):
            out.append(serializer if not typ.none_as_null else (lambda v: None if v is None else serializer(v)))
        else:
            out.append(typ._cached_bind_processor(dialect))
    return out


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """INSERT many rows, given as tuples of driver-ready values in ``columns`` order, in one executemany.

    No per-row statement building and no type processing here (see :func:`encoders`).
    """
    if rows:
        _executemany(conn, insert(table), list(columns), rows, column_keys=list(columns))


def _executemany(conn: Connection, stmt: ClauseElement, names: list[str], rows: Sequence[tuple[Any, ...]],
                 column_keys: list[str] | None = None) -> None:
    """Run ``stmt`` once per row, the row's values bound to the parameters ``names``, straight through the driver.

    The statement is compiled once; rows go as they are for qmark / numeric paramstyles (SQLite),
    as dicts for named ones (psycopg).
    """
    compiled = cast(SQLCompiler, stmt.compile(dialect=conn.dialect, column_keys=column_keys))
    positions = compiled.positiontup
    params: Sequence[Any]
    if positions is None:  # named / pyformat paramstyles (psycopg)
        params = [dict(zip(names, r, strict=True)) for r in rows]
    elif list(positions) == names:
        params = rows
    else:
        at = [names.index(k) for k in positions]
        params = [tuple([r[i] for i in at]) for r in rows]
    conn.exec_driver_sql(str(compiled), params)


def existing_ids(conn: Connection, ids: Iterable[str]) -> set[str]:
    ids = list(ids)
    found: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found.update(conn.execute(select(p.c.id).where(p.c.id.in_(chunk))).scalars())
    return found


@dataclass(frozen=True)
class Deletion:
    """The last deletion of a partnership whose id is retired (no current record has it)."""

    id: str
    at: dt.datetime
    user: str
    context: str | None
    version: int  # the version the delete made (the record's last version + 1)
    name: str | None  # the deleted record's name

    @property
    def day(self) -> str:
        """The day of the deletion, ``YYYY-MM-DD`` (UTC)."""
        at = self.at
        if isinstance(at, dt.datetime):
            return (at.astimezone(dt.UTC) if at.tzinfo else at).strftime("%Y-%m-%d")
        return str(at)[:10]

    def refusal(self) -> str:
        """Why a new record cannot have this id, for a person."""
        return (f"id {self.id!r} belonged to a partnership deleted on {self.day} by {self.user}; "
                "ids are never reused")


def retired_ids(conn: Connection, ids: Iterable[str]) -> dict[str, Deletion]:
    """The ids among ``ids`` that belonged to a deleted partnership and that no current record has, with
    their last deletion.

    Looked up 500 at a time through the history's (partnership_id, id) index, on every engine.
    """
    ids = list(dict.fromkeys(ids))
    found: dict[str, Deletion] = {}
    alive = select(p.c.id).where(p.c.id == h.c.partnership_id).exists()
    for i in range(0, len(ids), 500):
        stmt = (select(h.c.partnership_id, h.c.at, h.c.user_name, h.c.context, h.c.version, h.c.old_value)
                .where(h.c.partnership_id.in_(ids[i : i + 500]), h.c.action == "delete", ~alive)
                .order_by(h.c.id))
        for row in conn.execute(stmt):  # oldest first: the last deletion wins
            old = json.loads(row.old_value) if row.old_value else {}
            found[row.partnership_id] = Deletion(row.partnership_id, row.at, row.user_name, row.context,
                                                 row.version, old.get("name") if isinstance(old, dict) else None)
    return found


def deletion(conn: Connection, rid: str) -> Deletion | None:
    """The last deletion of ``rid`` when it is a retired id (see :func:`retired_ids`), else None."""
    return retired_ids(conn, [rid]).get(rid)


def all_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(p.c.id)).scalars())


def _load(conn: Connection, ids: list[str], *, lock: bool = False) -> dict[str, tuple[dict[str, Any], int]]:
    """The stored records among ``ids`` with their versions; ``lock``: locked until the transaction ends
    (``FOR UPDATE`` on PostgreSQL, where another writer then waits and sees the outcome; on SQLite, which
    has one writer at a time, take that write lock first: :func:`_hold_writes`).

    Locked rows are locked in the order of their ids (every chunk too), so that two writers locking
    overlapping sets take them in the same order rather than each waiting for the other."""
    out: dict[str, tuple[dict[str, Any], int]] = {}
    if lock:
        ids = sorted(set(ids))
    for i in range(0, len(ids), 500):
        stmt = select(p).where(p.c.id.in_(ids[i : i + 500]))
        if lock:
            stmt = stmt.order_by(p.c.id)
        rows = conn.execute(stmt.with_for_update() if lock else stmt)
        for row in rows:
            out[row.id] = (from_row(row), row.version)
    return out


def _hold_writes(conn: Connection) -> None:
    """On SQLite, take the database's one write lock now, held until the transaction ends (nothing on PostgreSQL,
    whose writers lock the rows they read to change: ``_load(..., lock=True)``).

    The SQLite driver begins a transaction only at its first write (a deferred BEGIN): reads before it see what
    is committed at that moment, and another writer may commit between them and the write — an edit's optimistic
    version check then fails although nobody named a version. A write that changes nothing (as
    ``users._lock_user_names`` does) begins the transaction and takes the lock before the reads: another writer
    is waited for (up to ``SMPATLAS_BUSY_TIMEOUT``, then :class:`~smpatlas.errors.Busy`, as for any write), what
    is read next is the latest version, and nobody can change it before this transaction ends. The same as BEGIN
    IMMEDIATE, without making every transaction of the engine start with a write lock.
    """
    if conn.dialect.name == "sqlite":
        conn.execute(update(p).where(p.c.id.is_(None)).values(version=p.c.version))


def get_for_update(conn: Connection, rid: str) -> dict[str, Any] | None:
    """The latest version of ``rid`` (None: no such record), which nobody else can change before this transaction
    ends: read under a row lock on PostgreSQL (another writer of it waits, then sees the outcome), after taking
    the write lock on SQLite (:func:`_hold_writes`). Read a record with it to change it without an expected
    version (:func:`replace_one`): the change is then made to, and validated against, what is stored.
    """
    _hold_writes(conn)
    loaded = _load(conn, [rid], lock=True).get(rid)
    return None if loaded is None else loaded[0]


def records(conn: Connection, ids: Iterable[str], *, lock: bool = True) -> dict[str, dict[str, Any]]:
    """The stored records among ``ids``, by id (ids not in the inventory are left out), read to be updated: held
    until the transaction ends (as by :func:`get_for_update`) unless ``lock`` is False.

    An upsert of a file without some fields merges them with these (the import's ``merge_partial``): an edit saved
    between this read and the import's write would otherwise be undone by the stored values read here.
    """
    if lock:
        _hold_writes(conn)
    return {rid: rec for rid, (rec, _version) in _load(conn, list(ids), lock=lock).items()}


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


_PARTNERSHIP_COLUMNS = (*ROW_COLUMNS, "version", "search_text", "sort_name", "created_at", "updated_at")
_HISTORY_COLUMNS = ("partnership_id", "version", "action", "field", "old_value", "new_value", "user_name", "at",
                    "context")


def write(conn: Connection, records: list[dict[str, Any]], *, mode: str, change: Change) -> WriteCounts:
    """Store validated records: ``insert`` (ids must be new) or ``upsert``.

    The caller checked ids for ``insert``, and that no new record has a retired id (:func:`retired_ids`);
    ``upsert`` updates changed records (version + 1, one history row per changed field) and leaves unchanged
    ones alone, holding them (:func:`get_for_update`) until the transaction ends.
    New records go in with one executemany per table, their values encoded here
    exactly as a Core insert would (:func:`encoders`).
    """
    counts = WriteCounts()
    if not records:
        return counts
    at = change.time()
    existing: dict[str, tuple[dict[str, Any], int]] = {}
    if mode != "insert":
        # the records updated are locked until the import ends (see get_for_update): an edit of one of them
        # waits for the import, instead of the import failing on the edit's new version
        _hold_writes(conn)
        existing = _load(conn, [r["id"] for r in records], lock=True)
    dialect = conn.dialect
    # (position, processor, what it makes of None): missing values are common and need no call
    row_enc = [(i, f, f(None)) for i, f in enumerate(encoders(p, ROW_COLUMNS, dialect)) if f is not None]
    created = _encoded(p.c.created_at, at, dialect)  # also updated_at
    new_rows: list[tuple[Any, ...]] = []
    hist: list[tuple[Any, ...]] = []
    values: list[tuple[str, str, str]] = []
    hist_at = _encoded(h.c.at, at, dialect)
    user, context = change.user, change.context
    for rec in records:
        rid = rec["id"]
        if rid in existing:
            old, version = existing[rid]
            changes = diff(old, rec)
            if not changes:
                counts.unchanged += 1
                continue
            _update(conn, rec, version, changes, change)
            counts.updated += 1
            continue
        row = row_values(rec)
        for i, f, none in row_enc:
            v = row[i]
            row[i] = none if v is None else f(v)
        new_rows.append((*row, 1, search_text(rec), sort_name(rec), created, created))
        values.extend(value_rows(rec))
        hist.append((rid, 1, "create", None, None, dumps(rec), user, hist_at, context))
        counts.inserted += 1
    insert_rows(conn, p, _PARTNERSHIP_COLUMNS, new_rows)
    insert_rows(conn, h, _HISTORY_COLUMNS, hist)
    insert_rows(conn, pv, VALUE_COLUMNS, values)
    return counts


def _encoded(column: Column[Any], value: Any, dialect: Dialect) -> Any:
    """``value`` as the driver gets it for ``column`` (e.g. a datetime as SQLite text), for values shared by many rows."""
    proc = column.type._cached_bind_processor(dialect)
    return value if proc is None else proc(value)


def _update(conn: Connection, rec: dict[str, Any], version: int, changes: dict[str, tuple[Any, Any]],
            change: Change, *, expected: int | None = None) -> int:
    at = change.time()
    row = to_row(rec)
    row.update(version=version + 1, updated_at=at)
    stmt = update(p).where(p.c.id == rec["id"], p.c.version == (expected if expected is not None else version))
    result = conn.execute(stmt.values(**row))
    if result.rowcount != 1:
        if get_meta(conn, rec["id"]) is None:  # deleted meanwhile, not changed
            raise NotFound(rec["id"])
        raise ConflictError(
            f"Partnership {rec['id']!r} was changed by someone else meanwhile (you edited version "
            f"{expected if expected is not None else version}); reload it and apply your change again."
        )
    gone, added = [], []
    for name, (old, new) in changes.items():
        if name in _VALUE_FIELDS:
            before, after = set(old or ()), set(new or ())
            gone += [(rec["id"], name, v) for v in before - after]
            added += [(rec["id"], name, v) for v in after - before]
    _delete_values(conn, gone)
    insert_rows(conn, pv, VALUE_COLUMNS, added)
    conn.execute(insert(h), [
        {"partnership_id": rec["id"], "version": version + 1, "action": "update", "field": name,
         "old_value": dumps(old), "new_value": dumps(new), "user_name": change.user, "at": at,
         "context": change.context}
        for name, (old, new) in changes.items()
    ])
    return version + 1


_VALUE_FIELDS = frozenset(VALUE_FIELDS)
_DELETE_VALUE = delete(pv).where(pv.c.field == bindparam("k_field"), pv.c.value == bindparam("k_value"),
                                 pv.c.partnership_id == bindparam("k_id"))


def _delete_values(conn: Connection, keys: list[tuple[str, str, str]]) -> None:
    """Delete value rows by their exact keys (partnership_id, field, value): one primary-key lookup each.

    The table has no index on ``partnership_id`` alone (on SQLite); the keys come from the old record.
    """
    if keys:
        _executemany(conn, _DELETE_VALUE, ["k_id", "k_field", "k_value"], keys)


def replace_one(conn: Connection, rec: dict[str, Any], *, expected_version: int | None, change: Change
                ) -> tuple[int, dict[str, tuple[Any, Any]]]:
    """Save an edited (validated) record; refuses when ``expected_version`` is outdated.

    Without ``expected_version`` the record replaces the latest version, held until the transaction ends
    (:func:`get_for_update`): another writer is waited for, never a conflict. Build ``rec`` from a record read
    with :func:`get_for_update` in the same transaction, else what was saved since that read is undone.
    With it, the check is optimistic: an edit saved since that version is refused (:class:`ConflictError`).
    """
    if expected_version is None:
        _hold_writes(conn)
    loaded = _load(conn, [rec["id"]], lock=expected_version is None)
    if rec["id"] not in loaded:
        raise NotFound(rec["id"])
    old, version = loaded[rec["id"]]
    if expected_version is not None and not 1 <= expected_version <= version:
        raise ConflictError(  # not a version this partnership has had: a mistyped number, not someone else's edit
            f"Partnership {rec['id']!r} has no version {expected_version}: it is at version {version} (versions "
            "count from 1, one per saved change); give the version you loaded, or leave it out.")
    if expected_version is not None and expected_version != version:
        changed = [e for e in current_life(history_of(conn, rec["id"])) if e["version"] > expected_version]
        fields = sorted({e["field"] for e in changed if e["field"]})
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
    """Delete partnerships (their history is kept, with the deleted record); every id must exist.

    Of two people deleting the same partnership at once, one deletes it and the other is told it does
    not exist (never two deletions in its history): PostgreSQL locks the records as they are read, so
    the other waits and then finds nothing; on SQLite (whose reads here take no lock) the other's DELETE
    waits for the first to commit, then deletes nothing, and the counts tell.
    """
    ids = list(dict.fromkeys(ids))
    at = change.time()
    loaded = _load(conn, ids, lock=True)
    for rid in ids:
        if rid not in loaded:
            raise NotFound(rid)
    _delete_values(conn, [key for rid in ids for key in value_rows(loaded[rid][0])])
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        if conn.execute(delete(p).where(p.c.id.in_(chunk))).rowcount != len(chunk):
            if len(ids) == 1:
                raise NotFound(ids[0])
            raise ConflictError("Some of these partnerships were deleted by someone else meanwhile; nothing was "
                                "deleted. Reload the list and try again.")
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
    """The ORDER BY of ``order`` (a column, ``-`` for descending): names without case or accents, missing values
    last, ties by id. The same on SQLite (NULLS LAST since 3.30) and PostgreSQL."""
    desc = order.startswith("-")
    name = order.lstrip("-")
    if name not in ("id", "name", "start_year", "end_year", "status", "partnership_type", "updated_at"):
        from smpatlas.errors import ConfigError

        raise ConfigError(f"Cannot sort by {name!r}; use id, name, start_year, end_year, status, "
                          "partnership_type or updated_at (prefix '-' for descending).")
    if name == "name":
        # without case or accents ("Abu Dhabi" before "API", "Émile" with "Emile"): the folded name, then the
        # name as written ("Emile" before "Émile"), then the id
        keys = (p.c.sort_name, p.c.name)
        return (*(k.desc() if desc else k.asc() for k in keys), p.c.id)
    col: Any = p.c[name]
    # missing values (no end year …) last in both directions; PostgreSQL puts NULL first in DESC, SQLite in ASC
    return ((col.desc() if desc else col.asc()).nulls_last(), p.c.id)


def select_records(conn: Connection, filters: Filters | None = None, *, order: str = "id",
                   limit: int | None = None, offset: int = 0, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Records matching ``filters``, streamed in ``order``."""
    stmt = select(p).where(*(filters.conditions() if filters else ())).order_by(*_ordered(order))
    if limit is not None:
        stmt = stmt.limit(limit)
    if offset:
        stmt = stmt.offset(offset)
    # on the statement, not the connection: Connection.execution_options() changes the connection in place,
    # and every later statement on it (a write too) would then use a server-side cursor on PostgreSQL
    result = conn.execute(stmt.execution_options(yield_per=batch))
    for row in result:
        yield from_row(row)


def count(conn: Connection, filters: Filters | None = None) -> int:
    stmt = select(func.count()).select_from(p).where(*(filters.conditions() if filters else ()))
    return int(conn.execute(stmt).scalar_one())


def current_life(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries of a history (oldest first) after its last ``delete``: those of the current record when an
    older database holds an id that was deleted and used again (versions restart at 1 there)."""
    last = max((i for i, e in enumerate(entries) if e["action"] == "delete"), default=-1)
    return entries[last + 1 :]


def history_of(conn: Connection, rid: str) -> list[dict[str, Any]]:
    """Every history entry of ``rid``, in the order they were made (also across a deletion and a reuse)."""
    rows = conn.execute(select(h).where(h.c.partnership_id == rid).order_by(h.c.id))
    out = []
    for row in rows:
        d = dict(row._mapping)
        d["old_value"] = None if d["old_value"] is None else json.loads(d["old_value"])
        d["new_value"] = None if d["new_value"] is None else json.loads(d["new_value"])
        out.append(d)
    return out
