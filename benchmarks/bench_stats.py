"""Statistics and portfolio assessment at several sizes, against SQLite GROUP BY and DuckDB anchors.

    python benchmarks/bench_stats.py [--sizes 1000,100000] [--repeat 3]

For each size N, generated records (benchmarks/generate.py) are stored in a fresh SQLite inventory
with the library's own write path (not timed). Then, in the same run and on the same data:

* smpatlas stats  — Atlas.stats(): read every record from the database and compute every field's
  distribution and the seed's derived figures (end to end; process start excluded);
* smpatlas assess --all — Atlas.assess_all(): the portfolio assessment (reads included);
* anchor 1: SQLite — a filtered count plus one GROUP BY per multi-valued field over the value
  table, and one per single-valued column (the same counts the field distributions hold);
* anchor 2: DuckDB — the same counts over the same rows loaded into DuckDB in memory (the floor),
  value rows loaded in record order; also reported (not the anchor): the same with the value rows
  loaded sorted by field, where DuckDB's zone maps skip most of the table.

The built file is synced to disk before timing (the build's own writeback is not part of any
timing). Each of stats and assess --all is called once before timing (first-use imports such as pyarrow are
start-up cost). Medians of --repeat runs; writes benchmarks/results/stats-<date>-<HHMM>.json and
prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from benchmarks.generate import generate  # noqa: E402
from smpatlas.atlas import Atlas  # noqa: E402
from smpatlas.codebook import SET_KINDS  # noqa: E402
from smpatlas.codebook import default as default_codebook  # noqa: E402
from smpatlas.record import normalise  # noqa: E402
from smpatlas.store import database  # noqa: E402
from smpatlas.store import repository as repo  # noqa: E402

CB = default_codebook()
SETS = [f.name for f in CB.fields if f.kind in SET_KINDS]
SCALARS = [f.name for f in CB.fields if f.kind in ("enum", "bool", "tristate")]


def build(n: int, folder: Path) -> str:
    url = f"sqlite:///{folder / f'stats{n}.db'}"
    eng = database.open_engine(url)
    batch = []
    with eng.begin() as conn:
        for rec in generate(n):
            canon, issues = normalise(rec)
            assert not issues, issues
            batch.append(canon)
            if len(batch) == 5000:
                repo.write(conn, batch, mode="insert", change=repo.Change(user="bench"))
                batch = []
        repo.write(conn, batch, mode="insert", change=repo.Change(user="bench"))
    eng.dispose()
    return url


def sqlite_anchor(url: str) -> float:
    eng = database.create(url)
    t = time.perf_counter()
    with eng.connect() as conn:
        conn.execute(text("select count(*) from partnerships where start_year >= 2015")).all()
        for name in SETS:
            conn.execute(text("select value, count(*) from partnership_values where field = :f group by value"),
                         {"f": name}).all()
        for name in SCALARS:
            conn.execute(text(f'select "{name}", count(*) from partnerships group by "{name}"')).all()
    elapsed = time.perf_counter() - t
    eng.dispose()
    return elapsed


FIELD_ORDER = False


def duckdb_anchor(url: str) -> float:
    import duckdb

    eng = database.create(url)
    with eng.connect() as conn:
        # Record order, as the rows are made (and as SQLite returned them before migration 0006 keyed
        # the table by field): loaded sorted by field, DuckDB's zone maps would skip most of the table
        # in the per-field counts, a layout advantage unrelated to counting (see RESULTS.md).
        order = "field, value, partnership_id" if FIELD_ORDER else "partnership_id, field, value"
        values = conn.execute(text(f"select partnership_id, field, value from partnership_values order by {order}")).all()
        cols = ", ".join(f'"{c}"' for c in ["id", "start_year", *SCALARS])
        scalars = conn.execute(text(f"select {cols} from partnerships")).all()
    eng.dispose()
    db = duckdb.connect()
    db.execute("create table v (partnership_id varchar, field varchar, value varchar)")
    _bulk(db, "v", values)
    db.execute("create table p (id varchar, start_year integer, " + ", ".join(f'"{c}" varchar' for c in SCALARS) + ")")
    _bulk(db, "p", [tuple(None if x is None else (str(x) if i > 1 else x) for i, x in enumerate(r)) for r in scalars])
    t = time.perf_counter()
    db.execute("select count(*) from p where start_year >= 2015").fetchall()
    for name in SETS:
        db.execute("select value, count(*) from v where field = ? group by value", [name]).fetchall()
    for name in SCALARS:
        db.execute(f'select "{name}", count(*) from p group by "{name}"').fetchall()
    return time.perf_counter() - t


def _bulk(db: object, table: str, rows: list[tuple[object, ...]]) -> None:
    """Load rows through a temporary CSV file (DuckDB's fast loader; not timed)."""
    import csv

    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False, encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
        name = fh.name
    db.execute(f"insert into {table} select * from read_csv('{name}', header=false, all_varchar=false, "  # type: ignore[attr-defined]
               "nullstr='')")
    Path(name).unlink()


def timed(fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_added_mb(fn: object) -> float:
    """How much the process's resident memory rose during ``fn()`` at its peak (sampled every 5 ms), in MB."""
    import threading

    before = _rss_mb()
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.005):
            peak = max(peak, _rss_mb())

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        fn()  # type: ignore[operator]
    finally:
        done.set()
        t.join()
    return max(peak, _rss_mb()) - before


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,100000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    out: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as d:
        for n in (int(x) for x in args.sizes.split(",")):
            t = time.perf_counter()
            url = build(n, Path(d))
            print(f"built {n:,} records in {time.perf_counter() - t:.0f} s", file=sys.stderr)
            # Let the kernel write the new file out before timing: its background writeback of the
            # build (hundreds of MB at 100,000 records) would otherwise be measured as part of stats.
            os.sync()
            atlas = Atlas(database.open_engine(url, create_if_missing=False))
            atlas.stats()  # warm-up, not timed: first-use imports (pyarrow) belong to process start
            atlas.assess_all()
            runs = {
                "stats_s": [timed(atlas.stats) for _ in range(args.repeat)],
                "assess_all_s": [timed(atlas.assess_all) for _ in range(args.repeat)],
                "sqlite_groupby_s": [sqlite_anchor(url) for _ in range(args.repeat)],
                "duckdb_s": [duckdb_anchor(url) for _ in range(args.repeat)],
            }
            global FIELD_ORDER
            FIELD_ORDER = True
            runs["duckdb_field_order_s"] = [duckdb_anchor(url) for _ in range(args.repeat)]
            FIELD_ORDER = False
            mem = {"stats_mb": peak_added_mb(atlas.stats), "assess_all_mb": peak_added_mb(atlas.assess_all)}
            atlas.close()
            med = {k: statistics.median(v) for k, v in runs.items()}
            med.update(mem)
            med["assess_per_s"] = n / med["assess_all_s"]
            out[str(n)] = med
    print("| N | stats (s) | assess --all (s) | partnerships/s assessed | SQLite GROUP BY (s) | DuckDB (s) | "
          "stats ÷ DuckDB | DuckDB, values sorted by field (s) | memory added: stats / assess (MB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, m in out.items():
        print(f"| {int(n):,} | {m['stats_s']:.3f} | {m['assess_all_s']:.3f} | {m['assess_per_s']:,.0f} | "
              f"{m['sqlite_groupby_s']:.3f} | {m['duckdb_s']:.4f} | {m['stats_s'] / m['duckdb_s']:.1f}× | "
              f"{m['duckdb_field_order_s']:.4f} | {m['stats_mb']:.0f} / {m['assess_all_mb']:.0f} |")
    print(f"load average (1 min) at start {load_before:.1f}, at end {os.getloadavg()[0]:.1f}; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    path = ROOT / "benchmarks" / "results" / f"stats-{dt.datetime.now(dt.UTC):%Y-%m-%d-%H%M}.json"
    path.parent.mkdir(exist_ok=True)
    meta = {"load_start": load_before, "load_end": os.getloadavg()[0], "cpus": os.cpu_count(),
            "python": sys.version.split()[0], "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    path.write_text(json.dumps({**out, "_meta": meta}, indent=2), "utf-8")


if __name__ == "__main__":
    main()
