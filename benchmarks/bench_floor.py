"""The floor under an import: what parsing the CSV and only *inserting* already-built rows cost.

    python benchmarks/bench_floor.py                 # 20,000 rows of benchmarks/data/inv100k.csv, 3 repeats
    python benchmarks/bench_floor.py --n 50000 --repeat 3

Imports the first N rows of the benchmark CSV with smpatlas (to get the exact rows
the store writes), then, in the same run, times on fresh databases made by the
migrations:

* ``csv.reader`` over the same rows (the parse floor);
* ``executemany`` of the stored ``partnerships`` rows, then of the ``partnership_values``
  rows, then of the ``history`` rows, each from prepared Python tuples (no
  validation, no normalisation, no SQLAlchemy), and the commit;

and prints each as µs per record beside the time per record that the import
targets of issue 2 allow (from frictionless and sqlite-utils figures given on the
command line, or the last import run's JSON). Results: ``results/floor-<date>.json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from smpatlas.io.importer import import_files  # noqa: E402
from smpatlas.store import database  # noqa: E402

TABLES = ("partnerships", "partnership_values", "history")


def _first_rows(src: Path, n: int, out: Path) -> int:
    with src.open(newline="", encoding="utf-8-sig") as fh, out.open("w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(fh), csv.writer(dst)
        writer.writerow(next(reader))
        count = 0
        for row in reader:
            if count == n:
                break
            writer.writerow(row)
            count += 1
    return count


def _parse(path: Path) -> float:
    t = time.perf_counter()
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for _ in csv.reader(fh):
            pass
    return time.perf_counter() - t


def _replay(rows: dict[str, list[tuple[Any, ...]]], columns: dict[str, list[str]], folder: Path) -> dict[str, float]:
    db = folder / f"floor-{time.monotonic_ns()}.db"
    database.open_engine(f"sqlite:///{db}").dispose()  # the real schema, by the migrations
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("BEGIN")
    out = {}
    for table in TABLES:
        cols = columns[table]
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        t = time.perf_counter()
        conn.executemany(sql, rows[table])
        out[table] = time.perf_counter() - t
    t = time.perf_counter()
    conn.execute("COMMIT")
    out["commit"] = time.perf_counter() - t
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--csv", type=Path, default=HERE / "data" / "inv100k.csv")
    ap.add_argument("--frictionless", type=float, help="frictionless validate rows/s in the import run")
    ap.add_argument("--sqlite-utils", type=float, help="sqlite-utils insert rows/s in the import run")
    a = ap.parse_args()
    if not a.csv.exists():
        print(f"{a.csv} is missing: run benchmarks/generate.py (or benchmarks/run.py) first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sample = folder / "sample.csv"
        n = _first_rows(a.csv, a.n, sample)
        db = folder / "imported.db"
        engine = database.open_engine(f"sqlite:///{db}")
        t = time.perf_counter()
        report = import_files(engine, [sample])
        imported = time.perf_counter() - t
        engine.dispose()
        assert report.valid and report.inserted == n, report
        src = sqlite3.connect(db)
        columns = {t: [r[1] for r in src.execute(f"PRAGMA table_info({t})") if not (t == "history" and r[1] == "id")]
                   for t in TABLES}
        rows = {t: src.execute(f"SELECT {', '.join(columns[t])} FROM {t}").fetchall() for t in TABLES}
        src.close()
        runs = [_replay(rows, columns, folder) for _ in range(a.repeat)]
        parse = [_parse(sample) for _ in range(a.repeat)]
    med = {k: statistics.median(r[k] for r in runs) for k in (*TABLES, "commit")}
    per = {k: v / n * 1e6 for k, v in med.items()}
    per["csv.reader"] = statistics.median(parse) / n * 1e6
    floor = sum(per.values())
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "rows": n, "repeat": a.repeat,
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
                    "load_average": os.getloadavg()},
        "rows_per_record": {t: len(rows[t]) / n for t in TABLES},
        "us_per_record": per, "floor_us_per_record": floor,
        "smpatlas_import_us_per_record": imported / n * 1e6,
    }
    lines = [f"| step (median of {a.repeat}, {n:,} records) | µs per record |", "|---|---:|"]
    lines += [f"| csv.reader pass | {per['csv.reader']:.1f} |"]
    lines += [f"| INSERT {t} ({len(rows[t]) / n:.1f} rows per record) | {per[t]:.1f} |" for t in TABLES]
    lines += [f"| COMMIT | {per['commit']:.1f} |", f"| **floor: parse + inserts + commit** | **{floor:.1f}** |",
              f"| smpatlas import (validate + store), same rows | {imported / n * 1e6:.1f} |"]
    for name, rate, ratio in (("frictionless", a.frictionless, 3), ("sqlite-utils", a.sqlite_utils, 5)):
        if rate:
            budget = 1e6 / (ratio * rate)
            result[f"budget_vs_{name}"] = budget
            lines.append(f"| time per record allowed by ≥ {ratio}× {name} ({rate:,.0f} rows/s) | {budget:.1f} |")
    print("\n".join(lines))
    out = HERE / "results" / f"floor-{dt.date.today():%Y-%m-%d}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
