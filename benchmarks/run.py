"""Run the benchmarks: generate the data files that are missing (or stale), then the import benchmark.

    python benchmarks/run.py                     # defaults: 100k CSV, 20k XLSX, 3 repeats
    python benchmarks/run.py --n 100000 --repeat 3 --xlsx-n 100000

Every option is passed on to ``bench_import.py`` (see ``--help`` there). Data goes
to ``benchmarks/data/`` (git-ignored), results to ``benchmarks/results/``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    a = bench_import.parser().parse_args(argv)  # --help prints the benchmark's options
    if not a.worker and not a.profile:
        t0 = time.perf_counter()
        print("generating missing data files …", file=sys.stderr, flush=True)
        for n in sorted({a.n, *bench_import.sizes(a.mem_sizes)}):
            bench_import.ensure(n, "csv", a.seed, lambda m: print(m, file=sys.stderr, flush=True))
        for n in sorted({a.xlsx_n, *bench_import.sizes(a.xlsx_mem_sizes)}):
            bench_import.ensure(n, "xlsx", a.seed, lambda m: print(m, file=sys.stderr, flush=True))
        print(f"data ready in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return bench_import.main(argv)


if __name__ == "__main__":
    sys.exit(main())
