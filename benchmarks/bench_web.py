"""Web benchmark: the browse API with three facets and a filter, against Datasette and DuckDB.

    python benchmarks/bench_web.py --n 100000            # builds benchmarks/data/web-100000.db once

Measures, in one run on 127.0.0.1: p50/p95 latency of one client (sequential
requests) and throughput of 20 concurrent clients (a bounded load generator:
a fixed number of requests, 20 in flight) for
  * SMP Atlas  GET /api/v1/partnerships?destination=DEU&facet=status&facet=type&facet=sector
  * Datasette  the same selection, facets and indexes on the same SQLite file
               (status and partnership_type columns, sectors as an array facet on the JSON column)
  * DuckDB     the same counts computed in-process (the floor).
Checks that the multi-valued facet counts agree exactly across the three. Prints a
Markdown section; ``--append`` adds it to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

OURS = "/api/v1/partnerships?destination=DEU&facet=status&facet=type&facet=sector&per_page=25"
THEIRS = ("/atlas/partnerships.json?destination_countries__arraycontains=DEU&_facet=status"
          "&_facet=partnership_type&_facet_array=sectors&_size=25")


def build(n: int) -> Path:
    from generate import generate

    from smpatlas.store import database
    from smpatlas.store import repository as repo

    path = DATA / f"web-{n}.db"
    if path.exists():
        return path
    DATA.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    engine = database.open_engine(str(tmp))
    batch: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for rec in generate(n):
            batch.append(rec)
            if len(batch) == 5000:
                repo.write(conn, batch, mode="insert", change=repo.Change(user="bench"))
                batch = []
        repo.write(conn, batch, mode="insert", change=repo.Change(user="bench"))
    engine.dispose()
    tmp.rename(path)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=120).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def start_ours(db: Path, port: int) -> subprocess.Popen[bytes]:
    code = ("import uvicorn; from smpatlas.web import Settings, create_app; "
            f"uvicorn.run(create_app(Settings(database_url={str(db)!r})), host='127.0.0.1', port={port}, "
            "log_level='warning')")
    return subprocess.Popen([sys.executable, "-c", code])


def start_datasette(db: Path, port: int) -> subprocess.Popen[bytes]:
    link = Path(tempfile.mkdtemp()) / "atlas.db"
    link.symlink_to(db)
    return subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(link), "-i", str(link), "--port", str(port),
                             "--host", "127.0.0.1", "--setting", "sql_time_limit_ms", "60000",
                             "--setting", "facet_time_limit_ms", "60000", "--setting", "num_sql_threads", "3"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def latency(url: str, n: int) -> dict[str, float]:
    times = []
    with httpx.Client(timeout=120) as c:
        c.get(url).raise_for_status()
        for _ in range(n):
            t = time.perf_counter()
            c.get(url).raise_for_status()
            times.append(time.perf_counter() - t)
    return {"p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * pct(times, 0.95)}


async def _load(url: str, total: int, clients: int) -> dict[str, float]:
    times: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)

    async def worker(c: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            queue.get_nowait()
            t = time.perf_counter()
            try:
                r = await c.get(url)
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            times.append(time.perf_counter() - t)

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as c:
        start = time.perf_counter()
        await asyncio.gather(*(worker(c) for _ in range(clients)))
        wall = time.perf_counter() - start
    return {"rps": total / wall, "p95_ms": 1000 * pct(times, 0.95), "errors": errors}


def duckdb_floor(db: Path, n: int) -> tuple[dict[str, float], dict[str, int]]:
    import sqlite3

    import duckdb

    folder = Path(tempfile.mkdtemp())
    src = sqlite3.connect(db)
    tables = (("partnerships", "id, status, partnership_type"), ("partnership_values", "partnership_id, field, value"))
    for table, cols in tables:
        with (folder / f"{table}.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([c.strip() for c in cols.split(",")])
            w.writerows(src.execute(f"select {cols} from {table}"))
    src.close()
    con = duckdb.connect()
    for table in ("partnerships", "partnership_values"):
        con.execute(f"create table {table} as select * from read_csv_auto('{folder / table}.csv', all_varchar=true)")
    sel = "select partnership_id from partnership_values where field = 'destination_countries' and value = 'DEU'"
    queries = [
        f"select count(*) from partnerships where id in ({sel})",
        f"select status, count(*) from partnerships where id in ({sel}) group by 1",
        f"select partnership_type, count(*) from partnerships where id in ({sel}) group by 1",
        f"select value, count(*) from partnership_values where field = 'sectors' and partnership_id in ({sel}) group by 1",
    ]
    times = []
    for _ in range(30):
        t = time.perf_counter()
        results = [con.execute(q).fetchall() for q in queries]
        times.append(time.perf_counter() - t)
    sectors = {str(v): int(c) for v, c in results[3]}
    return {"p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * pct(times, 0.95)}, sectors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=40, help="sequential requests for p50/p95")
    ap.add_argument("--load", type=int, default=200, help="requests in the 20-client load test")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--append", action="store_true", help="append the section to benchmarks/RESULTS.md")
    args = ap.parse_args()
    t = time.perf_counter()
    db = build(args.n)
    print(f"database ready ({time.perf_counter() - t:.0f} s): {db}", flush=True)
    rows: dict[str, dict[str, Any]] = {}
    checks: dict[str, dict[str, int]] = {}
    for name, start, path in (("SMP Atlas", lambda p: start_ours(db, p), OURS),
                              ("Datasette", lambda p: start_datasette(db, p), THEIRS)):
        port = free_port()
        proc = start(port)
        try:
            url = f"http://127.0.0.1:{port}{path}"
            t0 = time.perf_counter()
            wait(url)
            first = time.perf_counter() - t0
            body = httpx.get(url, timeout=300).json()
            if name == "SMP Atlas":
                checks[name] = {f["value"]: f["count"] for f in body["facets"]["sectors"]}
            else:
                results = body["facet_results"].get("results", body["facet_results"])
                checks[name] = {str(f["value"]): f["count"] for f in results["sectors"]["results"]}
            lat = latency(url, args.requests)
            load = asyncio.run(_load(url, args.load, args.clients))
            rows[name] = {**lat, **{f"load_{k}": v for k, v in load.items()}, "first_s": first}
            print(name, rows[name], flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
    floor, checks["DuckDB"] = duckdb_floor(db, args.n)
    rows["DuckDB (in-process)"] = floor
    exact = checks["SMP Atlas"] == checks["DuckDB"] == checks["Datasette"]
    ours, ds = rows["SMP Atlas"], rows["Datasette"]
    lines = [
        f"## Web: browse API with facets ({args.n:,} records, {dt.date.today()})",
        "",
        "`python benchmarks/bench_web.py --n " + str(args.n) + "` on " + f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. Query: destination = DEU, facets status, "
        "partnership type and sectors (multi-valued), 25 rows + the count. One uvicorn process for SMP Atlas; "
        f"Datasette serves the same SQLite file (immutable, same indexes). Latency: {args.requests} sequential "
        f"requests after a warm-up; load: {args.load} requests, {args.clients} in flight.",
        "",
        "| | p50 ms | p95 ms | req/s at 20 clients | p95 ms at 20 clients | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        load = (f"{r['load_rps']:.2f} | {r['load_p95_ms']:.0f} | {r['load_errors']}" if "load_rps" in r
                else "— (in-process) | — | —")
        lines.append(f"| {name} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {load} |")
    lines += [
        "",
        f"Ratios: p95 SMP Atlas / Datasette = {ours['p95_ms'] / ds['p95_ms']:.4f} (target ≤ 0.2); "
        f"p95 SMP Atlas / DuckDB floor = {ours['p95_ms'] / floor['p95_ms']:.3f} (target ≤ 4); "
        f"throughput SMP Atlas / Datasette = {ours['load_rps'] / ds['load_rps']:.1f} (target ≥ 5). "
        f"Multi-valued facet counts identical in all three: {'yes' if exact else 'NO'}. "
        f"Start-up to first answer: SMP Atlas {ours['first_s']:.1f} s (builds its in-memory facet index), "
        f"Datasette {ds['first_s']:.1f} s.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"web-{args.n}-{dt.date.today()}.json").write_text(
        json.dumps({"rows": rows, "exact": exact, "n": args.n}, indent=2), "utf-8")
    if args.append:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(("\n" if (HERE / "RESULTS.md").exists() else "# Benchmark results\n\n") + text)


if __name__ == "__main__":
    main()
