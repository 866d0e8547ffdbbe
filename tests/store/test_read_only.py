"""Read-only inventories: a published copy on a read-only share can be read, and a write says why it fails.

SQLite keeps a write-ahead log beside the file; an inventory in a folder it cannot write was unreadable
("unable to open database file") until it was opened read-only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from smpatlas.io.importer import import_files
from smpatlas.store import database, repository
from tests.conftest import BUNDLED, Result, minimal, write_jsonl

READ_ONLY = "is read-only here"


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ro") / "atlas.db"
    engine = database.open_engine(str(path))
    assert import_files(engine, [BUNDLED], user="fixture").valid
    engine.dispose()
    assert not path.with_name("atlas.db-wal").exists()  # closed cleanly: everything is in the file
    return path


@pytest.fixture
def copy(inventory: Path, tmp_path: Path) -> Path:
    path = tmp_path / "atlas.db"
    shutil.copyfile(inventory, path)
    return path


@pytest.mark.parametrize("url", [
    "sqlite:///{path}?mode=ro",  # SQLite's own parameter after the path
    "sqlite:///{path}?mode=ro&immutable=1",
    "sqlite:///file:{path}?mode=ro&uri=true",  # SQLAlchemy's documented form, used as given
])
def test_mode_ro_reads_without_a_warning(copy: Path, url: str) -> None:
    engine = database.open_engine(url.format(path=copy))  # SAWarnings are errors in this suite
    with engine.connect() as conn:
        assert repository.count(conn) == 173
    engine.dispose()


@pytest.mark.parametrize("args", [
    ("delete", "ae-in-skills-recognition-partnership", "--yes"),
    ("edit", "ae-in-skills-recognition-partnership", "--set", "status=completed"),
    ("import", "{new}"),
])
def test_writes_to_a_read_only_inventory_are_refused_and_change_nothing(
        cli: Callable[..., Result], copy: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    new = write_jsonl(tmp_path / "new.jsonl", [minimal("zz-new-one")])
    before = copy.read_bytes()
    res = cli(*[a.format(new=new) for a in args], "--db", f"sqlite:///{copy}?mode=ro")
    assert res.code == 1, res
    assert READ_ONLY in res.stderr and "Nothing was written" in res.stderr
    assert "Traceback" not in res.stderr
    assert copy.read_bytes() == before


def test_list_of_a_read_only_inventory(cli: Callable[..., Result], copy: Path) -> None:
    res = cli("list", "--db", f"sqlite:///{copy}?mode=ro", "--format", "json")
    assert res.code == 0, res.stderr
    assert len(res.json()) == 173


def _can_mount_read_only(folder: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount --bind {folder} {folder} && "
                            f"mount -o remount,bind,ro {folder}"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
def test_an_inventory_on_a_read_only_file_system(copy: Path) -> None:
    """The real case: a read-only mount (needs root and mount namespaces; skipped elsewhere)."""
    folder = copy.parent
    if not _can_mount_read_only(folder):
        pytest.skip("needs root and 'unshare -m' to mount a folder read-only")
    smpatlas = f"{sys.executable} -m smpatlas"
    script = (f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && "
              f"{smpatlas} list --db {copy} --format csv > /dev/null && echo LIST-OK; "
              f"{smpatlas} stats --db {copy} --format json > /dev/null && echo STATS-OK; "
              f"{smpatlas} delete ae-in-skills-recognition-partnership --yes --db {copy}; echo DELETE-EXIT $?; "
              f"{smpatlas} init --db {folder}/new.db; echo INIT-EXIT $?")
    before = copy.read_bytes()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert "LIST-OK" in out.stdout and "STATS-OK" in out.stdout, out.stderr
    assert "DELETE-EXIT 1" in out.stdout and READ_ONLY in out.stderr
    assert "INIT-EXIT 1" in out.stdout and "is read-only here. Choose a file in a writable folder" in out.stderr
    assert "Traceback" not in out.stderr and "unable to open database file" not in out.stderr
    assert copy.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["atlas.db"]  # no log files left behind


def test_without_root_a_read_only_file_and_folder(copy: Path) -> None:
    """The same without root: permissions (root ignores them, so this runs only for other users)."""
    if os.geteuid() == 0:
        pytest.skip("root can write read-only files; the read-only mount test covers root")
    folder = copy.parent
    copy.chmod(0o444)
    folder.chmod(0o555)
    try:
        engine = database.open_engine(str(copy))
        with engine.connect() as conn:
            assert repository.count(conn) == 173
        engine.dispose()
    finally:
        folder.chmod(0o755)
        copy.chmod(0o644)


@pytest.mark.parametrize(("url", "path"), [
    ("sqlite:////srv/atlas.db", "/srv/atlas.db"),
    ("sqlite:////srv/atlas.db?mode=ro", "/srv/atlas.db"),
    ("sqlite:///file:/srv/atlas.db?mode=ro&uri=true", "/srv/atlas.db"),
    ("sqlite:///file:///srv/my%20atlas.db?uri=true", "/srv/my atlas.db"),  # empty host, percent-encoded space
    ("sqlite:///file://localhost/srv/atlas.db?uri=true", "/srv/atlas.db"),
    ("sqlite:///file:atlas.db?uri=true", "atlas.db"),
    ("sqlite:///file::memory:?uri=true", None),
    ("sqlite:///file:shared?mode=memory&uri=true", None),
    ("sqlite://", None),
])
def test_the_file_of_a_sqlite_url(url: str, path: str | None) -> None:
    assert database.sqlite_path(url) == (Path(path) if path else None)

