"""Columnar reads of a selection: Apache Arrow tables straight from a SQLite file.

Owns :func:`arrow_chunks` (the selected partnerships' columns read by the ADBC
SQLite driver into Arrow record batches — no Python object per cell) and
:class:`ArrowColumns` (a :class:`~smpatlas.analysis.columns.Columns` whose
counts and groupings run in Arrow's C++ kernels; Python objects are made only
for the distinct values and combinations). :func:`readable` says when this
path applies: a SQLite *file* whose connection holds no uncommitted writes (the
reader opens its own read-only connection, so it must not miss anything the
caller's transaction changed). Everything else — PostgreSQL, in-memory SQLite,
a transaction with writes — takes the row path in :mod:`columns`; both give
the same figures (tests check it). Knows nothing of statistics or rubric
rules; never writes.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
from collections import Counter
from collections.abc import Generator, Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from sqlalchemy import Connection, and_, literal_column, text

from smpatlas.analysis.columns import HAS, NOT_GIVEN, Columns, select_columns
from smpatlas.codebook import UNSPECIFIED
from smpatlas.codebook import default as default_codebook
from smpatlas.store.filters import Filters

_CB = default_codebook()
_BOOLS = frozenset(f.name for f in _CB.fields if f.kind == "bool")
_INTS = frozenset(f.name for f in _CB.fields if f.kind == "int")
_NUMBERS = frozenset(f.name for f in _CB.fields if f.kind == "number")


def _arrow_type(name: str) -> pa.DataType:
    if name.startswith(HAS) or name in _INTS or name in _BOOLS:
        return pa.int64()
    if name in _NUMBERS:
        return pa.float64()
    return pa.string()


def readable(conn: Connection) -> Path | None:
    """The SQLite file to read columns from directly, or None when the row path must (or should) be used.

    None for other engines, in-memory databases, a caller's transaction with
    uncommitted writes (the reader has its own connection and would miss them),
    and small inventories (below :data:`ARROW_ABOVE` rows the row path is faster:
    the columnar path has a fixed cost of a few milliseconds).
    """
    url = conn.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return None
    dbapi = conn.connection.dbapi_connection
    if dbapi is None or getattr(dbapi, "in_transaction", True):
        return None
    path = Path(url.database)
    if not path.is_file():
        return None
    lo, hi = conn.execute(text("SELECT min(rowid), max(rowid) FROM partnerships")).one()
    return path if lo is not None and hi - lo + 1 >= ARROW_ABOVE else None


#: Inventories with fewer rows than this are read by the row path (:func:`readable`).
ARROW_ABOVE = 5_000
#: Threads that read parts of a large selection at once (one per core, at most two).
READERS = max(1, min(2, os.cpu_count() or 1))
#: A selection spanning fewer rows than this is read by one thread.
SPLIT_ABOVE = 40_000
#: Rows each reader reads first, as a small chunk, so that counting starts early.
FIRST_ROWS = 4_000
#: How long a reader waits for a lock (e.g. another connection recovering the write-ahead log).
BUSY_TIMEOUT_MS = 30_000
#: Multi-valued columns with more distinct lists than this in a chunk are counted by splitting the lists.
SPLIT_DISTINCT = 500
#: A canonical JSON list of plain tokens, as the store writes sets of codes and vocabulary values.
_TOKEN_LIST = r'^\["[^"\\]*"(,"[^"\\]*")*\]$'
#: The inventory's write counter in a reader's snapshot: every create, update and delete adds a history row.
_SNAPSHOT_SQL = "(SELECT coalesce(max(id), 0) FROM history)"


def _typed_sql(conn: Connection, filters: Filters | None, names: list[str], part: Any = None
               ) -> tuple[str, list[Any]]:
    """The SELECT, preceded by one row of typed placeholders that also carries the snapshot's write counter.

    The driver infers each column's type from the first rows, so the placeholder
    row fixes them; being part of the same statement, its counter comes from
    the same snapshot as the data.
    """
    stmt = select_columns(filters, names, order_by_id=False)
    if part is not None:
        stmt = stmt.where(part)
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = [int(v) if isinstance(v, bool) else v for v in (params[k] for k in compiled.positiontup or ())]
    types = [_arrow_type(n) for n in names]
    quoted = [f'"{n}"' for n in names]
    first = ", ".join(
        f"{'0' if t == pa.int64() else '0.0' if t == pa.float64() else chr(39) * 2} AS {q}"
        for q, t in zip(quoted, types, strict=True))
    casts = ", ".join(
        f"CAST({q} AS {'INTEGER' if t == pa.int64() else 'REAL' if t == pa.float64() else 'TEXT'})"
        for q, t in zip(quoted, types, strict=True))
    return (f'SELECT {first}, {_SNAPSHOT_SQL} AS "_snapshot" UNION ALL SELECT {casts}, 0 FROM ({compiled.string})',
            args)


def _batches(path: Path, statements: list[tuple[str, list[Any]]], size: int, schema: pa.Schema,
             items: Sequence[tuple[str, str]] = ()) -> Iterator[Any]:
    """The snapshot's write counter, then the chunks of the SELECTs, in turn (without placeholder rows).

    The statements run on one connection in one read transaction (the driver
    does not autocommit), so they all read the same snapshot. Runs in a reader
    thread: each chunk is made into :class:`ArrowColumns` and the nested lists
    named in ``items`` are parsed here (Arrow releases the GIL), so the counting
    thread receives them ready.
    """
    import adbc_driver_sqlite.dbapi as adbc

    width = len(schema)
    counter = None
    with adbc.connect(f"file:{path.resolve()}?mode=ro") as db, db.cursor() as cur:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")  # wait, as the app's own connections do
        cur.fetchall()
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(size)})
        for sql, args in statements:
            cur.execute(sql, args)
            first = True
            for batch in cur.fetch_record_batch():
                if first:
                    seen = batch.column(width)[0].as_py()
                    if counter is None:
                        counter = seen
                        yield counter
                    elif seen != counter:  # cannot happen inside one transaction
                        raise RuntimeError(f"one reader saw two snapshots ({counter} and {seen} writes)")
                    batch, first = batch.slice(1), False
                if batch.num_rows:
                    part = batch.select(list(range(width))).rename_columns(schema.names)
                    yield ArrowColumns(pa.Table.from_batches([part]).cast(schema)).prepared(items)


_DONE = object()


def _read_ahead(sources: list[Iterator[Any]], depth: int = 2) -> Generator[tuple[int, Any], None, None]:
    """The items of ``sources`` as (source index, item), each source read by its own thread.

    The driver releases the GIL while it steps through SQLite, so reading
    overlaps counting, and two readers use two cores. Each reader stays at
    most ``depth`` items ahead; errors in a reader are raised here; closing
    this generator early stops the readers.
    """
    out: queue.Queue[Any] = queue.Queue(maxsize=depth * len(sources))
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run(index: int, source: Iterator[Any]) -> None:
        try:
            for item in source:
                if not put((index, item)):
                    return
            put((index, _DONE))
        except BaseException as exc:  # handed to the consumer
            put((index, exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    readers = [threading.Thread(target=run, args=(i, src), name="smpatlas-columns", daemon=True)
               for i, src in enumerate(sources)]
    for reader in readers:
        reader.start()
    try:
        done = 0
        while done < len(sources):
            index, item = out.get()
            if item is _DONE:
                done += 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield index, item
    finally:
        stop.set()
        for reader in readers:
            reader.join()


def _parts(conn: Connection, readers: int) -> list[list[Any]]:
    """Per reader, the rowid conditions it reads in turn (together every row, whatever was added since).

    A large table is split in two halves when there are two readers. Each
    reader starts with a small range (:data:`FIRST_ROWS` rows), so that
    counting can start while the rest is read.
    """
    lo, hi = conn.execute(text("SELECT min(rowid), max(rowid) FROM partnerships")).one()
    if lo is None:
        return [[None]]
    rowid: Any = literal_column("partnerships.rowid")
    if readers < 2 or hi - lo < SPLIT_ABOVE:
        return [[rowid < lo + FIRST_ROWS, rowid >= lo + FIRST_ROWS]]
    mid = (lo + hi) // 2
    first = min(lo + FIRST_ROWS, mid + 1)
    return [[rowid < first, and_(rowid >= first, rowid <= mid)],
            [and_(rowid > mid, rowid <= mid + FIRST_ROWS), rowid > mid + FIRST_ROWS]]


def arrow_chunks(path: Path, conn: Connection, filters: Filters | None, names: Sequence[str], *,
                 size: int, items: Sequence[tuple[str, str]] = ()) -> Iterator[ArrowColumns]:
    """The selected partnerships' ``names`` columns, ``size`` records at a time, as Arrow tables.

    A large table is read in two halves by two threads; their figures add up to
    one consistent snapshot only if both saw the same committed writes, so
    nothing is handed on until both snapshots' write counters agree (else it
    reads again; the third try uses one reader, which is always consistent).
    """
    names = list(dict.fromkeys(names))
    schema = pa.schema([(n, _arrow_type(n)) for n in names])
    empty = True
    for attempt in range(3):
        parts = _parts(conn, READERS if attempt < 2 else 1)
        sources = [_batches(path, [_typed_sql(conn, filters, names, cond) for cond in conds], size, schema,
                            items) for conds in parts]
        stream = _read_ahead(sources)
        try:
            snapshots: dict[int, int] = {}
            pending: list[ArrowColumns] = []
            for index, item in stream:
                if index not in snapshots:
                    snapshots[index] = item
                    if len(snapshots) == len(sources):
                        break
                    continue
                pending.append(item)
            if len(set(snapshots.values())) > 1:
                continue  # the halves saw different writes: read again
            for chunk in itertools.chain(pending, (item for _, item in stream)):
                empty = False
                yield chunk
            break
        finally:
            stream.close()
    if empty:
        yield ArrowColumns(schema.empty_table())


class _Lists(Mapping[str, Sequence[Hashable]]):
    """Python lists of a table's columns, made on first use (for per-record work that needs them)."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self.made: dict[str, list[Hashable]] = {}

    def __getitem__(self, name: str) -> Sequence[Hashable]:
        got = self.made.get(name)
        if got is None:
            values = self.table.column(name).to_pylist()
            if name in _BOOLS:
                values = [None if v is None else bool(v) for v in values]
            got = self.made[name] = values
        return got

    def __iter__(self) -> Iterator[str]:
        return iter(self.table.column_names)

    def __len__(self) -> int:
        return int(self.table.num_columns)


def _key(name: str, v: Any) -> Hashable:
    return bool(v) if v is not None and name in _BOOLS else v


def _present(col: Any) -> tuple[Any, int]:
    """The lists of a JSON list column that are there, and how many records have none (NULL or JSON null)."""
    absent = pc.or_kleene(pc.is_null(col), pc.equal(col, "null"))
    return col.filter(pc.invert(absent)).combine_chunks(), int(pc.sum(absent).as_py() or 0)


class ArrowColumns(Columns):
    """A :class:`Columns` over an Arrow table: counts and groups computed by Arrow, per distinct key."""

    def __init__(self, table: pa.Table) -> None:
        super().__init__(table.num_rows, _Lists(table))
        self.table = table
        self._items: dict[tuple[str, str], tuple[Counter[str], int]] = {}

    def prepared(self, items: Sequence[tuple[str, str]]) -> ArrowColumns:
        """Parse the nested lists ``items`` ((column, key) pairs) now, in the thread that read them."""
        for name, key in items:
            if name in self.table.column_names:
                self._items[name, key] = self._item_values(name, key)
        return self

    def counts(self, name: str) -> Counter[Hashable]:
        col = self.table.column(name)
        out: Counter[Hashable] = Counter()
        if len(col) == 0:
            return out
        vc = pc.value_counts(col)
        for v, n in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
            out[_key(name, v)] += n
        return out

    def missing(self, name: str) -> int:
        return int(self.table.column(name).null_count)

    def groups(self, names: Sequence[str]) -> Iterator[tuple[dict[str, Any], int]]:
        if len(names) == 1:
            yield from super().groups(names)
            return
        if self.n == 0:
            return
        grouped = self.table.select(list(names)).group_by(list(names), use_threads=False).aggregate(
            [([], "count_all")])
        columns = [grouped.column(n).to_pylist() for n in names]
        for i, w in enumerate(grouped.column("count_all").to_pylist()):
            yield {n: self.decode(n, _key(n, col[i])) for n, col in zip(names, columns, strict=True)}, w

    def set_counts(self, name: str) -> tuple[Counter[str], int, int]:
        """As :meth:`Columns.set_counts`; lists of many distinct combinations (occupations, countries) are
        split and counted by Arrow instead of being decoded one distinct list at a time."""
        col = self.table.column(name)
        if len(col) == 0 or pc.count_distinct(col).as_py() <= SPLIT_DISTINCT:
            return super().set_counts(name)
        present, missing = _present(col)
        present = present.filter(pc.not_equal(present, "[]"))
        # Canonical lists of plain tokens ('["GEO","NGA"]'): anything else (an escape or a quote inside a
        # value, other spacing) is decoded as JSON by the general path.
        if len(present) and not pc.all(pc.match_substring_regex(present, _TOKEN_LIST)).as_py():
            return super().set_counts(name)
        lists = pc.split_pattern(pc.utf8_slice_codeunits(present, 2, -2), '","')
        codes = pc.dictionary_encode(pc.list_flatten(lists))
        # One key per (record, value) pair, so a value listed twice in a record counts once.
        pairs = pc.add(pc.multiply(pc.cast(codes.indices, pa.int64()), len(present)),
                       pc.list_parent_indices(lists))
        per_value = pc.value_counts(pc.divide(pc.unique(pairs), len(present)))
        values: Counter[str] = Counter()
        names = codes.dictionary.to_pylist()
        for code, n in zip(per_value.field("values").to_pylist(), per_value.field("counts").to_pylist(),
                           strict=True):
            values[names[code]] += n
        return values, missing, values.get(UNSPECIFIED, 0)

    def number_counts(self, name: str) -> Counter[Any]:
        col = self.table.column(name)
        out: Counter[Any] = Counter()
        if len(col) == col.null_count:
            return out
        raw = name in _INTS or name.startswith(HAS)  # stored as they are canonically
        if name in _NUMBERS and pa.types.is_floating(col.type):
            present = col.drop_null()
            if pc.all(pc.and_(pc.equal(pc.floor(present), present), pc.less(pc.abs(present), 2.0 ** 53))).as_py():
                col, raw = pc.cast(present, pa.int64()), True  # whole numbers are ints canonically
        vc = pc.value_counts(col)
        for v, n in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
            value = v if raw or v is None else self.decode(name, _key(name, v))
            if value is not None:
                out[value] += n
        return out

    def item_values(self, name: str, key: str) -> tuple[Counter[str], int]:
        got = self._items.get((name, key))
        if got is not None:
            return Counter(got[0]), got[1]
        return self._item_values(name, key)

    def _item_values(self, name: str, key: str) -> tuple[Counter[str], int]:
        col = self.table.column(name)
        present, missing = _present(col)
        out: Counter[str] = Counter()
        if len(present) == 0:
            return out, missing
        # One JSON object per line ({"a": <the list>}), parsed by Arrow's JSON reader.
        lines = pc.binary_join_element_wise('{"a":', present, "}\n", "")
        data = lines.buffers()[2].slice(lines.offset, pc.sum(pc.binary_length(lines)).as_py())
        schema = pa.schema([("a", pa.list_(pa.struct([(key, pa.string())])))])
        table = pj.read_json(pa.BufferReader(data), parse_options=pj.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="ignore"))
        lists = table.column("a").combine_chunks()
        values = pc.struct_field(pc.list_flatten(lists), key)
        values = pc.if_else(pc.or_kleene(pc.is_null(values), pc.equal(values, "")), NOT_GIVEN, values)
        pairs = pa.table({"record": pc.list_parent_indices(lists), "value": values})
        distinct = pairs.group_by(["record", "value"], use_threads=False).aggregate([])
        vc = pc.value_counts(distinct.column("value"))
        for v, n in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
            out[v] += n
        return out, missing


__all__ = ["ArrowColumns", "arrow_chunks", "readable"]
