"""An in-memory bitmap index of the facet fields: the fast path for browse counts and pages.

Owns :class:`FacetCache`, which keeps one :class:`FacetIndex` per data version
(the newest ``history`` row: every write adds one, from the web, the CLI or an
import) and rebuilds it after a change. The index holds, for every value of
every facet field, the set of records having it as a bitmask (a Python int,
one bit per record), so a facet count is ``(value & selection).bit_count()``:
exact, and independent of how many values a record has. Year ranges and text
search are still answered by SQL (:meth:`~smpatlas.web.facets.Query.conditions`),
then intersected. The SQL ``GROUP BY`` path in :mod:`smpatlas.web.facets` gives
the same results (a test compares them) and is used when the cache is off.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from smpatlas.analysis.columns import fetch, paused_gc
from smpatlas.codebook import default as default_codebook
from smpatlas.store.filters import Filters
from smpatlas.store.schema import from_row
from smpatlas.store.schema import history as h
from smpatlas.store.schema import partnerships as p
from smpatlas.web import facets as fc

log = logging.getLogger("smpatlas.web")
_NOT_BUILDING = object()


def _bitmap(positions: Any, nbytes: int) -> int:
    buf = bytearray(nbytes)
    for i in positions:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


@dataclass
class FacetIndex:
    """Bitmaps of one data version; immutable once built (orders fill in lazily)."""

    stamp: Any
    ids: list[str]
    masks: dict[str, dict[str, int]]
    alive: int  # the records that exist (deleted ones keep their position, unset here)
    orders: dict[str, list[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def all(self) -> int:
        return self.alive

    @classmethod
    def build(cls, conn: Connection, stamp: Any) -> FacetIndex:
        """Read the facet fields as columns (one row per record) and set one bit per record and value.

        Records holding the same stored value (the same JSON list, the same enum) are grouped first,
        so each distinct value is decoded once; positions follow the records' ids in sorted order.
        """
        names = [f.name for f in fc.FACET_FIELDS]
        with paused_gc():
            cols = fetch(conn, None, ["id", *names], order_by_id=True)
            ids = [str(i) for i in cols["id"]]
            nbytes = (len(ids) + 7) // 8
            masks: dict[str, dict[str, int]] = {}
            for f in fc.FACET_FIELDS:
                groups: dict[Any, list[int]] = {}
                for i, key in enumerate(cols[f.name]):
                    if key is not None:
                        groups.setdefault(key, []).append(i)
                positions: dict[str, list[int]] = {}
                for key, where in groups.items():
                    value = cols.decode(f.name, key)
                    if value is None:
                        continue
                    for v in (value if f.multi else (value,)):
                        positions.setdefault(fc._text(v), []).extend(where)
                masks[f.name] = {v: _bitmap(where, nbytes) for v, where in positions.items()}
        return cls(stamp=stamp, ids=ids, masks=masks, alive=(1 << len(ids)) - 1)

    def patched(self, conn: Connection, changed: list[str], stamp: Any) -> FacetIndex:
        """A new index with the records in ``changed`` re-read (a few edits need no full rebuild)."""
        ids = list(self.ids)
        pos = {rid: i for i, rid in enumerate(ids)}
        masks = {f: dict(values) for f, values in self.masks.items()}
        alive = self.alive
        for rid in changed:
            i = pos.get(rid)
            if i is None:
                continue
            bit = 1 << i
            for values in masks.values():
                for v, m in values.items():
                    if m & bit:
                        values[v] = m & ~bit
            alive &= ~bit
        for row in conn.execute(select(p).where(p.c.id.in_(changed))):
            rec = from_row(row)
            i = pos.get(rec["id"])
            if i is None:
                i = pos[rec["id"]] = len(ids)
                ids.append(rec["id"])
            bit = 1 << i
            alive |= bit
            for f in fc.FACET_FIELDS:
                value = rec.get(f.name)
                for v in (value if f.multi else [value]) if value is not None else ():
                    text = fc._text(v)
                    masks[f.name][text] = masks[f.name].get(text, 0) | bit
        return FacetIndex(stamp=stamp, ids=ids, masks=masks, alive=alive)

    # -- selections -------------------------------------------------------------
    def _sql_mask(self, conn: Connection, query: fc.Query) -> int | None:
        conds = Filters(year_from=query.year_from, year_to=query.year_to, text=query.text).conditions()
        if not conds:
            return None
        pos = {rid: i for i, rid in enumerate(self.ids)} if len(self.ids) else {}
        found = conn.execute(select(p.c.id).where(*conds)).scalars()
        return _bitmap((pos[r] for r in found if r in pos), (len(self.ids) + 7) // 8)

    def selection(self, query: fc.Query, sql_mask: int | None, *, skip: str | None = None) -> int:
        m = self.all if sql_mask is None else sql_mask
        for fname, values in query.selected.items():
            if fname == skip:
                continue
            either = 0
            for v in values:
                either |= self.masks[fname].get(v, 0)
            m &= either
        return m

    def order(self, conn: Connection, sort: str) -> list[int]:
        with self._lock:
            got = self.orders.get(sort)
            if got is None:
                pos = {rid: i for i, rid in enumerate(self.ids)}
                got = [pos[r] for r in conn.execute(select(p.c.id).order_by(*fc._order(sort))).scalars() if r in pos]
                self.orders[sort] = got
        return got

    # -- answers ----------------------------------------------------------------
    def browse(self, conn: Connection, query: fc.Query, names: list[str] | None
               ) -> tuple[int, list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """The count, one page of records (with ``_version``) and the facet counts of ``query``."""
        cb = default_codebook()
        sql_mask = self._sql_mask(conn, query)
        chosen = self.selection(query, sql_mask)
        total = chosen.bit_count()
        facets: dict[str, list[dict[str, Any]]] = {}
        for fname in names if names is not None else [f.name for f in fc.FACET_FIELDS]:
            f = cb[fname]
            base = self.selection(query, sql_mask, skip=fname) if fname in query.selected else chosen
            counts = {v: (m & base).bit_count() for v, m in self.masks[fname].items()}
            selected = query.selected.get(fname, ())
            counts = {v: n for v, n in counts.items() if n or v in selected}
            for v in selected:
                counts.setdefault(v, 0)
            order = {v: i for i, v in enumerate(f.values())}
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], order.get(kv[0], 999), kv[0]))
            facets[fname] = [{"value": v, "label": fc.label(f, v), "count": n, "selected": v in selected}
                             for v, n in ranked]
        return total, self._page(conn, query, chosen, total), facets

    def _page(self, conn: Connection, query: fc.Query, chosen: int, total: int) -> list[dict[str, Any]]:
        start = (query.page - 1) * query.per_page
        if start >= total:
            return []
        bits = chosen.to_bytes((len(self.ids) + 7) // 8 or 1, "little")
        wanted: list[str] = []
        seen = 0
        for i in self.order(conn, query.sort):
            if bits[i >> 3] >> (i & 7) & 1:
                if seen >= start:
                    wanted.append(self.ids[i])
                    if len(wanted) == query.per_page:
                        break
                seen += 1
        rows = {row.id: row for row in conn.execute(select(p).where(p.c.id.in_(wanted)))}
        out = []
        for rid in wanted:
            if rid in rows:  # deleted since the index was built: the next request rebuilds it
                rec = from_row(rows[rid])
                rec["_version"] = rows[rid].version
                out.append(rec)
        return out


class FacetCache:
    """The current :class:`FacetIndex`: patched after a few changes, rebuilt after many.

    Given an engine (the web app's), a full build runs in a background thread on a connection of its own, and
    :meth:`get` answers None meanwhile, so the caller takes the SQL ``GROUP BY`` path (the same answers): the
    first request after start-up, or after an import of many records, is not held for the build (51 s at
    1,000,000 records). An index of an older data version is never returned. Without an engine, or with
    ``wait=True``, :meth:`get` builds in the caller's thread.
    """

    #: Above this many changed records since the last version, rebuild instead of patching.
    PATCH_LIMIT = 500

    def __init__(self, engine: Engine | None = None) -> None:
        self._index: FacetIndex | None = None
        self._lock = threading.Lock()
        self._engine = engine
        self._building: Any = _NOT_BUILDING  # the stamp a background build is reading, if one runs

    @staticmethod
    def stamp(conn: Connection) -> Any:
        return conn.execute(select(func.max(h.c.id))).scalar()

    def get(self, conn: Connection, *, wait: bool = False) -> FacetIndex | None:
        """The index of the data as ``conn`` sees it; None while a background build of it runs."""
        stamp = self.stamp(conn)
        index = self._index
        if index is not None and index.stamp == stamp:
            return index
        with self._lock:
            current = self._index
            if current is not None and current.stamp == stamp:
                return current
            if current is not None and current.stamp is not None and stamp is not None:
                changed = list(conn.execute(select(h.c.partnership_id).where(h.c.id > current.stamp).distinct()
                                            .limit(self.PATCH_LIMIT + 1)).scalars())
                if len(changed) <= self.PATCH_LIMIT:
                    self._index = current.patched(conn, changed, stamp)
                    return self._index
            if wait or self._engine is None:
                self._index = FacetIndex.build(conn, stamp)
                return self._index
            if self._building != stamp:
                self._building = stamp
                threading.Thread(target=self._build, args=(stamp,), name="smpatlas-facet-index",
                                 daemon=True).start()
            return None

    def _build(self, stamp: Any) -> None:
        """Build the index of ``stamp`` on a connection of its own; keep it unless a newer one is there."""
        assert self._engine is not None
        try:
            with self._engine.connect() as conn:
                index = FacetIndex.build(conn, self.stamp(conn))  # what is there now (≥ stamp)
        except Exception:  # the app is closing, or the database went away: requests keep the SQL path
            log.warning("The facet index could not be built; browsing counts with SQL instead.", exc_info=True)
            index = None
        with self._lock:
            if self._building == stamp:
                self._building = _NOT_BUILDING
            if index is not None and (self._index is None or self._index.stamp is None or index.stamp is None
                                      or index.stamp > self._index.stamp):
                self._index = index
