"""Reading an archive's members safely: its manifest, its JSON Lines, and each line against its table.

Owns what :mod:`smpatlas.store.archive` may trust before it writes: the manifest's shape, that every
member it lists is there once with as many lines as it says, that no line is larger than
:data:`MAX_LINE` (a small zip can hold a gigabyte-long line), and that each line of a plain table
(history, shortages, country lists, users, tokens) has that table's columns with values of their
types and lengths. Anything else is :func:`damaged`: one message for a person, never a driver error
with SQL in it. Partnerships are checked by the codebook (in ``archive``), not here. Writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
import zlib
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Table

from smpatlas.errors import ConfigError
from smpatlas.problems import SURROGATE

#: The longest line read from an archive member (bytes); a record with its sources is a few kilobytes.
MAX_LINE = 64 * 1024 * 1024
UNREADABLE = (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError, OSError)


def damaged(member: str, what: str, line: int | None = None) -> ConfigError:
    """The error for an archive that cannot be what ``dump`` wrote."""
    where = member + (f", line {line}" if line is not None else "")
    return ConfigError(f"The archive is damaged ({where}: {what}); nothing was restored. Make a new one with "
                       "'smpatlas dump', or restore an earlier copy.")


def manifest_counts(z: zipfile.ZipFile, manifest: Any, required: tuple[str, ...]) -> dict[str, int]:
    """The manifest's row count per member, after checking the members are there, each once."""
    counts = manifest.get("counts") if isinstance(manifest, dict) else None
    if not isinstance(counts, dict) or not all(type(n) is int and n >= 0 for n in counts.values()):
        raise damaged("manifest.json", "no row counts")
    names = z.namelist()
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise damaged(name, "the archive holds it twice")
        seen.add(name)
    for name in required:
        if name not in counts:
            raise damaged("manifest.json", f"it does not list {name}")
    for name, n in counts.items():
        if n and f"{name}.jsonl" not in seen:
            raise damaged(f"{name}.jsonl", f"missing, though the manifest lists {n:,} rows")
    return {str(k): int(v) for k, v in counts.items()}


def read_lines(z: zipfile.ZipFile, name: str, expected: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, JSON object) of ``name``.jsonl; exactly ``expected`` objects, or :func:`damaged`."""
    member = f"{name}.jsonl"
    if member not in z.namelist():
        return  # and expected is 0 (manifest_counts checked)
    seen = 0
    try:
        with z.open(member) as fh:
            n = 0
            while raw := fh.readline(MAX_LINE + 1):
                n += 1
                if len(raw) > MAX_LINE:
                    raise damaged(member, f"a line longer than {MAX_LINE:,} bytes", n)
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except (ValueError, RecursionError):  # not JSON, or a number of thousands of digits
                    raise damaged(member, "not readable JSON", n) from None
                if not isinstance(obj, dict):
                    raise damaged(member, "not a JSON object", n)
                seen += 1
                if seen > expected:
                    raise damaged(member, f"more rows than the {expected:,} the manifest lists", n)
                yield n, obj
    except UNREADABLE as exc:
        raise damaged(member, f"cannot be read ({exc})") from None
    if seen != expected:
        raise damaged(member, f"{seen:,} rows, but the manifest lists {expected:,}")


def when(value: Any) -> dt.datetime | None:
    """An archived time (ISO 8601 text) as a datetime; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _problem(column: Any, value: Any) -> str | None:
    """What is wrong with ``value`` for ``column``, or None."""
    typ = column.type
    if value is None:
        return None if column.nullable or column.autoincrement is True else "missing"
    if isinstance(typ, DateTime):
        return None if when(value) is not None else "not a date and time"
    if isinstance(typ, Boolean):
        return None if type(value) is bool else "not true or false"
    if isinstance(typ, Integer):
        return None if type(value) is int and -(2**63) <= value < 2**63 else "not a whole number"
    if isinstance(typ, Float):
        ok = type(value) in (int, float) and math.isfinite(value) and abs(value) < 2**63
        return None if ok else "not a number"
    if isinstance(typ, String):  # Text too
        if not isinstance(value, str):
            return "not text"
        if typ.length is not None and len(value) > typ.length:
            return f"longer than {typ.length} characters"
        if not value.isascii() and SURROGATE.search(value):
            return "not valid Unicode"
    return None


def checked_row(table: Table, member: str, line: int, obj: dict[str, Any], skip: Collection[str]
                ) -> dict[str, Any]:
    """``obj`` as a row of ``table`` (times parsed), or :func:`damaged`; ``skip``: columns never archived."""
    for key in obj:
        if key not in table.c or key in skip:
            raise damaged(member, f"unknown column {str(key)[:60]!r}", line)
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.name in skip or (column.name not in obj and column.autoincrement is True):
            continue
        value = obj.get(column.name)
        wrong = _problem(column, value)
        if wrong:
            raise damaged(member, f"{column.name} is {wrong}", line)
        if column.name in obj:
            row[column.name] = when(value) if isinstance(column.type, DateTime) and value is not None else value
    return row
