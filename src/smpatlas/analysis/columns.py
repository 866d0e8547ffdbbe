"""Column views of a selection of partnerships, for figures computed over many records.

Owns :class:`Columns`: one list per codebook field with one *key* per record
(the value as stored: JSON text for lists, scalars as they are), read
straight from the database with one SELECT of the needed columns
(:func:`fetch`) or built from canonical records (:meth:`Columns.from_records`);
and the grouping that lets a per-record function run once per *distinct*
combination of its inputs (:meth:`Columns.groups`), weighted by how many
records share it. Portfolio-wide figures are sums over records, so a figure
computed per distinct input and multiplied by its count is the same figure —
without decoding every record. Knows nothing of statistics or rubric rules;
never writes.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Text, case, cast, or_, select

from smpatlas.codebook import MULTI_KINDS, UNSPECIFIED
from smpatlas.codebook import default as default_codebook
from smpatlas.store.filters import Filters
from smpatlas.store.schema import canonical_value
from smpatlas.store.schema import partnerships as p

_CB = default_codebook()
#: Fields whose stored value is a JSON list (read as text, decoded once per distinct text).
JSON_FIELDS = frozenset(f.name for f in _CB.fields if f.kind in MULTI_KINDS)
#: Records per chunk when a selection is read in chunks (:func:`fetch_chunks`).
CHUNK = 20_000
#: What a nested item without the counted key (an actor without role, an outcome without indicator) counts as.
NOT_GIVEN = "not given"
#: The key the items of a nested list are counted by, per field kind (actors by role, outcomes by indicator).
ITEM_KEYS = {"actors": "role", "outcomes": "indicator"}
#: Prefix of a column saying whether a list field holds any item (``has:sources``: 1, 0, or None when missing).
HAS = "has:"


@dataclass
class Columns:
    """``n`` records as columns of hashable keys; :meth:`decode` turns a key into the canonical value."""

    n: int
    data: Mapping[str, Sequence[Hashable]]
    _decoded: dict[str, dict[Hashable, Any]] = field(default_factory=dict, repr=False)
    _keys: dict[tuple[str, ...], list[tuple[Hashable, ...]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]], names: Sequence[str]) -> Columns:
        """Columns of canonical records (lists become JSON bytes, so they can be counted)."""
        data: dict[str, list[Hashable]] = {name: [] for name in names}
        n = 0
        dumps = orjson.dumps
        for rec in records:
            n += 1
            for name in names:
                if name.startswith(HAS):
                    v = rec.get(name[len(HAS):])
                    data[name].append(None if v is None else int(bool(v)))
                    continue
                v = rec.get(name)
                data[name].append(dumps(v) if isinstance(v, list) else v)
        return cls(n, data)

    def __getitem__(self, name: str) -> Sequence[Hashable]:
        return self.data[name]

    def decode(self, name: str, key: Hashable) -> Any:
        """The canonical value behind ``key`` in column ``name`` (decoded once per distinct key)."""
        memo = self._decoded.setdefault(name, {})
        try:
            return memo[key]
        except KeyError:
            pass
        value = self.decode_once(name, key)
        memo[key] = value
        return value

    @staticmethod
    def decode_once(name: str, key: Hashable) -> Any:
        """:meth:`decode` without the memo (for columns whose keys are nearly all distinct)."""
        if key is None or name.startswith(HAS):
            return key
        if name in JSON_FIELDS:
            return orjson.loads(key)  # type: ignore[arg-type]
        return canonical_value(name, key)

    def counts(self, name: str) -> Counter[Hashable]:
        """How many records hold each distinct key of one column."""
        return Counter(self.data[name])

    def groups(self, names: Sequence[str]) -> Iterator[tuple[dict[str, Any], int]]:
        """Each distinct combination of ``names`` as a record fragment, with its number of records."""
        if len(names) == 1:
            name = names[0]
            for key, w in self.counts(name).items():
                yield {name: self.decode(name, key)}, w
            return
        for keys, w in Counter(zip(*(self.data[n] for n in names), strict=True)).items():
            yield {n: self.decode(n, k) for n, k in zip(names, keys, strict=True)}, w

    def missing(self, name: str) -> int:
        """How many records have no value in column ``name``."""
        return sum(1 for k in self.data[name] if k is None)

    def number_counts(self, name: str) -> Counter[Any]:
        """How many records hold each canonical value of one column (missing values left out)."""
        out: Counter[Any] = Counter()
        for key, w in self.counts(name).items():
            v = self.decode(name, key)
            if v is not None:
                out[v] += w
        return out

    def set_counts(self, name: str) -> tuple[Counter[str], int, int]:
        """For multi-valued column ``name``: how many records hold each value (a record counts once per
        distinct value), how many records have no list, and how many hold ``unspecified``."""
        values: Counter[str] = Counter()
        missing = unspecified = 0
        for key, w in self.counts(name).items():
            vals = self.decode(name, key)
            if vals is None:
                missing += w
                continue
            if UNSPECIFIED in vals:
                unspecified += w
            for v in set(vals):
                values[str(v)] += w
        return values, missing, unspecified

    def item_values(self, name: str, key: str) -> tuple[Counter[str], int]:
        """For nested list column ``name``: how many records hold an item with each ``key`` value (an item
        without it counts as :data:`NOT_GIVEN`; a record counts once per distinct value), and how many
        records have no list."""
        loads = orjson.loads
        seen: list[str] = []  # each record's distinct values, counted once at the end (in C)
        missing = 0
        for text in self.data[name]:
            items = None if text is None else loads(text)  # type: ignore[arg-type]
            if items is None:
                missing += 1
                continue
            seen += {item.get(key) or NOT_GIVEN for item in items}
        return Counter(seen), missing

    def values(self, name: str) -> list[Any]:
        """Every record's canonical value of one column, in order (decoded once per distinct key)."""
        col = self.data[name]
        decoded = {k: self.decode(name, k) for k in set(col)}
        return [decoded[k] for k in col]

    def keys(self, names: Sequence[str]) -> list[tuple[Hashable, ...]]:
        """One tuple of keys per record (for memoising a per-record function on its inputs; built once per names)."""
        got = self._keys.get(tuple(names))
        if got is None:
            got = self._keys[tuple(names)] = list(zip(*(self.data[n] for n in names), strict=True))
        return got

    def fragment(self, names: Sequence[str], keys: tuple[Hashable, ...]) -> dict[str, Any]:
        """The record fragment behind a tuple of keys returned by :meth:`keys`."""
        return {n: self.decode(n, k) for n, k in zip(names, keys, strict=True)}


def _has_items(name: str) -> Any:
    """1 when a JSON list column holds items, 0 when empty, NULL when missing — compared as text, not parsed."""
    text = cast(p.c[name], Text)
    return case((or_(p.c[name].is_(None), text == "null"), None), (text == "[]", 0), else_=1)


def select_columns(filters: Filters | None, names: list[str], *, order_by_id: bool) -> Any:
    """The SELECT of ``names`` (JSON lists as text, ``has:`` columns as 1/0/NULL) for the filtered selection."""
    cols = [_has_items(n[len(HAS):]).label(n) if n.startswith(HAS)
            else cast(p.c[n], Text).label(n) if n in JSON_FIELDS else p.c[n] for n in names]
    stmt = select(*cols).where(*(filters.conditions() if filters else ()))
    return stmt.order_by(p.c.id) if order_by_id else stmt


def _columns(names: list[str], rows: Sequence[Any]) -> Columns:
    if not rows:
        return Columns(0, {n: () for n in names})
    return Columns(len(rows), dict(zip(names, zip(*rows, strict=True), strict=True)))


def fetch(conn: Connection, filters: Filters | None, names: Iterable[str], *, order_by_id: bool = False) -> Columns:
    """The selected partnerships' ``names`` columns (in id order, or none), with one SELECT.

    ``has:NAME`` reads whether list field NAME holds any item (1, 0 or NULL when
    missing) instead of the list. JSON columns are read as text
    (``CAST(... AS TEXT)`` on both engines), so nothing is decoded per record;
    :meth:`Columns.decode` decodes each distinct text once.
    """
    names = list(dict.fromkeys(names))
    return _columns(names, conn.execute(select_columns(filters, names, order_by_id=order_by_id)).all())


def fetch_chunks(conn: Connection, filters: Filters | None, names: Iterable[str], *,
                 size: int | None = None, items: Sequence[tuple[str, str]] = ()) -> Iterator[Columns]:
    """As :func:`fetch`, in chunks of ``size`` (default :data:`CHUNK`) records: memory bounded by the chunk.

    A SQLite file without uncommitted writes in ``conn`` is read as Arrow tables
    (:mod:`columnar`); anything else row by row. The chunks share one memo of
    decoded keys, so a value seen in several chunks is decoded once. ``items``
    names the (nested column, key) pairs the caller will ask
    :meth:`Columns.item_values` for: the Arrow readers parse those as they read.
    """
    decoded: dict[str, dict[Hashable, Any]] = {}
    for chunk in _chunks(conn, filters, list(dict.fromkeys(names)), size or CHUNK, items):
        chunk._decoded = decoded
        yield chunk


def _chunks(conn: Connection, filters: Filters | None, names: list[str], size: int,
            items: Sequence[tuple[str, str]]) -> Iterator[Columns]:
    from smpatlas.analysis import columnar  # Arrow reads for SQLite files (imports this module)

    path = columnar.readable(conn)
    if path is not None:
        yield from columnar.arrow_chunks(path, conn, filters, names, size=size, items=items)
        return
    result = conn.execute(select_columns(filters, names, order_by_id=False).execution_options(yield_per=size))
    empty = True
    for rows in result.partitions(size):
        empty = False
        yield _columns(names, rows)
    if empty:
        yield _columns(names, [])


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while columns are built and counted.

    Reading a selection creates hundreds of thousands of small acyclic
    objects; each allocation burst otherwise triggers collections that scan
    them all again (a third of the time of ``stats`` at 20,000 records).
    Reference counting still frees everything as usual.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
