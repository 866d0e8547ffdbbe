"""Writing the files people name with ``--out``: whole, or not at all.

Owns :func:`replacing` (a temporary name beside the destination, renamed over it once the file is complete),
:func:`write_bytes` and :func:`write_text` (the same for content already in hand), :func:`check_destination`
(refuse, before any work, a path no file can be written to) and :func:`cannot_write` (an ``OSError`` as the
message a person reads). Every command that writes a file does it through here: ``export``, ``report`` and
``chart``.

A write that fails (a full disk, a file-size limit, no permission, a name the file system refuses, a path
through a file) leaves the file that was there untouched, removes the temporary file and raises
:class:`~smpatlas.errors.ConfigError` naming the file and the reason. A destination that exists but is not a
regular file (a device such as ``/dev/null``, a FIFO) is written in place: renaming over it would replace
it with a regular file. A symbolic link is followed (the file it points to is replaced; the link stays), and
a replaced file keeps its permissions.

Imports only the standard library and :mod:`smpatlas.errors`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from smpatlas.errors import ConfigError

#: The longest file name (in bytes) most file systems take.
NAME_MAX = 255


def cannot_write(path: str | os.PathLike[str], exc: OSError, *, in_place: bool = False) -> ConfigError:
    """The error to raise for ``exc``, met while writing ``path``: names the file and the system's reason."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    ending = "." if in_place else "; nothing was written."
    return ConfigError(f"Cannot write {os.fspath(path)!r}: {reason}{ending}")


def check_destination(path: str | os.PathLike[str]) -> Path:
    """Refuse a destination no file can be written to (a folder, a missing folder, a path through a file).

    Meant to run before the work that produces the content, so a long report is not rendered for nothing;
    every other failure is still caught when the file is written.
    """
    target = Path(path)
    try:
        if target.is_dir():
            raise ConfigError(f"Cannot write {str(target)!r}: it is a folder; give a file name, "
                              f"e.g. {str(target / 'report.html')!r}.")
        parent = target.parent
        if not parent.exists():
            raise ConfigError(f"The folder {str(parent)!r} does not exist; create it first.")
        if not parent.is_dir():
            raise ConfigError(f"Cannot write {str(target)!r}: {str(parent)!r} is a file, not a folder.")
    except OSError as exc:  # e.g. a name too long to look up
        raise cannot_write(target, exc) from exc
    return target


def _in_place(path: Path) -> bool:
    """True for an existing destination that is neither a regular file nor a folder (a device, a FIFO, a socket)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # nothing there, or nothing reachable: writing says why
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _followed(path: Path) -> Path:
    """``path``, or the file a symbolic link there points to (so the link survives the rename)."""
    try:
        if path.is_symlink():
            return Path(os.path.realpath(path))
    except OSError:
        pass
    return path


def _part(final: Path) -> Path:
    """A hidden temporary name beside ``final`` (a shorter one when ``final``'s name is near the limit)."""
    token = secrets.token_hex(4)
    name = f".{final.name}.{token}.part"
    if len(os.fsencode(name)) > NAME_MAX:
        name = f".smpatlas-{token}.part"
    return final.with_name(name)


def _keep_mode(final: Path, part: Path) -> None:
    """Give ``part`` the permissions of the file it replaces (a private file stays private)."""
    with contextlib.suppress(OSError):
        os.chmod(part, stat.S_IMODE(os.stat(final).st_mode))


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield the path to write ``path``'s new content to; on success it becomes ``path``.

    The yielded path is a temporary name beside ``path``, renamed over it when the block ends without an
    error and removed when it raises; an ``OSError`` in the block or the rename becomes a
    :class:`~smpatlas.errors.ConfigError` naming ``path``. For an existing ``path`` that is not a regular file
    (a device, a FIFO) the yielded path is ``path`` itself, written in place.
    """
    target = Path(path)
    if _in_place(target):
        try:
            yield target
        except OSError as exc:
            raise cannot_write(target, exc, in_place=True) from exc
        return
    final = _followed(target)
    part = _part(final)
    try:
        yield part
        _keep_mode(final, part)
        os.replace(part, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise cannot_write(target, exc) from exc
        raise


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through :func:`replacing`; returns ``path``."""
    with replacing(path) as part, open(part, "wb") as fh:
        fh.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through :func:`replacing`; returns ``path``."""
    with replacing(path) as part, open(part, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(path)
