"""What ``report``, ``chart`` and ``export`` do when the file (or standard output) cannot be written, and
``--format``/``--spec`` against the file name; plus standard output failing for any command and ``--check``
of a missing file (the CLI's top-level error handling)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result

Cli = Callable[..., Result]
RUN = [sys.executable, "-m", "smpatlas"]


@pytest.fixture
def db(sqlite_demo: Path, tmp_path: Path) -> str:
    path = tmp_path / "demo.db"
    shutil.copyfile(sqlite_demo, path)
    return str(path)


def smpatlas(*args: str, limit: int | None = None, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """Run the real command in a process (``limit``: the file-size limit in bytes, SIGXFSZ ignored, so an
    oversized write fails with EFBIG as on a full disk)."""
    def limited() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        assert limit is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([*RUN, *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=300,
                          preexec_fn=limited if limit else None, check=False)


def assert_clear(stderr: str, *expected: str) -> None:
    assert "Internal error" not in stderr and "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    for text in expected:
        assert text in stderr, stderr


@pytest.mark.parametrize(("cmd", "name", "limit"), [
    (("report", "inventory"), "big.html", 40_000),
    # a PDF report: the profile (≈ 40 KB; the inventory's takes 10 s more); the limit leaves room for SQLite's
    # 32 KB shared-memory file
    (("report", "partnership", "de-ph-triple-win"), "big.pdf", 34_000),
    (("chart", "world_map"), "big.png", 40_000), (("export", "--format", "xlsx"), "big.xlsx", 40_000)])
def test_a_write_over_the_file_size_limit_keeps_the_old_file(db: str, tmp_path: Path, cmd: tuple[str, ...],
                                                             name: str, limit: int) -> None:
    out = tmp_path / name
    out.write_bytes(b"the good file")
    res = smpatlas(*cmd, "--db", db, "--out", str(out), limit=limit)
    assert res.returncode == 1
    assert_clear(res.stderr, f"Cannot write {str(out)!r}: File too large; nothing was written.")
    assert out.read_bytes() == b"the good file"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


@pytest.mark.parametrize("where", ["under-a-file", "a-folder", "name-too-long", "proc"])
@pytest.mark.parametrize("cmd", [("report", "inventory"), ("report", "partnership", "de-ph-triple-win"),
                                 ("chart", "skill_levels")])
def test_impossible_destinations_are_clear_errors(cli: Cli, db: str, tmp_path: Path, where: str,
                                                  cmd: tuple[str, ...]) -> None:
    suffix = ".svg" if cmd[0] == "chart" else ".html"
    (tmp_path / ("folder" + suffix)).mkdir()
    out = {"under-a-file": f"{db}/x{suffix}", "a-folder": str(tmp_path / ("folder" + suffix)),
           "name-too-long": str(tmp_path / ("a" * 300 + suffix)), "proc": "/proc/x" + suffix}[where]
    res = cli(*cmd, "--db", db, "--out", out)
    assert res.code == 1
    assert_clear(res.stderr, "Error: ")
    assert {"under-a-file": "is a file, not a folder", "a-folder": "it is a folder",
            "name-too-long": "File name too long", "proc": f"Cannot write {out!r}"}[where] in res.stderr


def test_a_device_is_written_in_place_not_replaced(db: str) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    res = smpatlas("report", "inventory", "--db", db, "--out", "/dev/full", "--format", "html")
    assert res.returncode == 1
    assert_clear(res.stderr, "Cannot write '/dev/full': No space left on device.")
    assert Path("/dev/full").is_char_device()


def with_db(args: tuple[str, ...], db: str) -> tuple[str, ...]:
    return args if args[0] in ("rubric", "codebook") else (*args, "--db", db)


@pytest.mark.parametrize("args", [("stats",), ("list",), ("rubric",), ("assess", "--all"), ("codebook",),
                                  ("export", "--out", "-")])
def test_standard_output_on_a_full_disk(db: str, args: tuple[str, ...]) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        res = smpatlas(*with_db(args, db), stdout=full.fileno())
    assert res.returncode == 1
    assert_clear(res.stderr, "Error: Cannot write to standard output: No space left on device.")
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr


@pytest.mark.parametrize("args", [("stats",), ("list",), ("rubric",), ("export", "--out", "-")])
def test_a_closed_pipe_ends_quietly(db: str, args: tuple[str, ...]) -> None:
    read, write = os.pipe()
    os.close(read)  # 'smpatlas ... | head' after head has exited
    try:
        res = smpatlas(*with_db(args, db), stdout=write)
    finally:
        os.close(write)
    assert res.returncode == 1
    assert res.stderr == ""


@pytest.mark.parametrize("cmd", [("report", "inventory"), ("report", "partnership", "de-ph-triple-win")])
def test_a_format_that_contradicts_the_file_name_is_refused(cli: Cli, db: str, tmp_path: Path,
                                                             cmd: tuple[str, ...]) -> None:
    res = cli(*cmd, "--db", db, "--out", tmp_path / "r.html", "--format", "pdf")
    assert res.code == 1
    assert "--format pdf contradicts the file name 'r.html'" in res.stderr
    assert not (tmp_path / "r.html").exists()
    if cmd[1] == "inventory":  # the same rule for both (outfiles.py); writing is checked with the quicker profile
        return
    res = cli(*cmd, "--db", db, "--out", tmp_path / "r.HTM", "--format", "html")  # agreeing: fine
    assert res.code == 0, res.stderr
    res = cli(*cmd, "--db", db, "--out", tmp_path / "r.2024", "--format", "pdf")  # a suffix that is no format
    assert res.code == 0 and (tmp_path / "r.2024").read_bytes()[:5] == b"%PDF-"


def test_chart_spec(cli: Cli, db: str, tmp_path: Path) -> None:
    res = cli("chart", "skill_levels", "--db", db, "--spec")
    assert res.code == 0, res.stderr
    assert "vega-lite" in res.json()["$schema"]
    res = cli("chart", "skill_levels", "--db", db, "--spec", "--out", tmp_path / "spec.svg")
    assert res.code == 1 and "give a file ending in .json" in res.stderr
    assert not (tmp_path / "spec.svg").exists()
    res = cli("chart", "skill_levels", "--db", db, "--spec", "--out", tmp_path / "spec.json")
    assert res.code == 0 and "vega-lite" in json.loads((tmp_path / "spec.json").read_text("utf-8"))["$schema"]
    res = cli("chart", "skill_levels", "--db", db, "--out", tmp_path / "spec.json")
    assert res.code == 1 and "with --spec" in res.stderr
    assert "printed when there is no --out" in " ".join(cli("chart", "--help").stdout.split())


@pytest.mark.parametrize("cmd", ["rubric", "codebook"])
def test_check_of_a_missing_file_says_so(cli: Cli, tmp_path: Path, cmd: str) -> None:
    res = cli(cmd, "--check", tmp_path / "missing.md")
    assert res.code == 1
    assert "not found" in res.stderr and "stale" not in res.stderr
    (tmp_path / "docs.md").mkdir()
    res = cli(cmd, "--check", tmp_path / "docs.md")
    assert res.code == 1 and "Cannot read" in res.stderr and "Internal error" not in res.stderr
