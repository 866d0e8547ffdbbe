"""Run a Python console script as itself and record its peak RSS (VmHWM) at exit.

    BENCH_HWM_FILE=/tmp/x python benchmarks/_cliwrap.py .venv/bin/sqlite-utils insert ...

Used by bench_import.py for CLI measurements: ``ru_maxrss`` of a child process
inherits the parent's high-water mark on Linux, so it cannot measure a small
CLI started from a bigger benchmark process; VmHWM of the exec'd process can.
Only stdlib modules that the interpreter has loaded anyway: the overhead is a
few milliseconds.
"""

import atexit
import os
import runpy
import sys


def _report(path: str) -> None:
    with open("/proc/self/status") as fh:
        hwm = next((line.split()[1] for line in fh if line.startswith("VmHWM:")), "0")
    with open(path, "w") as out:
        out.write(hwm)


if __name__ == "__main__":
    atexit.register(_report, os.environ.pop("BENCH_HWM_FILE"))
    sys.argv = sys.argv[1:]
    runpy.run_path(sys.argv[0], run_name="__main__")
