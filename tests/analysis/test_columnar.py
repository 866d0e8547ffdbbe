"""Arrow column reads (SQLite files): the same figures as the row path, and only when they may be used."""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text

from smpatlas.analysis import columnar, columns, stats
from smpatlas.analysis import portfolio as pf
from smpatlas.analysis.columnar import ArrowColumns
from smpatlas.analysis.columns import HAS, Columns, fetch_chunks
from smpatlas.store import database
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters
from smpatlas.store.schema import partnerships, to_row
from tests.analysis.test_columns import FILTERS, generated


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    recs = generated(180, seed=5)
    # The first records lack the numbers, booleans and nested lists that later ones have: the reader must
    # not guess a column's type from a first chunk that is all NULL.
    for r in recs[:60]:
        for name in ("budget_eur", "planned_participants", "government_to_government", "actors", "outcomes",
                     "duration_months_min", "duration_months_max", "end_year"):
            r.pop(name, None)
    recs[70]["actors"] = [{"name": "No role given"}, {"name": "Ministry", "role": "government"}]
    return recs


@pytest.fixture(autouse=True)
def _small_inventories_read_as_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "ARROW_ABOVE", 1)


@pytest.fixture
def sqlite_file(tmp_path: Path, records: list[dict[str, Any]]) -> Engine:
    engine = database.open_engine(f"sqlite:///{tmp_path / 'atlas.db'}")
    with engine.begin() as conn:
        repo.write(conn, records, mode="insert", change=repo.Change(user="test"))
    return engine


def _row_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "readable", lambda conn: None)


def test_a_sqlite_file_is_read_as_arrow(sqlite_file: Engine) -> None:
    with sqlite_file.connect() as conn:
        assert columnar.readable(conn) is not None
        chunks = list(fetch_chunks(conn, None, ["status", "actors"]))
    assert all(isinstance(c, ArrowColumns) for c in chunks)
    assert sum(c.n for c in chunks) == 180


def test_uncommitted_writes_send_the_read_through_the_callers_connection(sqlite_file: Engine) -> None:
    """The Arrow reader has its own connection: it must not be used when it would miss the caller's writes."""
    with sqlite_file.connect() as conn:
        before = stats.of_selection(conn).n
        row = to_row({"id": "extra-one", "name": "Extra", "partnership_type": "pilot_project",
                      "origin_countries": ["PHL"], "destination_countries": ["DEU"], "start_year": 2020,
                      "status": "ongoing"})
        conn.execute(insert(partnerships).values(**row, version=1, created_at=repo.now(), updated_at=repo.now()))
        assert columnar.readable(conn) is None
        assert stats.of_selection(conn).n == before + 1
        conn.rollback()
        assert columnar.readable(conn) is not None
        assert stats.of_selection(conn).n == before


def test_small_inventories_use_the_row_path(sqlite_file: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "ARROW_ABOVE", 181)
    with sqlite_file.connect() as conn:
        assert columnar.readable(conn) is None
        monkeypatch.setattr(columnar, "ARROW_ABOVE", 180)
        assert columnar.readable(conn) is not None


def test_memory_databases_and_other_engines_use_the_row_path(engine: Engine) -> None:
    with engine.begin() as conn:
        repo.write(conn, generated(3, seed=2), mode="insert", change=repo.Change(user="t"))
    with engine.connect() as conn:
        expected = conn.engine.url.get_backend_name() == "sqlite"
        assert (columnar.readable(conn) is not None) is expected
    mem = database.create("sqlite://")
    with mem.connect() as conn:
        assert columnar.readable(conn) is None


def _two_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "READERS", 2)
    monkeypatch.setattr(columnar, "SPLIT_ABOVE", 10)


@pytest.mark.parametrize(("filters", "by"), FILTERS)
@pytest.mark.parametrize(("chunk", "readers", "first"), [(None, 1, None), (23, 1, 7), (None, 2, None), (17, 2, 5),
                                                         (None, 2, 60)])
def test_arrow_and_row_paths_give_the_same_statistics(sqlite_file: Engine, filters: Filters | None,
                                                      by: list[str] | None, chunk: int | None, readers: int,
                                                      first: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    f = filters.normalised() if filters else None
    if chunk:
        monkeypatch.setattr(columns, "CHUNK", chunk)
    if first:
        monkeypatch.setattr(columnar, "FIRST_ROWS", first)
    if readers == 2:
        _two_readers(monkeypatch)
    with sqlite_file.connect() as conn:
        arrow = stats.of_selection(conn, f, by=by).to_dict()
        _row_path(monkeypatch)
        rows = stats.of_selection(conn, f, by=by).to_dict()
    assert arrow["n"] > 0 or f is not None
    assert json.dumps(arrow, sort_keys=True) == json.dumps(rows, sort_keys=True)


@pytest.mark.parametrize("readers", [1, 2])
def test_arrow_and_row_paths_give_the_same_portfolio(sqlite_file: Engine, readers: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "CHUNK", 31)
    if readers == 2:
        _two_readers(monkeypatch)
    with sqlite_file.connect() as conn:
        arrow = pf.portfolio_of_selection(conn, None).to_dict()
        _row_path(monkeypatch)
        rows = pf.portfolio_of_selection(conn, None).to_dict()
    assert arrow == rows


@pytest.mark.parametrize("parsed_by_reader", [False, True])
def test_nested_items_count_each_record_once_per_value(sqlite_file: Engine, records: list[dict[str, Any]],
                                                       parsed_by_reader: bool) -> None:
    items = [("actors", "role"), ("outcomes", "indicator")] if parsed_by_reader else []
    with sqlite_file.connect() as conn:
        (cols,) = list(fetch_chunks(conn, None, ["actors", "outcomes"], items=items))
    assert isinstance(cols, ArrowColumns)
    assert sorted(cols._items) == sorted(items)  # parsed by the reader thread only when asked
    mem = Columns.from_records(records, ["actors", "outcomes"])
    for name, key in (("actors", "role"), ("outcomes", "indicator")):
        got, missing = cols.item_values(name, key)
        assert (got, missing) == mem.item_values(name, key)
        assert missing == sum(1 for r in records if not r.get(name))
    roles, _ = cols.item_values("actors", "role")
    assert roles["not given"] >= 1
    assert roles["government"] == sum(1 for r in records if any(a.get("role") == "government"
                                                                for a in r.get("actors") or ()))


def test_keys_decode_like_the_row_path(sqlite_file: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["government_to_government", "budget_eur", "planned_participants", "skill_levels", HAS + "sources",
             "extension_possible"]
    with sqlite_file.connect() as conn:
        arrow = [c for c in fetch_chunks(conn, None, names)]
        _row_path(monkeypatch)
        rows = [c for c in fetch_chunks(conn, None, names)]
    for name in names:
        a = [arrow[0].decode(name, k) for c in arrow for k in c[name]]
        r = [rows[0].decode(name, k) for c in rows for k in c[name]]
        assert a == r, name
        assert _decoded_counts(arrow, name) == _decoded_counts(rows, name), name
        assert sum(c.missing(name) for c in arrow) == sum(c.missing(name) for c in rows)
        if name in ("budget_eur", "planned_participants"):
            assert sum((c.number_counts(name) for c in arrow), Counter()) == \
                sum((c.number_counts(name) for c in rows), Counter())


def _decoded_counts(chunks: list[Columns], name: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in chunks:
        for k, w in c.counts(name).items():
            key = json.dumps(c.decode(name, k))
            out[key] = out.get(key, 0) + w
    return out


def test_an_empty_selection_reads_as_one_empty_chunk(sqlite_file: Engine) -> None:
    with sqlite_file.connect() as conn:
        chunks = list(fetch_chunks(conn, Filters(year_to=1901).normalised(), ["status", "actors"]))
    assert [c.n for c in chunks] == [0]
    assert chunks[0].counts("status") == {} and chunks[0].item_values("actors", "role") == ({}, 0)


def test_stopping_early_stops_the_reader_thread(sqlite_file: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "CHUNK", 10)
    with sqlite_file.connect() as conn:
        gen = fetch_chunks(conn, None, ["status"])
        next(gen)
        assert any(t.name == "smpatlas-columns" for t in threading.enumerate())
        gen.close()
    assert not any(t.name == "smpatlas-columns" for t in threading.enumerate())


def test_a_reader_error_reaches_the_caller(sqlite_file: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with sqlite_file.connect() as conn:
        conn.execute(text("SELECT 1"))
        monkeypatch.setattr(columnar, "_typed_sql", lambda *a: ("SELECT no_such_column FROM partnerships", []))
        with pytest.raises(Exception, match="no_such_column"):
            list(fetch_chunks(conn, None, ["status"]))


@pytest.mark.parametrize(("readers", "first"), [(1, 9), (1, 500), (2, 9), (2, 89), (2, 500)])
def test_the_readers_ranges_cover_every_row_once(sqlite_file: Engine, readers: int, first: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _two_readers(monkeypatch)
    monkeypatch.setattr(columnar, "READERS", readers)
    monkeypatch.setattr(columnar, "FIRST_ROWS", first)
    monkeypatch.setattr(columns, "CHUNK", 25)
    with sqlite_file.connect() as conn:
        parts = columnar._parts(conn, readers)
        assert [len(p) for p in parts] == [2] * readers  # a small first range, then the rest
        ids = [k for c in fetch_chunks(conn, None, ["id"]) for k in c["id"]]
    assert len(ids) == len(set(ids)) == 180


def test_halves_from_different_snapshots_are_read_again(sqlite_file: Engine, monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """If a write lands between the two readers' snapshots, nothing is counted from the mixed read."""
    _two_readers(monkeypatch)
    real = columnar._batches
    calls: list[int] = []

    def batches(path: Path, statements: list[Any], size: int, schema: Any, items: Any) -> Any:
        calls.append(1)
        extra = 1 if len(calls) == 2 else 0  # the second reader of the first try saw one more write

        def gen() -> Any:
            source = real(path, statements, size, schema, items)
            yield next(source) + extra
            yield from source

        return gen()

    monkeypatch.setattr(columnar, "_batches", batches)
    with sqlite_file.connect() as conn:
        got = stats.of_selection(conn).to_dict()
        _row_path(monkeypatch)
        expected = stats.of_selection(conn).to_dict()
    assert len(calls) == 4  # two readers, twice
    assert got == expected


@pytest.mark.parametrize("keys", [
    ['["2221","3221"]', '["3221"]', None, "null", "[]", '["unspecified","2221"]'],
    ['["2221","2221"]', '["2221"]'],  # a value listed twice counts once
    ['[""]', '["",""]', '["a"]'],
    ['["x\\"y","a"]', '["a"]'],  # an escaped quote: not plain tokens
    ['["a", "b"]', '["b"]'],  # other spacing
    ['["a,b","c"]', '["c"]'],
    [None, None],
    ["[]", "null"],
])
@pytest.mark.parametrize("split_above", [0, 500])
def test_set_counts_match_the_row_path(keys: list[str | None], split_above: int,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists split and counted by Arrow give the row path's counts, or the row path is used."""
    import pyarrow as pa

    monkeypatch.setattr(columnar, "SPLIT_DISTINCT", split_above)
    arrow = ArrowColumns(pa.table({"occupations": pa.array(keys, pa.string())}))
    rows = Columns(len(keys), {"occupations": keys})
    assert arrow.set_counts("occupations") == rows.set_counts("occupations")


def test_set_counts_count_records_once_per_value() -> None:
    cols = Columns(4, {"occupations": ['["2221","unspecified"]', '["2221","2221"]', None, "[]"]})
    values, missing, unspecified = cols.set_counts("occupations")
    assert (dict(values), missing, unspecified) == ({"2221": 2, "unspecified": 1}, 1, 1)


@pytest.mark.parametrize("numbers", [
    [1.0, 2.5, None, 3.0],
    [1.0, 2.0, None],
    [1e20, 4.0],  # beyond exact integers in a double: decoded one by one
    [],
    [None],
])
def test_numbers_are_canonical(numbers: list[float | None]) -> None:
    import pyarrow as pa

    arrow = ArrowColumns(pa.table({"budget_eur": pa.array(numbers, pa.float64())})).number_counts("budget_eur")
    rows = Columns(len(numbers), {"budget_eur": numbers}).number_counts("budget_eur")
    assert arrow == rows
    assert sorted((repr(k), type(k)) for k in arrow) == sorted((repr(k), type(k)) for k in rows)
    assert sum(rows.values()) == sum(1 for v in numbers if v is not None)


def test_many_distinct_lists_are_split_with_the_same_statistics(sqlite_file: Engine,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "SPLIT_DISTINCT", 0)
    with sqlite_file.connect() as conn:
        arrow = stats.of_selection(conn, None, by=["occupations"]).to_dict()
        _row_path(monkeypatch)
        rows = stats.of_selection(conn, None, by=["occupations"]).to_dict()
    assert json.dumps(arrow, sort_keys=True) == json.dumps(rows, sort_keys=True)


def test_a_readers_statements_read_one_snapshot(sqlite_file: Engine, records: list[dict[str, Any]],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A write committed between a reader's first (small) range and the rest is not seen by either."""
    monkeypatch.setattr(columnar, "FIRST_ROWS", 10)
    path = Path(str(sqlite_file.url.database))
    with sqlite_file.connect() as conn:
        (conds,) = columnar._parts(conn, 1)
        statements = [columnar._typed_sql(conn, None, ["id"], cond) for cond in conds]
    import pyarrow as pa

    source = columnar._batches(path, statements, 1000, pa.schema([("id", pa.string())]))
    counter = next(source)
    first = next(source)
    assert first.n == 10
    with sqlite_file.begin() as conn:  # another connection commits a new record meanwhile
        repo.write(conn, [{**records[0], "id": "zz-zz-late"}], mode="insert", change=repo.Change(user="test"))
    rest = list(source)  # raises if the second statement saw another snapshot
    ids = [k for c in [first, *rest] for k in c["id"]]
    assert len(ids) == 180 and "zz-zz-late" not in ids
    assert isinstance(counter, int)
