"""smpatlas.outfiles: a file named with --out is written whole or not at all, and a failure is a clear message."""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from smpatlas import outfiles
from smpatlas.errors import ConfigError


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_writes_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old", "utf-8")
    assert outfiles.write_text(target, "new ✓") == target
    assert target.read_text("utf-8") == "new ✓"
    outfiles.write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01" and leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"good")
    real_open = open

    class Full:
        def __init__(self, fh: object) -> None:
            self.fh = fh

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()  # type: ignore[attr-defined]

        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outfiles, "open", lambda *a, **k: Full(real_open(*a, **k)), raising=False)
    with pytest.raises(ConfigError) as e:
        outfiles.write_bytes(target, b"new")
    assert str(e.value) == f"Cannot write {str(target)!r}: No space left on device; nothing was written."
    monkeypatch.undo()
    assert target.read_bytes() == b"good" and leftovers(tmp_path) == []


def test_an_error_in_the_block_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"good")
    with pytest.raises(ConfigError, match="too long"), outfiles.replacing(target) as part:
        part.write_bytes(b"half")
        raise ConfigError("A cell is too long.")
    assert target.read_bytes() == b"good" and leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["under-a-file", "a-folder", "name-too-long", "missing-folder"])
def test_impossible_destinations_are_clear_errors(tmp_path: Path, where: str) -> None:
    (tmp_path / "demo.db").write_bytes(b"db")
    (tmp_path / "folder.html").mkdir()
    target = {"under-a-file": tmp_path / "demo.db" / "x.svg", "a-folder": tmp_path / "folder.html",
              "name-too-long": tmp_path / ("a" * 300 + ".html"), "missing-folder": tmp_path / "no" / "x.pdf"}[where]
    expected = {"under-a-file": "demo.db' is a file, not a folder", "a-folder": "it is a folder",
                "name-too-long": "File name too long", "missing-folder": "does not exist"}[where]
    with pytest.raises(ConfigError, match=expected):
        outfiles.check_destination(target)
    with pytest.raises(ConfigError, match="Cannot write"):
        outfiles.write_text(target, "x")  # without the check first: still a ConfigError, never an OSError
    assert (tmp_path / "demo.db").read_bytes() == b"db" and (tmp_path / "folder.html").is_dir()


def test_a_name_near_the_limit_still_gets_a_temporary_name(tmp_path: Path) -> None:
    target = tmp_path / ("a" * 250 + ".html")
    outfiles.write_text(target, "ok")
    assert target.read_text("utf-8") == "ok" and leftovers(tmp_path) == []


def test_a_symbolic_link_is_followed_and_permissions_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.html"
    real.write_text("old", "utf-8")
    real.chmod(0o600)
    link = tmp_path / "link.html"
    link.symlink_to(real.name)
    outfiles.write_text(link, "new")
    assert link.is_symlink() and real.read_text("utf-8") == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def _fifo_reader(fifo: Path, got: list[bytes], close_at_once: bool) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(b"" if close_at_once else fh.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_fifo_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "out.html"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _fifo_reader(fifo, got, close_at_once=False)
    outfiles.write_text(fifo, "<p>report</p>")
    reader.join(10)
    assert got == [b"<p>report</p>"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a regular file"


def test_a_failing_fifo_is_a_clear_error_and_stays(tmp_path: Path) -> None:
    fifo = tmp_path / "out.svg"
    os.mkfifo(fifo)
    reader = _fifo_reader(fifo, [], close_at_once=True)
    with pytest.raises(ConfigError) as e:
        outfiles.write_bytes(fifo, b"x" * (4 << 20))  # more than a pipe holds: the write meets the closed end
    reader.join(10)
    assert str(e.value) == f"Cannot write {str(fifo)!r}: Broken pipe."
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and leftovers(tmp_path) == []
