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

    python benchmarks/bench_web.py --engines sqlite,postgresql --n 100000

instead compares database engines (issue 7), same machine, same run: the same generated
inventory is stored in a SQLite file (the cached benchmarks/data/web-N.db) and in a throwaway
PostgreSQL server (tests/pgserver.py: initdb + pg_ctl in a temporary folder, fsync off, as for
the tests), then ``smpatlas serve --db …`` runs on each in turn and the same API request is
measured (sequential p50/p95, then throughput and p95 with 20 clients). The answers (count,
facet counts, the page's ids) must be identical on every engine. Writes
benchmarks/results/web-engines-N-<date>.json. ``--sql-facets`` turns the in-memory facet index
off (SMPATLAS_FACET_CACHE=false), so every request counts with SQL on the engine.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE.parent))  # benchmarks.generate, tests.pgserver
sys.path.insert(0, str(HERE.parent / "src"))

OURS = "/api/v1/partnerships?destination=DEU&facet=status&facet=type&facet=sector&per_page=25"
THEIRS = ("/atlas/partnerships.json?destination_countries__arraycontains=DEU&_facet=status"
          "&_facet=partnership_type&_facet_array=sectors&_size=25")


def store_inventory(db: str, n: int) -> None:
    """Store the ``n`` generated records in a new inventory (a SQLite path or a database URL), one transaction.

    generate(n) is deterministic, so every engine gets the same inventory.
    """
    from benchmarks.generate import generate
    from smpatlas.store import database
    from smpatlas.store import repository as repo

    engine = database.open_engine(db)
    batch: list[dict[str, Any]] = []
    try:
        with engine.begin() as conn:
            for rec in generate(n):
                batch.append(rec)
                if len(batch) == 5000:
                    repo.write(conn, batch, mode="insert", change=repo.Change(user="bench"))
                    batch = []
            repo.write(conn, batch, mode="insert", change=repo.Change(user="bench"))
    finally:
        engine.dispose()


def build(n: int) -> Path:
    from smpatlas.store import database

    path = DATA / f"web-{n}.db"
    if path.exists():
        engine = database.create(database.resolve_url(str(path)))
        try:
            if database.state(engine) == "behind":  # cached by an older SMP Atlas: migrate rather than rebuild
                database.upgrade(engine)
                database.seed_reference_data(engine)
        finally:
            engine.dispose()
        return path
    DATA.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    store_inventory(str(tmp), n)
    tmp.rename(path)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(url: str, timeout: float | None = None) -> None:
    deadline = time.monotonic() + (timeout or TIMEOUT)
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=TIMEOUT).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def wait_index(url: str) -> float:
    """Seconds until SMP Atlas answers from its in-memory facet index (built in the background after start-up;
    until then it counts with SQL: header ``X-SMP-Atlas-Facets``), so latencies are of the steady state."""
    t0 = time.perf_counter()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if httpx.get(url, timeout=TIMEOUT).headers.get("X-SMP-Atlas-Facets") == "index":
            return time.perf_counter() - t0
        time.sleep(0.3)
    raise RuntimeError(f"{url} never answered from its facet index")


def start_ours(db: Path, port: int) -> subprocess.Popen[bytes]:
    code = ("import uvicorn; from smpatlas.web import Settings, create_app; "
            f"uvicorn.run(create_app(Settings(database_url={str(db)!r})), host='127.0.0.1', port={port}, "
            "log_level='warning')")
    return subprocess.Popen([sys.executable, "-c", code])


def start_serve(db: str, port: int, sql_facets: bool = False) -> subprocess.Popen[bytes]:
    """``smpatlas serve --db DB`` (one uvicorn process), as a user starts it."""
    env = {**os.environ, "SMPATLAS_FACET_CACHE": "false" if sql_facets else "true"}
    env.pop("SMPATLAS_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "smpatlas", "serve", "--db", db, "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL)


#: Seconds an HTTP request (and a server start) may take; --timeout sets it (Datasette's SQL limits follow).
TIMEOUT = 300.0


def start_datasette(db: Path, port: int) -> subprocess.Popen[bytes]:
    link = Path(tempfile.mkdtemp()) / "atlas.db"
    link.symlink_to(db)
    return subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(link), "-i", str(link), "--port", str(port),
                             "--host", "127.0.0.1", "--setting", "sql_time_limit_ms", str(int(TIMEOUT * 1000)),
                             "--setting", "facet_time_limit_ms", str(int(TIMEOUT * 1000)),
                             "--setting", "num_sql_threads", "3"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def latency(url: str, n: int) -> dict[str, float]:
    times = []
    with httpx.Client(timeout=TIMEOUT) as c:
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
    async with httpx.AsyncClient(timeout=TIMEOUT, limits=limits) as c:
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


ENGINES = ("sqlite", "postgresql")


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    """What must be identical on every engine: the count, every facet's counts and the page's ids."""
    facets = {name: sorted((str(f["value"]), f["count"]) for f in values) for name, values in body["facets"].items()}
    return {"count": body["count"], "facets": facets, "ids": [p["id"] for p in body["partnerships"]]}


def _pg_settings(url: str) -> dict[str, str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {name: str(conn.execute(sa.text(f"show {name}")).scalar_one())
                    for name in ("server_version", "shared_buffers", "work_mem", "fsync", "max_connections")}
    finally:
        engine.dispose()


def compare_engines(args: argparse.Namespace) -> None:
    """The browse API on each engine in turn, same inventory, same machine, same run."""
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown or not engines:
        raise SystemExit(f"--engines: use a comma-separated list of {', '.join(ENGINES)} (not {', '.join(unknown)})")
    from tests.pgserver import PgServer

    rows: dict[str, dict[str, Any]] = {}
    answers: dict[str, dict[str, Any]] = {}
    meta: dict[str, Any] = {}
    server: PgServer | None = None
    try:
        for engine in engines:
            t = time.perf_counter()
            if engine == "sqlite":
                db = str(build(args.n))
            else:
                server = PgServer().start()
                db = server.create_database()
                store_inventory(db, args.n)
                meta["postgresql"] = _pg_settings(db)
            print(f"{engine}: inventory of {args.n:,} ready ({time.perf_counter() - t:.0f} s): {db}", flush=True)
            port = free_port()
            proc = start_serve(db, port, args.sql_facets)
            try:
                url = f"http://127.0.0.1:{port}{OURS}"
                t0 = time.perf_counter()
                wait(url)
                first = time.perf_counter() - t0
                index_s = None if args.sql_facets else first + wait_index(url)
                response = httpx.get(url, timeout=TIMEOUT)
                response.raise_for_status()
                answers[engine] = _answer(response.json())
                lat = latency(url, args.requests)
                load = asyncio.run(_load(url, args.load, args.clients))
                rows[engine] = {**lat, **{f"load_{k}": v for k, v in load.items()}, "first_s": first,
                                "index_s": index_s, "count": answers[engine]["count"]}
                print(engine, rows[engine], flush=True)
            finally:
                proc.terminate()
                proc.wait(30)
            if server is not None:
                server.stop()
                server = None
    finally:
        if server is not None:
            server.stop()
    first_answer = next(iter(answers.values()))
    exact = all(a == first_answer for a in answers.values())
    names = {"sqlite": "SQLite (file)", "postgresql": "PostgreSQL " + meta.get("postgresql", {}).get(
        "server_version", "").split(" ")[0]}
    how = "SQL GROUP BY on every request (--sql-facets)" if args.sql_facets else "the in-memory facet index (default)"
    lines = [
        f"## Web: browse API on SQLite and PostgreSQL ({args.n:,} records, {dt.date.today()})",
        "",
        f"`python benchmarks/bench_web.py --engines {','.join(engines)} --n {args.n}"
        f"{' --sql-facets' if args.sql_facets else ''}` on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. The same generated inventory in each engine; "
        "`smpatlas serve --db …` (one uvicorn process) on each in turn, the database server on the same machine "
        "(PostgreSQL: a throwaway server from tests/pgserver.py, fsync off, default shared_buffers). Query: "
        f"destination = DEU, facets status, partnership type and sectors, 25 rows + the count; facets from {how}. "
        f"Latency: {args.requests} sequential requests after a warm-up (and after the facet index is ready); load: "
        f"{args.load} requests, {args.clients} in flight.",
        "",
        f"| engine | p50 ms | p95 ms | req/s at {args.clients} clients | p95 ms at {args.clients} clients | errors "
        "| start-up to first answer s | facet index ready s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, r in rows.items():
        ready = "—" if r["index_s"] is None else f"{r['index_s']:.1f}"
        lines.append(f"| {names[engine]} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['load_rps']:.2f} | "
                     f"{r['load_p95_ms']:.0f} | {r['load_errors']} | {r['first_s']:.1f} | {ready} |")
    lines.append("")
    if "sqlite" in rows and "postgresql" in rows:
        pg, sq = rows["postgresql"], rows["sqlite"]
        lines.append(f"PostgreSQL / SQLite: p50 {pg['p50_ms'] / sq['p50_ms']:.2f}×, p95 {pg['p95_ms'] / sq['p95_ms']:.2f}×, "
                     f"throughput {pg['load_rps'] / sq['load_rps']:.2f}×, p95 at {args.clients} clients "
                     f"{pg['load_p95_ms'] / sq['load_p95_ms']:.2f}×.")
    lines += [f"Answers (count, facet counts, page ids) identical on every engine: {'yes' if exact else 'NO'}.", ""]
    text = "\n".join(lines)
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    suffix = "-sql-facets" if args.sql_facets else ""
    out = HERE / "results" / f"web-engines-{args.n}{suffix}-{dt.date.today()}.json"
    out.write_text(json.dumps({"n": args.n, "engines": engines, "rows": rows, "exact": exact, "meta": meta,
                               "sql_facets": args.sql_facets, "requests": args.requests, "load": args.load,
                               "clients": args.clients, "cpus": os.cpu_count()}, indent=2), "utf-8")
    print(f"wrote {out}")
    if args.append:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(("\n" if (HERE / "RESULTS.md").exists() else "# Benchmark results\n\n") + text)
    if not exact:
        raise SystemExit("the engines gave different answers: " + json.dumps(answers)[:2000])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--engines", help="compare engines instead of tools, e.g. sqlite,postgresql")
    ap.add_argument("--sql-facets", action="store_true",
                    help="with --engines: facet counts by SQL on every request (no in-memory facet index)")
    ap.add_argument("--requests", type=int, default=40, help="sequential requests for p50/p95")
    ap.add_argument("--load", type=int, default=200, help="requests in the 20-client load test")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds one request may take (Datasette's SQL time limits are set to it)")
    ap.add_argument("--datasette-requests", type=int, default=0,
                    help="sequential requests for Datasette only (default: --requests; fewer at 1,000,000)")
    ap.add_argument("--datasette-load", type=int, default=0,
                    help="load-test requests for Datasette only (default: --load)")
    ap.add_argument("--append", action="store_true", help="append the section to benchmarks/RESULTS.md")
    args = ap.parse_args()
    global TIMEOUT
    TIMEOUT = args.timeout
    if args.engines:
        compare_engines(args)
        return
    t = time.perf_counter()
    db = build(args.n)
    print(f"database ready ({time.perf_counter() - t:.0f} s): {db}", flush=True)
    rows: dict[str, dict[str, Any]] = {}
    checks: dict[str, dict[str, int]] = {}
    servers: list[tuple[str, Callable[[int], subprocess.Popen[bytes]], str]] = [
        ("SMP Atlas", lambda p: start_ours(db, p), OURS), ("Datasette", lambda p: start_datasette(db, p), THEIRS)]
    for name, start, path in servers:
        port = free_port()
        proc = start(port)
        try:
            url = f"http://127.0.0.1:{port}{path}"
            t0 = time.perf_counter()
            wait(url)
            first = time.perf_counter() - t0
            index_s = first + wait_index(url) if name == "SMP Atlas" else None
            body = httpx.get(url, timeout=TIMEOUT).json()
            if name == "SMP Atlas":
                checks[name] = {f["value"]: f["count"] for f in body["facets"]["sectors"]}
            else:
                results = body["facet_results"].get("results", body["facet_results"])
                checks[name] = {str(f["value"]): f["count"] for f in results["sectors"]["results"]}
            slow = name == "Datasette"
            requests = args.datasette_requests if slow and args.datasette_requests else args.requests
            n_load = args.datasette_load if slow and args.datasette_load else args.load
            lat = latency(url, requests)
            load = asyncio.run(_load(url, n_load, args.clients))
            rows[name] = {**lat, **{f"load_{k}": v for k, v in load.items()}, "first_s": first, "index_s": index_s,
                          "requests": requests, "load": n_load}
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
        "`python benchmarks/bench_web.py " + " ".join(sys.argv[1:]) + "` on "
        + f"{platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}. Query: destination = DEU, facets status, "
        "partnership type and sectors (multi-valued), 25 rows + the count. One uvicorn process for SMP Atlas; "
        f"Datasette serves the same SQLite file (immutable, same indexes). Latency: {args.requests} sequential "
        f"requests after a warm-up; load: {args.load} requests, {args.clients} in flight"
        + (f" (Datasette: {rows['Datasette']['requests']} sequential, {rows['Datasette']['load']} under load, "
           "as each of its requests takes minutes at this size)" if args.datasette_requests or args.datasette_load
           else "") + ".",
        "",
        "| | p50 ms | p95 ms | req/s at 20 clients | p95 ms at 20 clients | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows.items():
        cells = (f"{r['load_rps']:.2f} | {r['load_p95_ms']:.0f} | {r['load_errors']}" if "load_rps" in r
                 else "— (in-process) | — | —")
        lines.append(f"| {name} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {cells} |")
    lines += [
        "",
        f"Ratios: p95 SMP Atlas / Datasette = {ours['p95_ms'] / ds['p95_ms']:.4f} (target ≤ 0.2); "
        f"p95 SMP Atlas / DuckDB floor = {ours['p95_ms'] / floor['p95_ms']:.3f} (target ≤ 4); "
        f"throughput SMP Atlas / Datasette = {ours['load_rps'] / ds['load_rps']:.1f} (target ≥ 5). "
        f"Multi-valued facet counts identical in all three: {'yes' if exact else 'NO'}. "
        f"Start-up to first answer: SMP Atlas {ours['first_s']:.1f} s (counting with SQL while it builds its "
        f"in-memory facet index, ready at {ours['index_s']:.1f} s; latencies are measured after that), "
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
