"""Column views: figures read as columns from either engine equal figures computed record by record.

The portfolio is checked against an independent aggregation of :func:`assess` run on every record,
and every per-record function memoised on its inputs is checked to read nothing but those inputs.
"""

from __future__ import annotations

import importlib.util
import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.analysis import assessment as asm
from smpatlas.analysis import columns, stats
from smpatlas.analysis import portfolio as pf
from smpatlas.analysis.alignment import ReferenceContext, Row
from smpatlas.analysis.columns import HAS, Columns, fetch
from smpatlas.analysis.rubric import default as default_rubric
from smpatlas.record import normalise
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters

ROOT = Path(__file__).resolve().parents[2]
CTX = ReferenceContext(shortages={"DEU": [Row("2221", 2022, "shortage", "t"), Row("7126", 2022, "shortage", "t")],
                                  "AUT": [Row("3221", 2022, "shortage", "t")]},
                       who_edition="test", who_countries={"GHA", "NGA"})


def generated(n: int, seed: int = 11) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("smp_generate_cols", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = []
    for raw in mod.generate(n, seed):
        rec, issues = normalise(raw)
        assert not issues, issues
        out.append(rec)
    return out


@pytest.fixture(scope="module")
def records(sample_records_module: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sample_records_module + generated(250)


@pytest.fixture(scope="module")
def sample_records_module() -> list[dict[str, Any]]:
    path = ROOT / "src" / "smpatlas" / "data" / "inventory" / "partnerships.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture
def stored(engine: Engine, records: list[dict[str, Any]]) -> Engine:
    with engine.begin() as conn:
        repo.write(conn, records, mode="insert", change=repo.Change(user="test"))
    return engine


FILTERS = [
    (None, None),
    (Filters(destination=["DEU"]), ["destination_countries", "skill_levels"]),
    (Filters(year_from=2016, status=["ongoing"]), ["origin_region"]),
    (Filters(text="nurse"), ["status"]),
]


@pytest.mark.parametrize(("filters", "by"), FILTERS)
def test_stats_from_the_database_equal_stats_from_the_records(stored: Engine, filters: Filters | None,
                                                               by: list[str] | None) -> None:
    f = filters.normalised() if filters else None
    with stored.connect() as conn:
        from_db = stats.of_selection(conn, f, by=by).to_dict()
        selected = list(repo.select_records(conn, f))
    from_records = stats.compute(selected, filters=f.to_dict() if f else {}, by=by).to_dict()
    assert from_db["n"] == len(selected) > 0
    assert json.dumps(from_db, sort_keys=True) == json.dumps(from_records, sort_keys=True)


@pytest.mark.parametrize(("filters", "by"), FILTERS[:2])
def test_stats_read_in_small_chunks_are_the_same(stored: Engine, filters: Filters | None, by: list[str] | None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    f = filters.normalised() if filters else None
    with stored.connect() as conn:
        whole = stats.of_selection(conn, f, by=by).to_dict()
        monkeypatch.setattr(columns, "CHUNK", 37)  # many chunks, the last one short
        chunked = stats.of_selection(conn, f, by=by).to_dict()
    assert json.dumps(chunked, sort_keys=True) == json.dumps(whole, sort_keys=True)


def test_portfolio_read_in_small_chunks_is_the_same(stored: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with stored.connect() as conn:
        whole = pf.portfolio_of_selection(conn, None, ctx=CTX).to_dict()
        monkeypatch.setattr(columns, "CHUNK", 29)
        chunked = pf.portfolio_of_selection(conn, None, ctx=CTX).to_dict()
    assert chunked == whole


def test_columns_decode_to_the_canonical_values(stored: Engine, records: list[dict[str, Any]]) -> None:
    names = ["id", "sources", "actors", "government_to_government", "extension_possible", "planned_participants",
             "skill_levels", HAS + "sources", HAS + "outcomes"]
    with stored.connect() as conn:
        cols = fetch(conn, None, names)
    mem = Columns.from_records(records, names)
    by_id_db = {cols.decode("id", k): i for i, k in enumerate(cols["id"])}
    assert cols.n == mem.n == len(records)
    for j, rec in enumerate(records):
        i = by_id_db[rec["id"]]
        for name in names[1:7]:
            assert cols.decode(name, cols[name][i]) == mem.decode(name, mem[name][j]) == rec.get(name), name
        for name in ("sources", "outcomes"):
            expected = None if rec.get(name) is None else int(bool(rec[name]))
            assert cols[HAS + name][i] == mem[HAS + name][j] == expected


def _naive_portfolio(recs: list[dict[str, Any]], ctx: Any) -> dict[str, Any]:
    """An independent aggregation of assess() over every record."""
    rb = default_rubric()
    bins: dict[str, Counter[str]] = {k: Counter() for k in rb.dimensions}
    flags: Counter[str] = Counter()
    parties: dict[str, list[float]] = {p: [] for p in rb.parties}
    balances = []
    for r in recs:
        a = asm.assess(r, rb, ctx)
        for k, d in a.dimensions.items():
            bins[k]["not scored" if d.score is None else str(min(4, int(d.score)))] += 1
        flags.update(set(a.flags))
        for p, v in a.stakeholders.items():
            if v is not None:
                parties[p].append(v)
        if a.balance is not None:
            balances.append((a.balance, r["id"]))
    balances.sort()
    return {"bins": bins, "flags": flags, "party_means": {p: round(statistics.fmean(v), 4) if v else None
                                                         for p, v in parties.items()},
            "least": [i for _, i in balances[:5]], "most": [i for _, i in reversed(balances[-5:])]}


@pytest.mark.parametrize("ctx", [None, CTX], ids=["no-reference-data", "shortage-and-who-lists"])
def test_portfolio_equals_assess_on_every_record(records: list[dict[str, Any]], ctx: Any) -> None:
    p = pf.portfolio(records, ctx=ctx)
    naive = _naive_portfolio(records, ctx)
    for k, d in p.dimensions.items():
        assert d["distribution"] == {b: naive["bins"][k].get(b, 0) for b in ("0", "1", "2", "3", "4", "not scored")}
    for f, v in p.flags.items():
        assert v["count"] == naive["flags"].get(f, 0), f
    assert {q: v["mean"] for q, v in p.stakeholders.items()} == naive["party_means"]
    assert [x["id"] for x in p.least_balanced] == naive["least"]
    assert [x["id"] for x in p.most_balanced] == naive["most"]
    assert sum(v["count"] for v in p.flags.values()) > 0


def test_portfolio_from_the_database_equals_the_records(stored: Engine, records: list[dict[str, Any]]) -> None:
    with stored.connect() as conn:
        from_db = pf.portfolio_of_selection(conn, None, ctx=CTX).to_dict()
    assert from_db == pf.portfolio(records, ctx=CTX).to_dict()


class Tracking(dict[str, Any]):
    """A record that remembers which fields were read."""

    def __init__(self, *a: Any) -> None:
        super().__init__(*a)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


def test_rules_and_flags_read_only_the_fields_they_declare(records: list[dict[str, Any]]) -> None:
    """Rule outcomes are memoised on the declared fields: reading any other field would be a silent error."""
    rb = default_rubric()
    for r in records:
        for rule in rb.rules:
            t = Tracking(r)
            asm._evaluate_rule(rule, t, CTX)
            assert t.read <= set(pf.reads(rule.inputs())), (rule.id, t.read)
        for flag in rb.flags:
            t = Tracking(r)
            flag.when.fn(t, CTX)
            assert t.read <= set(pf.reads(flag.when.fields())), (flag.id, t.read)


def test_derived_figures_read_only_the_fields_they_declare(records: list[dict[str, Any]]) -> None:
    for r in records:
        for name, (inputs, fn) in stats.DERIVED.items():
            t = Tracking(r)
            fn(t)
            assert t.read <= set(inputs), (name, t.read)


def test_empty_selection(engine: Engine) -> None:
    with engine.connect() as conn:
        s = stats.of_selection(conn, None).to_dict()
        p = pf.portfolio_of_selection(conn, None)
    assert s["n"] == 0 and s["fields"]["skill_levels"]["values"] == {}
    assert p.n == 0 and p.most_balanced == []


def test_writing_after_reading_columns_in_the_same_transaction(engine: Engine) -> None:
    """Reading columns must not leave streaming options on the caller's connection (PostgreSQL then fails)."""
    recs = generated(4, seed=3)
    with engine.begin() as conn:
        repo.write(conn, recs, mode="insert", change=repo.Change(user="test"))
        assert stats.of_selection(conn).n == 4
        assert repo.delete_ids(conn, [recs[0]["id"]], change=repo.Change(user="test")) == 1
        assert stats.of_selection(conn).n == 3
