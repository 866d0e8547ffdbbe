"""Time the reports: the inventory report (HTML and PDF) at 156 and 10,000 records, and a profile.

    .venv/bin/python benchmarks/bench_report.py            # appends a section to benchmarks/RESULTS.md

Each figure at 156 records is the median of 3 runs (one run at 10,000) in one warm process (the first vl-convert
call, ~1–3 s to start its JavaScript engine, is paid once before timing and
reported separately as "cold start").
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

import smpatlas
from smpatlas.report import inventory, pdf, profile, render

HERE = Path(__file__).resolve().parent


def median_of(fn: Callable[[], object], n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def inventory_of(n: int, tmp: Path) -> smpatlas.Atlas:
    src = tmp / f"inv{n}.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in generate(n, 42)), "utf-8")
    atlas = smpatlas.open(tmp / f"inv{n}.db")
    report = atlas.import_files([src])
    assert report.valid, report.to_text(limit=3)
    return atlas


def main() -> int:
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t = time.perf_counter()
        render.svg({"data": {"values": [{"a": 1}]}, "mark": "bar", "encoding": {"x": {"field": "a"}}})
        cold = time.perf_counter() - t
        for n, repeats in ((156, 3), (10_000, 1)):
            atlas = inventory_of(n, tmp)
            rows.append((f"inventory HTML, {n:,} records", median_of(
                lambda a=atlas: inventory.html(inventory.collect(a)), repeats)))
            page = inventory.html(inventory.collect(atlas))
            rows.append((f"inventory PDF, {n:,} records (HTML + WeasyPrint)", median_of(
                lambda a=atlas: pdf.from_html(inventory.html(inventory.collect(a))), repeats)))
            rows.append((f"  of which WeasyPrint alone, {n:,} records", median_of(lambda p=page: pdf.from_html(p),
                                                                                     repeats)))
            rid = atlas.records()[0]["id"]
            if n == 156:
                rows.append(("partnership profile HTML", median_of(lambda a=atlas, r=rid: profile.html(a, r))))
                rows.append(("partnership profile PDF", median_of(lambda a=atlas, r=rid: pdf.from_html(
                    profile.html(a, r)))))
            atlas.close()
    lines = [f"\n## Reports (issue 5) — {date.today().isoformat()}\n",
             f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
             f"{platform.system()}; median of 3 at 156 records, one run at 10,000; "
             f"vl-convert cold start {cold:.2f} s (paid once per "
             "process, not included). Targets at 156 records: HTML < 3 s, PDF < 10 s.\n",
             "| what | median (s) |", "|---|---|"]
    lines += [f"| {what} | {secs:.2f} |" for what, secs in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    with (HERE / "RESULTS.md").open("a", encoding="utf-8") as fh:  # append: other sections are not ours
        fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
