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
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Text, case, cast, func, or_, select

from smpatlas.codebook import MULTI_KINDS
from smpatlas.codebook import default as default_codebook
from smpatlas.store.filters import Filters
from smpatlas.store.schema import canonical_value
from smpatlas.store.schema import partnerships as p

_CB = default_codebook()
#: Fields whose stored value is a JSON list (read as text, decoded once per distinct text).
JSON_FIELDS = frozenset(f.name for f in _CB.fields if f.kind in MULTI_KINDS)
#: Prefix of a column holding the length of a list field instead of its value (``len:sources``).
LENGTH = "len:"


@dataclass
class Columns:
    """``n`` records as columns of hashable keys; :meth:`decode` turns a key into the canonical value."""

    n: int
    data: dict[str, list[Hashable]]
    _decoded: dict[str, dict[Hashable, Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]], names: Sequence[str]) -> Columns:
        """Columns of canonical records (lists become JSON bytes, so they can be counted)."""
        data: dict[str, list[Hashable]] = {name: [] for name in names}
        n = 0
        dumps = orjson.dumps
        for rec in records:
            n += 1
            for name in names:
                if name.startswith(LENGTH):
                    v = rec.get(name[len(LENGTH):])
                    data[name].append(None if v is None else len(v))
                    continue
                v = rec.get(name)
                data[name].append(dumps(v) if isinstance(v, list) else v)
        return cls(n, data)

    def __getitem__(self, name: str) -> list[Hashable]:
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
        if key is None or name.startswith(LENGTH):
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
            for key, w in Counter(self.data[name]).items():
                yield {name: self.decode(name, key)}, w
            return
        for keys, w in Counter(zip(*(self.data[n] for n in names), strict=True)).items():
            yield {n: self.decode(n, k) for n, k in zip(names, keys, strict=True)}, w

    def values(self, name: str) -> list[Any]:
        """Every record's canonical value of one column, in order (decoded once per distinct key)."""
        col = self.data[name]
        decoded = {k: self.decode(name, k) for k in set(col)}
        return [decoded[k] for k in col]

    def keys(self, names: Sequence[str]) -> list[tuple[Hashable, ...]]:
        """One tuple of keys per record (for memoising a per-record function on its inputs)."""
        return list(zip(*(self.data[n] for n in names), strict=True))

    def fragment(self, names: Sequence[str], keys: tuple[Hashable, ...]) -> dict[str, Any]:
        """The record fragment behind a tuple of keys returned by :meth:`keys`."""
        return {n: self.decode(n, k) for n, k in zip(names, keys, strict=True)}


def _length(name: str) -> Any:
    """The number of items of a JSON list column; NULL when the value is missing (SQL NULL or JSON null)."""
    col = p.c[name]
    return case((or_(col.is_(None), cast(col, Text) == "null"), None), else_=func.json_array_length(col))


def fetch(conn: Connection, filters: Filters | None, names: Iterable[str]) -> Columns:
    """The selected partnerships' ``names`` columns (in no particular order), with one SELECT.

    ``len:NAME`` reads the number of items of list field NAME (``json_array_length``,
    the same function on both engines) instead of the list. JSON columns are read as text
    (``CAST(... AS TEXT)`` on both engines), so
    nothing is decoded per record; :meth:`Columns.decode` decodes each
    distinct text once.
    """
    names = list(dict.fromkeys(names))
    cols = [_length(n[len(LENGTH):]).label(n) if n.startswith(LENGTH)
            else cast(p.c[n], Text).label(n) if n in JSON_FIELDS else p.c[n] for n in names]
    stmt = select(*cols).where(*(filters.conditions() if filters else ()))
    rows = conn.execute(stmt).all()
    if not rows:
        return Columns(0, {n: [] for n in names})
    data = {n: list(col) for n, col in zip(names, zip(*rows, strict=True), strict=True)}
    return Columns(len(rows), data)


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
