"""Time the reports: the inventory report (HTML and PDF) on the bundled inventory (173 real records), at 156 and
10,000 generated records, and a profile.

    .venv/bin/python benchmarks/bench_report.py             # prints a Markdown section
    .venv/bin/python benchmarks/bench_report.py --append    # ... and appends it to benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench_report.py --quick     # skip the 10,000-record run
    .venv/bin/python benchmarks/bench_report.py --runs 5    # median of 5 (default 3)

Each figure is the median of ``--runs`` runs (one run at 10,000) in one warm process (the first vl-convert
call, ~1–3 s to start its JavaScript engine, is paid once before timing and reported separately as
"cold start"). Every run starts from a fresh ``collect`` (no chart drawn by an earlier run is reused).
The machine line gives the CPU count and the load average at the start and the end: the targets are for a
2-core machine, and other processes on it slow every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

import smpatlas
from smpatlas.report import inventory, pdf, profile, render

HERE = Path(__file__).resolve().parent


def median_of(fn: Callable[[], object], n: int = 3) -> tuple[float, float]:
    """Median wall-clock and median CPU seconds (all threads of this process) of ``n`` runs of ``fn``.

    CPU time is the steadier figure on a shared machine; wall time is what a user waits, and is less than CPU
    time when vl-convert draws on one core while Python works on the other.
    """
    wall, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def generated(n: int, tmp: Path) -> smpatlas.Atlas:
    src = tmp / f"inv{n}.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in generate(n, 42)), "utf-8")
    return _atlas_of(src, tmp / f"inv{n}.db")


def bundled(tmp: Path) -> smpatlas.Atlas:
    src = Path(str(resources.files("smpatlas").joinpath("data/inventory/partnerships.jsonl")))
    return _atlas_of(src, tmp / "bundled.db")


def _atlas_of(src: Path, db: Path) -> smpatlas.Atlas:
    atlas = smpatlas.open(db)
    report = atlas.import_files([src])
    assert report.valid, report.to_text(limit=3)
    return atlas


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every system
        return "n/a"


def time_inventory(atlas: smpatlas.Atlas, label: str, repeats: int) -> list[tuple[str, tuple[float, float]]]:
    rows = [(f"inventory HTML, {label}", median_of(lambda: inventory.html(inventory.collect(atlas)), repeats)),
            (f"inventory PDF, {label} (charts + HTML + WeasyPrint)",
             median_of(lambda: inventory.pdf(inventory.collect(atlas)), repeats))]
    page = inventory.html(inventory.collect(atlas), for_print=True)
    rows.append((f"  of which WeasyPrint alone, {label}", median_of(lambda: pdf.from_html(page), repeats)))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--append", action="store_true", help="append the section to benchmarks/RESULTS.md")
    ap.add_argument("--quick", action="store_true", help="skip the 10,000-record run")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    args = ap.parse_args(argv)
    rows: list[tuple[str, tuple[float, float]]] = []
    load_before = _load()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t = time.perf_counter()
        render.svg({"data": {"values": [{"a": 1}]}, "mark": "bar", "encoding": {"x": {"field": "a"}}})
        cold = time.perf_counter() - t
        atlas = bundled(tmp)
        rows += time_inventory(atlas, f"bundled, {len(atlas.records())} records", args.runs)
        rid = atlas.records()[0]["id"]
        rows.append(("partnership profile HTML", median_of(lambda: profile.html(atlas, rid), args.runs)))
        rows.append(("partnership profile PDF", median_of(lambda: profile.pdf(atlas, rid), args.runs)))
        atlas.close()
        for n, repeats in ((156, args.runs), (10_000, 1)):
            if n > 156 and args.quick:
                continue
            atlas = generated(n, tmp)
            rows += time_inventory(atlas, f"{n:,} generated records", repeats)
            atlas.close()
    lines = [f"\n## Reports (issue 5) — {date.today().isoformat()}\n",
             f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, {os.cpu_count()} CPUs, "
             f"Python {platform.python_version()}, {platform.system()}; load average (1/5/15 min) {load_before} "
             f"at the start, {_load()} at the end; median of {args.runs} runs, one run at 10,000; "
             f"vl-convert cold start {cold:.2f} s (paid once per process, not included). "
             "Targets at 156–173 records: HTML < 3 s, PDF < 10 s.\n",
             "| what | median wall (s) | median CPU (s) |", "|---|---|---|"]
    lines += [f"| {what} | {wall:.2f} | {cpu:.2f} |" for what, (wall, cpu) in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.append:
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as fh:  # append: other sections are not ours
            fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
