"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temporary folder on a free port.

Uses Debian's postgresql binaries (installed by `make test` when absent). As root, the server runs
as the `postgres` system user (PostgreSQL refuses to run as root). Nothing depends on a server
already running; the server is stopped at the end of the session.

The tests keep the server's files in memory (:func:`memory_dir`, /dev/shm): every test copies a
template database (~10 MB), and on a disk mounted with ``discard`` deleting a few hundred of them
at the end of the session took longer than the tests. Benchmarks keep the default (the disk, next
to the SQLite files they are compared with).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa


def _bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def memory_dir(min_free: int = 4 << 30) -> str | None:
    """A RAM-backed folder for throwaway servers (SMPATLAS_TEST_PG_DIR overrides; "" means the default)."""
    if "SMPATLAS_TEST_PG_DIR" in os.environ:
        return os.environ["SMPATLAS_TEST_PG_DIR"] or None
    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    return shm if os.access(shm, os.W_OK) and st.f_bavail * st.f_frsize >= min_free else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One PostgreSQL server for a test session."""

    user = "atlas"

    def __init__(self, tmpdir: str | None = None) -> None:
        """A server whose files live in a new folder under ``tmpdir`` (default: the system's temporary folder)."""
        bindir = _bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL binaries not found: install Debian's 'postgresql' (make test does this)")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="smpatlas-pg-", dir=tmpdir))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
            os.chmod(self.root, 0o755)
        self._counter = 0

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> PgServer:
        self._run("initdb", "-D", str(self.data), "-U", self.user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        opts = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "-t", "60", "start")
        deadline = time.time() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (optionally a copy of ``template``); returns its URL."""
        self._counter += 1
        name = f"t{os.getpid()}_{self._counter}"
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        finally:
            engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
