"""PostgreSQL vs SQLite on the same machine, same run: import, filtered list, stats.

    python benchmarks/bench_postgres.py [--n 100000] [--repeat 2]

Starts a throwaway PostgreSQL server (tests/pgserver.py: initdb + pg_ctl, fsync off, as for the
tests) and a SQLite file, imports the same generated CSV into each (validate + store, in-process,
timed around the library call), then times a filtered select (destination DEU) and `stats` on each.
Prints a Markdown table and writes benchmarks/results/postgres-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pgserver import PgServer  # noqa: E402

from smpatlas.analysis.stats import compute  # noqa: E402
from smpatlas.io.importer import import_files  # noqa: E402
from smpatlas.store import database  # noqa: E402
from smpatlas.store import repository as repo  # noqa: E402
from smpatlas.store.filters import Filters  # noqa: E402


def data_file(n: int) -> Path:
    """The import benchmark's generated CSV of ``n`` records: made again when the generator changed."""
    from benchmarks.bench_import import ensure

    return ensure(n, "csv", 42)


def run(url: str, csv_path: Path) -> dict[str, float]:
    eng = database.open_engine(url)
    t = time.perf_counter()
    report = import_files(eng, [csv_path], user="bench")
    t_import = time.perf_counter() - t
    assert report.valid, report.summary()
    f = Filters(destination=["DEU"]).normalised()
    t = time.perf_counter()
    with eng.connect() as conn:
        n_de = sum(1 for _ in repo.select_records(conn, f))
    t_list = time.perf_counter() - t
    t = time.perf_counter()
    with eng.connect() as conn:
        compute(repo.select_records(conn))
    t_stats = time.perf_counter() - t
    eng.dispose()
    return {"import_s": t_import, "rows_per_s": report.inserted / t_import, "list_deu_s": t_list, "list_rows": n_de,
            "stats_s": t_stats}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    csv_path = data_file(args.n)
    server = PgServer().start()
    results: dict[str, list[dict[str, float]]] = {"sqlite": [], "postgresql": []}
    try:
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as d:
                results["sqlite"].append(run(f"sqlite:///{d}/bench.db", csv_path))
            results["postgresql"].append(run(server.create_database(), csv_path))
    finally:
        server.stop()
    med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in results.items()}
    print(f"| engine | import {args.n:,} rows (s) | rows/s | list --destination DEU (s) | stats (s) |")
    print("|---|---|---|---|---|")
    for k, m in med.items():
        print(f"| {k} | {m['import_s']:.1f} | {m['rows_per_s']:,.0f} | {m['list_deu_s']:.2f} | {m['stats_s']:.1f} |")
    ratio = med["postgresql"]["import_s"] / med["sqlite"]["import_s"]
    print(f"\nPostgreSQL / SQLite import time: {ratio:.2f}× (median of {args.repeat})")
    out = ROOT / "benchmarks" / "results" / f"postgres-{dt.date.today()}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"n": args.n, "runs": results, "median": med}, indent=2), "utf-8")


if __name__ == "__main__":
    main()
