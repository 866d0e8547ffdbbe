"""Import benchmark: smpatlas CSV/XLSX import and list vs. anchors, on the same files in one run.

    python benchmarks/bench_import.py                       # 100,000 CSV rows, 20,000 XLSX rows, 3 repeats
    python benchmarks/bench_import.py --n 100000 --repeat 3 --xlsx-n 100000
    python benchmarks/bench_import.py --profile 20000       # cProfile of the smpatlas import of 20k CSV rows

How things are timed (see benchmarks/README.md):

* Every measurement runs in a **fresh subprocess** (this script with ``--worker``),
  one at a time. In-process workers time **only the library call** with
  ``time.perf_counter`` (and its CPU time with ``time.process_time``) and report it:
  interpreter start, imports, and for smpatlas the creation of the empty database
  by its migrations are excluded. The parent also records the subprocess wall time.
* ``sqlite-utils insert`` and ``smpatlas list`` are run as the **CLIs** the brief
  names; their wall time includes process start. The start-up cost is measured
  separately (``sqlite-utils --version``, ``smpatlas --help``); sqlite-utils figures
  are net of it, so that the ratios compare like with like.
* Peak memory: VmHWM of the measured process (workers read their own; CLIs run
  under ``_cliwrap.py``, which reports theirs), plus the worker's RSS just before
  the measured call, so "peak − before" is what the call itself added.
  (``ru_maxrss`` is not used: a child inherits its parent's high-water mark.)
* Every smpatlas import uses a **new, empty database** (its file is deleted after
  the run, except the last 100k CSV database, which ``list`` reads right away).
* Reported values are **medians** over the repeats.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent

TARGETS = {  # smpatlas throughput ÷ anchor throughput must be at least this
    "csv_vs_frictionless": 3.0,
    "csv_vs_sqlite_utils": 5.0,
    "xlsx_vs_openpyxl": 3.0,
}


# --- data ------------------------------------------------------------------------

def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def data_file(n: int, fmt: str, seed: int) -> Path:
    return DATA / (f"inv{label(n)}" + ("" if seed == 42 else f"-s{seed}") + f".{fmt}")


#: product files that shape the generated cells (a change there regenerates the data)
CELL_SHAPERS = ("src/smpatlas/io/exporter.py", "src/smpatlas/cells.py", "src/smpatlas/data/codebook.toml")


def _generator_digest() -> str:
    h = hashlib.sha256((HERE / "generate.py").read_bytes())
    for rel in CELL_SHAPERS:
        h.update((ROOT / rel).read_bytes())
    return h.hexdigest()[:16]


def _src_digest() -> str:
    h = hashlib.sha256()
    for p in sorted((ROOT / "src" / "smpatlas").rglob("*")):
        if p.is_file() and p.suffix in (".py", ".toml"):
            h.update(str(p.relative_to(ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def ensure(n: int, fmt: str, seed: int, log: Any = print) -> Path:
    """The generated file of ``n`` records, (re)generated when missing or stale."""
    path = data_file(n, fmt, seed)
    meta = path.with_name(path.name + ".meta.json")
    want = {"n": n, "seed": seed, "format": fmt, "generator": _generator_digest()}
    if path.exists() and meta.exists():
        try:
            if json.loads(meta.read_text()) == want:
                return path
        except ValueError:
            pass
    sys.path.insert(0, str(HERE))
    from generate import write

    t0 = time.perf_counter()
    write(n, path, fmt, seed)
    meta.write_text(json.dumps(want) + "\n")
    log(f"  generated {path.relative_to(ROOT)} ({n:,} rows, {path.stat().st_size / 1e6:.1f} MB) "
        f"in {time.perf_counter() - t0:.0f} s")
    return path


# --- workers (run in a fresh subprocess each) --------------------------------------

def _rss_kb() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss // 1024)


def _maxrss_kb() -> int:
    """Peak RSS of this process image in KiB: VmHWM (ru_maxrss would include the parent's high-water mark)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def worker(kind: str, file: str | None, db: str | None, extra: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if kind == "smpatlas-import":
        from smpatlas.io.importer import import_files
        from smpatlas.store import database

        engine = database.open_engine(db)  # creates the empty schema (not timed)
        before = _rss_kb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        report = import_files(engine, [file], user="bench")
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        engine.dispose()
        out.update(rows=report.rows, valid=report.valid, written=report.written, errors=report.errors,
                   warnings=report.warnings, inserted=report.inserted)
    elif kind == "csv-reader":
        before = _rss_kb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        rows = 0
        cells = 0
        with open(file, encoding="utf-8", newline="") as fh:  # type: ignore[arg-type]
            reader = csv.reader(fh)
            next(reader)
            for row in reader:
                rows += 1
                cells += len(row)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        out.update(rows=rows, cells=cells, valid=True)
    elif kind == "openpyxl":
        import openpyxl

        before = _rss_kb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        wb = openpyxl.load_workbook(file, read_only=True, data_only=True)  # type: ignore[arg-type]
        ws = wb["partnerships"]
        rows = -1  # the header
        for _row in ws.iter_rows(values_only=True):
            rows += 1
        wb.close()
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        out.update(rows=rows, valid=True)
    elif kind == "calamine":
        from python_calamine import CalamineWorkbook

        before = _rss_kb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        wb = CalamineWorkbook.from_path(file)
        rows = -1
        for _row in wb.get_sheet_by_name("partnerships").iter_rows():
            rows += 1
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        out.update(rows=rows, valid=True)
    elif kind == "reader":
        from smpatlas.io.readers import open_table

        before = _rss_kb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        table = open_table(Path(file))  # type: ignore[arg-type]
        rows = 0
        for _row in table.rows:
            rows += 1
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        out.update(rows=rows, valid=True)
    elif kind == "frictionless":
        from frictionless import Resource

        path = Path(file)  # type: ignore[arg-type]
        before = _rss_kb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        # Frictionless only reads paths inside ``basepath`` (its "safe path" rule).
        resource_ = Resource(path=path.name, basepath=str(path.parent), schema=Path(extra).name)  # type: ignore[arg-type]
        report = resource_.validate()
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        task = report.tasks[0] if report.tasks else None
        out.update(rows=task.stats.get("rows") if task else None, valid=report.valid,
                   errors=report.stats.get("errors"),
                   first_errors=report.flatten(["rowNumber", "fieldName", "type", "note"])[:5])
    elif kind == "smpatlas-list-lib":
        from smpatlas.store import database
        from smpatlas.store import repository as repo
        from smpatlas.store.filters import Filters

        engine = database.open_engine(db, create_if_missing=False)
        before = _rss_kb()
        c0 = time.process_time()
        t0 = time.perf_counter()
        f = Filters(destination=[extra or "DEU"]).normalised()
        with engine.connect() as conn:
            rows = sum(1 for _ in repo.select_records(conn, f))
            total = repo.count(conn, f)
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        engine.dispose()
        out.update(rows=rows, total=total, valid=rows == total)
    else:
        raise SystemExit(f"unknown worker {kind!r}")
    out.update(elapsed=elapsed, cpu=cpu, rss_before_kb=before, maxrss_kb=_maxrss_kb())
    return out


# --- running children ---------------------------------------------------------------

def run_child(cmd: list[str], *, script: bool = False) -> dict[str, Any]:
    """Run ``cmd``; wall time and the child's CPU time (``os.wait4``).

    ``script``: ``cmd[0]`` is a Python console script (a CLI); it runs under ``_cliwrap.py``,
    which reports the CLI's own peak RSS (VmHWM) as ``child_maxrss_kb``.
    """
    env = None
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se, \
            tempfile.NamedTemporaryFile("r", suffix=".hwm") as hwm:
        if script:
            cmd = [sys.executable, str(HERE / "_cliwrap.py"), *cmd]
            env = {**os.environ, "BENCH_HWM_FILE": hwm.name}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=so, stderr=se, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        so.seek(0)
        se.seek(0)
        stdout, stderr = so.read().decode(errors="replace"), se.read().decode(errors="replace")
        peak = int(hwm.read().strip() or 0) if script else None
    out = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rc": proc.returncode,
           "stdout": stdout, "stderr": stderr}
    if peak:
        out["child_maxrss_kb"] = peak
    return out


def run_worker(kind: str, file: Path | None = None, db: Path | None = None, extra: str | None = None
               ) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
    if file:
        cmd += ["--file", str(file)]
    if db:
        cmd += ["--db", str(db)]
    if extra:
        cmd += ["--extra", extra]
    res = run_child(cmd)
    if res["rc"] != 0:
        raise RuntimeError(f"worker {kind} failed (rc {res['rc']}):\n{res['stderr'][-3000:]}")
    out = json.loads(res["stdout"].strip().splitlines()[-1])
    out["wall"] = res["wall"]
    return out


# --- the benchmark ----------------------------------------------------------------------

def med(values: list[float]) -> float:
    return statistics.median(values)


def summarise(name: str, runs: list[dict[str, Any]], rows: int, *, time_key: str = "elapsed",
              cpu_key: str = "cpu") -> dict[str, Any]:
    times = [r[time_key] for r in runs]
    m = med(times)
    cpus = [r[cpu_key] for r in runs if cpu_key in r]
    mc = med(cpus) if cpus else None
    out: dict[str, Any] = {
        "name": name, "rows": rows, "repeats": len(runs), "seconds": times, "median_s": m,
        "rows_per_s": rows / m if m > 0 else None,
        "min_s": min(times), "max_s": max(times),
        "cpu_seconds": cpus, "median_cpu_s": mc, "rows_per_cpu_s": rows / mc if mc else None,
    }
    if any("maxrss_kb" in r for r in runs):
        out["peak_rss_mb"] = med([r["maxrss_kb"] / 1024 for r in runs])
        out["rss_before_mb"] = med([r["rss_before_kb"] / 1024 for r in runs])
        out["added_rss_mb"] = out["peak_rss_mb"] - out["rss_before_mb"]
    if any("child_maxrss_kb" in r for r in runs):
        out["peak_rss_mb"] = med([r["child_maxrss_kb"] / 1024 for r in runs])
    if any("wall" in r for r in runs) and time_key != "wall":
        out["median_wall_s"] = med([r["wall"] for r in runs])
    return out


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.results: dict[str, Any] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-db-", dir=DATA))
        self.keep_db: Path | None = None

    def log(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def fresh_db(self, tag: str) -> Path:
        db = self.tmp / f"{tag}.db"
        for p in (db, db.with_name(db.name + "-journal"), db.with_name(db.name + "-wal")):
            p.unlink(missing_ok=True)
        return db

    def smpatlas_import(self, name: str, file: Path, n: int, repeat: int, keep_last: bool = False) -> dict[str, Any]:
        runs = []
        for i in range(repeat):
            db = self.fresh_db(name)
            r = run_worker("smpatlas-import", file, db)
            if not (r["valid"] and r["written"] and r["rows"] == n and r["inserted"] == n):
                raise RuntimeError(f"{name}: import was not clean: {r}")
            runs.append(r)
            self.log(f"  {name} #{i + 1}: {r['elapsed']:.1f} s ({n / r['elapsed']:,.0f} rows/s), "
                     f"CPU {r['cpu']:.1f} s, peak RSS {r['maxrss_kb'] / 1024:.0f} MB")
            if keep_last and i == repeat - 1:
                self.keep_db = self.tmp / "list-100k.db"
                shutil.move(db, self.keep_db)
            else:
                db.unlink(missing_ok=True)
        return summarise(name, runs, n)

    def anchor(self, name: str, kind: str, file: Path, n: int, repeat: int, extra: str | None = None
               ) -> dict[str, Any]:
        runs = []
        for i in range(repeat):
            r = run_worker(kind, file, extra=extra)
            if r.get("rows") != n or not r.get("valid"):
                raise RuntimeError(f"{name}: unexpected result {r}")
            runs.append(r)
            self.log(f"  {name} #{i + 1}: {r['elapsed']:.2f} s ({n / r['elapsed']:,.0f} rows/s), CPU {r['cpu']:.2f} s")
        return summarise(name, runs, n)

    def cli(self, name: str, cmd: list[str], repeat: int, rows: int, check: Any = None) -> dict[str, Any]:
        runs = []
        for i in range(repeat):
            r = run_child(cmd, script=True)
            if r["rc"] != 0:
                raise RuntimeError(f"{name} failed (rc {r['rc']}): {r['stderr'][-2000:]}")
            if check:
                check(r)
            runs.append({k: r[k] for k in ("wall", "cpu", "child_maxrss_kb") if k in r})
            self.log(f"  {name} #{i + 1}: {r['wall']:.2f} s (CPU {r['cpu']:.2f} s)")
        return summarise(name, runs, rows, time_key="wall")

    def section(self, key: str, fn: Any) -> None:
        """Run one measurement; a failure is recorded (and shown) instead of ending the run."""
        try:
            self.results[key] = fn()
        except Exception as exc:  # keep the other numbers of a 15-minute run
            self.log(f"  FAILED {key}: {type(exc).__name__}: {str(exc)[-600:]}")
            self.results.setdefault("errors", {})[key] = f"{type(exc).__name__}: {str(exc)[-2000:]}"

    def list_lib(self) -> dict[str, Any]:
        assert self.keep_db is not None, "no database from the CSV import"
        lib = [run_worker("smpatlas-list-lib", db=self.keep_db, extra="DEU") for _ in range(self.args.repeat)]
        self.results["list_matching_rows"] = lib[0]["rows"]
        for i, r in enumerate(lib):
            self.log(f"  list DEU (library) #{i + 1}: {r['elapsed']:.2f} s, {r['rows']:,} records")
        return summarise("list DEU, library (select_records + count)", lib, lib[0]["rows"])

    def list_cli(self, csv_format: bool) -> dict[str, Any]:
        assert self.keep_db is not None, "no database from the CSV import"
        matching = self.results.get("list_matching_rows", 0)
        cmd = [str(BIN / "smpatlas"), "list", "--db", str(self.keep_db), "--destination", "DEU"]

        def check(r: dict[str, Any]) -> None:
            if csv_format:
                got = r["stdout"].count("\n") - 1  # header; no record spans lines in this output
                if matching and got != matching:
                    raise RuntimeError(f"list --format csv printed {got} lines, expected {matching}")
            elif matching and f"{matching} of {matching} matching" not in r["stderr"]:
                raise RuntimeError(f"list printed an unexpected summary: {r['stderr'][-300:]}")

        name = "smpatlas list --destination DEU" + (" --format csv" if csv_format else "")
        return self.cli(name, cmd + (["--format", "csv"] if csv_format else []), self.args.repeat, matching, check)

    def sqlite_utils(self, csv_main: Path, n: int) -> dict[str, Any]:
        start = self.cli("sqlite-utils start-up", [str(BIN / "sqlite-utils"), "--version"], self.args.repeat, 0)
        runs = []
        for i in range(self.args.sqlite_utils_repeat or self.args.repeat):
            db = self.fresh_db("sqlite-utils")
            r = run_child([str(BIN / "sqlite-utils"), "insert", str(db), "partnerships", str(csv_main), "--csv"],
                          script=True)
            if r["rc"] != 0:
                raise RuntimeError(f"sqlite-utils failed: {r['stderr'][-2000:]}")
            with sqlite3.connect(db) as conn:
                got = conn.execute("select count(*) from partnerships").fetchone()[0]
            if got != n:
                raise RuntimeError(f"sqlite-utils inserted {got} rows, expected {n}")
            db.unlink()
            r["net"] = r["wall"] - start["median_s"]
            r["net_cpu"] = r["cpu"] - start["median_cpu_s"]
            runs.append({k: r[k] for k in ("wall", "net", "cpu", "net_cpu", "child_maxrss_kb") if k in r})
            self.log(f"  sqlite-utils insert #{i + 1}: {r['wall']:.1f} s wall, {r['net']:.1f} s net, "
                     f"{r['net_cpu']:.1f} s CPU net")
        out = summarise("sqlite-utils insert --csv", runs, n, time_key="net", cpu_key="net_cpu")
        out["median_wall_s"] = med([r["wall"] for r in runs])
        out["startup_s"] = start["median_s"]
        out["startup_cpu_s"] = start["median_cpu_s"]
        return out

    def run(self) -> dict[str, Any]:
        a = self.args
        R = self.results
        t_start = time.perf_counter()
        self.log(f"data (seed {a.seed}):")
        csv_main = ensure(a.n, "csv", a.seed, self.log)
        csv_mem = {m: ensure(m, "csv", a.seed, self.log) for m in a.mem_sizes if m != a.n}
        xlsx_main = ensure(a.xlsx_n, "xlsx", a.seed, self.log)
        xlsx_mem = {m: ensure(m, "xlsx", a.seed, self.log) for m in a.xlsx_mem_sizes if m != a.xlsx_n}
        schema = DATA / "table-schema.json"
        from smpatlas.io.exporter import table_schema

        schema.write_text(json.dumps(table_schema(), indent=1, ensure_ascii=False) + "\n", "utf-8")
        t_measure = time.perf_counter()
        R["generation_s"] = t_measure - t_start

        n, xn, rep = a.n, a.xlsx_n, a.repeat
        self.log(f"CSV, {n:,} rows:")
        self.section("csv_reader", lambda: self.anchor("csv.reader pass", "csv-reader", csv_main, n, rep))
        self.section("smpatlas_csv", lambda: self.smpatlas_import("smpatlas import CSV", csv_main, n, rep,
                                                                  keep_last=True))
        # list right away, on the database the last import left (before anything else can change)
        self.log(f"list --destination DEU on the {n:,}-row database:")
        self.section("list_lib", self.list_lib)
        self.section("list_cli", lambda: self.list_cli(csv_format=False))
        self.section("list_cli_csv", lambda: self.list_cli(csv_format=True))
        self.section("smpatlas_startup", lambda: self.cli("smpatlas --help (start-up)",
                                                          [str(BIN / "smpatlas"), "--help"], rep, 0))
        self.section("frictionless", lambda: self.anchor("frictionless validate", "frictionless", csv_main, n,
                                                         a.frictionless_repeat or rep, extra=str(schema)))
        self.section("sqlite_utils", lambda: self.sqlite_utils(csv_main, n))

        self.log(f"memory in N (smpatlas CSV import at {', '.join(f'{m:,}' for m in sorted(csv_mem))} rows, "
                 f"{a.mem_repeat} run(s) each; {n:,} from above):")
        mem: dict[int, Any] = {}
        for m, path in sorted(csv_mem.items()):
            self.section(f"smpatlas_csv_{label(m)}", lambda m=m, path=path: self.smpatlas_import(
                f"smpatlas import CSV {label(m)}", path, m, a.mem_repeat))
            mem[m] = R.get(f"smpatlas_csv_{label(m)}")
        mem[n] = R.get("smpatlas_csv")
        R["csv_memory"] = _memory_table(mem)

        self.log(f"XLSX, {xn:,} rows:")
        self.section("openpyxl", lambda: self.anchor("openpyxl read-only pass", "openpyxl", xlsx_main, xn,
                                                     a.openpyxl_repeat or rep))
        self.section("calamine", lambda: self.anchor("python-calamine pass", "calamine", xlsx_main, xn, rep))
        self.section("reader", lambda: self.anchor("smpatlas XLSX reader pass", "reader", xlsx_main, xn, rep))
        self.section("smpatlas_xlsx", lambda: self.smpatlas_import("smpatlas import XLSX", xlsx_main, xn, rep))
        xmem: dict[int, Any] = {}
        for m, path in sorted(xlsx_mem.items()):
            self.section(f"smpatlas_xlsx_{label(m)}", lambda m=m, path=path: self.smpatlas_import(
                f"smpatlas import XLSX {label(m)}", path, m, a.mem_repeat))
            xmem[m] = R.get(f"smpatlas_xlsx_{label(m)}")
        xmem[xn] = R.get("smpatlas_xlsx")
        R["xlsx_memory"] = _memory_table(xmem)
        R["measure_s"] = time.perf_counter() - t_measure
        return R

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _memory_table(sizes: dict[int, Any]) -> dict[str, Any]:
    return {str(k): {"rows": k, "peak_rss_mb": v["peak_rss_mb"], "rss_before_mb": v["rss_before_mb"],
                     "added_rss_mb": v["added_rss_mb"], "rows_per_s": v["rows_per_s"], "repeats": v["repeats"]}
            for k, v in sorted(sizes.items()) if v}


def ratios(R: dict[str, Any]) -> dict[str, Any]:
    def ratio(ours: str, anchor: str, target_key: str) -> dict[str, Any]:
        t = TARGETS[target_key]
        if ours not in R or anchor not in R:
            return {"ours": ours, "anchor": anchor, "ratio": None, "target": t, "met": None}
        x = R[ours]["rows_per_s"] / R[anchor]["rows_per_s"]
        xc = R[ours]["rows_per_cpu_s"] / R[anchor]["rows_per_cpu_s"]
        return {"ours": ours, "anchor": anchor, "ratio": x, "target": t, "met": x >= t,
                "anchor_faster_by": 1 / x if x < 1 else None, "cpu_ratio": xc, "cpu_met": xc >= t}

    return {
        "csv_vs_frictionless": ratio("smpatlas_csv", "frictionless", "csv_vs_frictionless"),
        "csv_vs_sqlite_utils": ratio("smpatlas_csv", "sqlite_utils", "csv_vs_sqlite_utils"),
        "xlsx_vs_openpyxl": ratio("smpatlas_xlsx", "openpyxl", "xlsx_vs_openpyxl"),
    }


def markdown(R: dict[str, Any], rat: dict[str, Any]) -> str:
    rows = [
        ("smpatlas import CSV (validate + store)", "smpatlas_csv", "library call in subprocess"),
        ("frictionless validate (Table Schema)", "frictionless", "library call in subprocess"),
        ("sqlite-utils insert --csv", "sqlite_utils", "CLI wall − start-up ({:.2f} s)".format(
            R.get("sqlite_utils", {}).get("startup_s", float("nan")))),
        ("csv.reader pass (parse floor)", "csv_reader", "library call in subprocess"),
        ("smpatlas import XLSX (validate + store)", "smpatlas_xlsx", "library call in subprocess"),
        ("openpyxl read-only pass", "openpyxl", "library call in subprocess"),
        ("python-calamine pass (whole sheet in memory)", "calamine", "library call in subprocess"),
        ("smpatlas XLSX reader pass (calamine below 32 MB of sheet XML, else streamed)", "reader",
         "library call in subprocess"),
        ("smpatlas list --destination DEU (table)", "list_cli", "CLI wall, incl. start-up"),
        ("smpatlas list --destination DEU --format csv", "list_cli_csv", "CLI wall, incl. start-up"),
        ("list DEU, library only (select_records + count)", "list_lib", "library call in subprocess"),
        ("smpatlas --help (CLI start-up)", "smpatlas_startup", "CLI wall"),
    ]
    out = ["| measurement | rows | runs | median s | min–max s | rows/s | median CPU s | rows/CPU-s | peak RSS MB "
           "| timed as |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for title, k, how in rows:
        r = R.get(k)
        if r is None:
            out.append(f"| {title} | – | – | failed | – | – | – | – | – | {how} |")
            continue
        rated = not k.startswith(("list", "smpatlas_st"))
        per_s = f"{r['rows_per_s']:,.0f}" if rated and r.get("rows_per_s") else "–"
        per_cpu = f"{r['rows_per_cpu_s']:,.0f}" if rated and r.get("rows_per_cpu_s") else "–"
        cpu = f"{r['median_cpu_s']:.2f}" if r.get("median_cpu_s") is not None else "–"
        peak = f"{r['peak_rss_mb']:,.0f}" if r.get("peak_rss_mb") else "–"
        out.append(f"| {title} | {r['rows']:,} | {r['repeats']} | {r['median_s']:.2f} | {r['min_s']:.2f}–"
                   f"{r['max_s']:.2f} | {per_s} | {cpu} | {per_cpu} | {peak} | {how} |")
    out += ["", "| ratio (smpatlas rows/s ÷ anchor rows/s) | wall-time ratio | CPU-time ratio | target | met |",
            "|---|---:|---:|---:|---|"]
    names = {"csv_vs_frictionless": "CSV import vs frictionless validate",
             "csv_vs_sqlite_utils": "CSV import vs sqlite-utils insert",
             "xlsx_vs_openpyxl": "XLSX import vs bare openpyxl read"}
    for k, v in rat.items():
        if v["ratio"] is None:
            out.append(f"| {names[k]} | – | – | ≥ {v['target']:g}× | not measured |")
            continue
        met = "yes" if v["met"] and v["cpu_met"] else "**no**" if not v["met"] and not v["cpu_met"] else "mixed"
        out.append(f"| {names[k]} | {v['ratio']:.2f}× | {v['cpu_ratio']:.2f}× | ≥ {v['target']:g}× | {met} |")
    for key, title in (("csv_memory", "CSV"), ("xlsx_memory", "XLSX")):
        out += ["", f"| smpatlas {title} import: rows | runs | rows/s | peak RSS MB | RSS before import MB "
                "| added by import MB |", "|---:|---:|---:|---:|---:|---:|"]
        for v in R.get(key, {}).values():
            out.append(f"| {v['rows']:,} | {v['repeats']} | {v['rows_per_s']:,.0f} | {v['peak_rss_mb']:,.0f} "
                       f"| {v['rss_before_mb']:,.0f} | {v['added_rss_mb']:,.0f} |")
    if R.get("errors"):
        out += ["", "Failed measurements: " + "; ".join(f"{k}: {v[:200]}" for k, v in R["errors"].items())]
    return "\n".join(out)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    pkgs = {}
    for name in ("smpatlas", "SQLAlchemy", "pydantic", "pydantic_core", "openpyxl", "python-calamine",
                 "sqlite-utils", "frictionless", "psutil", "typer", "rich"):
        try:
            pkgs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pkgs[name] = None
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
        "loadavg_start": os.getloadavg(), "packages": pkgs, "src_digest": _src_digest(), "git": _git(),
    }


def _git() -> dict[str, Any]:
    """HEAD and whether src/ differs from it (best effort)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True,
                               text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"head": head or None, "src_dirty": bool(dirty)}


def profile(n: int, seed: int) -> int:
    """cProfile of the smpatlas import of ``n`` CSV rows (in this process); writes results/profile-<date>.txt."""
    import cProfile
    import io
    import pstats

    from smpatlas.io.importer import import_files
    from smpatlas.store import database

    path = ensure(n, "csv", seed, lambda m: print(m, file=sys.stderr))
    tmp = Path(tempfile.mkdtemp(prefix="bench-prof-", dir=DATA))
    try:
        engine = database.open_engine(str(tmp / "p.db"))
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        report = import_files(engine, [path], user="bench")
        prof.disable()
        elapsed = time.perf_counter() - t0
        engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    buf = io.StringIO()
    buf.write(f"cProfile of smpatlas import of {n:,} CSV rows ({path.name}); valid={report.valid}; "
              f"{elapsed:.1f} s under the profiler ({n / elapsed:,.0f} rows/s with profiling overhead)\n\n")
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats("cumulative").print_stats(35)
    st.sort_stats("tottime").print_stats(30)
    text = buf.getvalue().replace(str(ROOT) + "/", "").replace(sys.prefix + "/", "")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"profile-{dt.datetime.now(dt.UTC):%Y-%m-%d}.txt"
    out.write_text(text)
    print(text)
    print(f"written {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="smpatlas import benchmark (see benchmarks/README.md)")
    ap.add_argument("--n", type=int, default=100_000, help="CSV rows (default 100,000)")
    ap.add_argument("--xlsx-n", type=int, default=20_000,
                    help="XLSX rows for throughput (default 20,000 to keep the run near 15 minutes)")
    ap.add_argument("--repeat", type=int, default=3, help="repeats per measurement (default 3; medians reported)")
    ap.add_argument("--mem-sizes", default="10000,50000",
                    help="extra CSV sizes for the memory-in-N check (default 10000,50000; --n is added)")
    ap.add_argument("--xlsx-mem-sizes", default="10000,50000",
                    help="extra XLSX sizes for memory (default 10000,50000; --xlsx-n is added)")
    ap.add_argument("--mem-repeat", type=int, default=1, help="runs per extra memory size (default 1)")
    ap.add_argument("--frictionless-repeat", type=int, default=0, help="override --repeat for frictionless")
    ap.add_argument("--sqlite-utils-repeat", type=int, default=2,
                    help="repeats for sqlite-utils insert, the slowest anchor (default 2)")
    ap.add_argument("--openpyxl-repeat", type=int, default=0, help="override --repeat for openpyxl")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--profile", type=int, metavar="N", help="only profile the smpatlas import of N CSV rows")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--extra", help=argparse.SUPPRESS)
    return ap


def sizes(text: str) -> list[int]:
    return sorted({int(x) for x in text.split(",") if x.strip()})


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    if a.worker:
        print(json.dumps(worker(a.worker, a.file, a.db, a.extra), default=str))
        return 0
    if a.profile:
        return profile(a.profile, a.seed)
    a.mem_sizes = sizes(a.mem_sizes)
    a.xlsx_mem_sizes = sizes(a.xlsx_mem_sizes)

    started = dt.datetime.now(dt.UTC)
    info = machine()
    bench = Bench(a)
    loads: list[float] = []
    stop = threading.Event()

    def sample_load() -> None:  # the machine is shared: record how busy it was
        while not stop.wait(10):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample_load, daemon=True)
    sampler.start()
    try:
        R = bench.run()
    finally:
        stop.set()
        bench.cleanup()
    R["loadavg_1min_during"] = {"min": min(loads, default=None), "median": med(loads) if loads else None,
                                "max": max(loads, default=None), "samples": len(loads)}
    src_end = _src_digest()
    rat = ratios(R)
    table = markdown(R, rat)
    if src_end != info["src_digest"]:
        table += ("\n\n**Warning:** files under src/smpatlas changed during this run "
                  f"({info['src_digest']} → {src_end}); the numbers mix versions.")
    doc = {
        "date": started.isoformat(timespec="seconds"), "machine": info, "src_digest_end": src_end,
        "config": {"n": a.n, "xlsx_n": a.xlsx_n, "repeat": a.repeat, "mem_sizes": a.mem_sizes,
                   "xlsx_mem_sizes": a.xlsx_mem_sizes, "mem_repeat": a.mem_repeat, "seed": a.seed,
                   "frictionless_repeat": a.frictionless_repeat or a.repeat,
                   "sqlite_utils_repeat": a.sqlite_utils_repeat or a.repeat,
                   "openpyxl_repeat": a.openpyxl_repeat or a.repeat},
        "timing": "in-process library-call time inside a fresh subprocess (perf_counter), except CLI rows "
                  "(sqlite-utils: wall minus median start-up; smpatlas list: wall incl. start-up)",
        "results": R, "ratios": rat, "markdown": table,
        "loadavg_end": os.getloadavg(),
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"import-{started:%Y-%m-%d}.json"
    out.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    print(table)
    print(f"\nmeasured in {R['measure_s'] / 60:.1f} min (+ {R['generation_s']:.0f} s data generation); "
          f"1-min load average during the run: median {med(loads) if loads else float('nan'):.2f} "
          f"(min {min(loads, default=float('nan')):.2f}, max {max(loads, default=float('nan')):.2f}); "
          f"written {out.relative_to(ROOT)}", file=sys.stderr)
    return 1 if R.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
