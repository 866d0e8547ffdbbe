"""Archives: a portable, versioned dump of a whole inventory, and restoring it.

Owns ``smpatlas dump`` / ``restore``: one zip file with a manifest (format
version, schema revision, codebook version, counts) and JSON Lines for the
records (with their versions and timestamps), the change history, shortage
tables, country lists and, where present, users *without* their secrets.
An archive moves an inventory between SQLite and PostgreSQL losslessly;
restoring is all or nothing and validates every record.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select
from sqlalchemy.exc import DataError, IntegrityError

from smpatlas import __version__, outfiles
from smpatlas import record as rec
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.problems import Problem, Report
from smpatlas.store import archive_lines as lines
from smpatlas.store import database
from smpatlas.store.repository import insert_rows
from smpatlas.store.schema import (
    VALUE_COLUMNS,
    country_lists,
    from_row,
    history,
    metadata,
    partnership_values,
    partnerships,
    to_row,
    value_rows,
)
from smpatlas.store.schema import shortages as shortage_table

FORMAT = "smpatlas-archive"
FORMAT_VERSION = 1
#: Columns never written to an archive (secrets); restored users must set a new password.
SECRET_WORDS = ("hash", "secret", "token", "password", "salt")
SIMPLE_TABLES = ("shortages", "country_lists")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _line(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=_json_default) + "\n"


#: Tables never archived: failed log-in attempts are short-lived security bookkeeping (names and addresses).
NOT_ARCHIVED = frozenset({"login_attempts"})


def _extra_tables() -> list[Table]:
    """Tables beyond the core ones (e.g. users), dumped without secret columns."""
    core = {"partnerships", "partnership_values", "history", *SIMPLE_TABLES, *NOT_ARCHIVED}
    return [t for name, t in metadata.tables.items() if name not in core]


def _public_columns(t: Table) -> list[str]:
    return [c.name for c in t.columns if not any(w in c.name.lower() for w in SECRET_WORDS)]


def _check_target(out: Path) -> None:
    """Refuse to write an archive over anything but an earlier archive (a typo could name the inventory)."""
    if not out.parent.exists():
        raise ConfigError(f"Folder {str(out.parent)!r} does not exist.")
    if out.is_dir():
        raise ConfigError(f"{str(out)!r} is a folder; give the archive's file name, e.g. {str(out / 'atlas.zip')!r}.")
    if not out.exists() or out.stat().st_size == 0:
        return
    try:
        with out.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise ConfigError(f"Cannot write {str(out)!r}: {exc.strerror or exc}.") from None
    if head.startswith(database.SQLITE_MAGIC):
        raise ConfigError(f"{str(out)!r} is an SMP Atlas inventory (a SQLite database), not an archive: writing "
                          "the archive there would destroy it. Choose another name, e.g. atlas-2026-11-27.zip.")
    if not zipfile.is_zipfile(out):
        raise ConfigError(f"{str(out)!r} exists and is not an archive; choose another name (an earlier archive "
                          "may be overwritten, nothing else).")


def dump(engine: Engine, out: str | Path) -> dict[str, Any]:
    """Write the whole inventory to ``out`` (a .zip); returns the manifest.

    Written to a temporary file beside ``out`` and renamed over it at the end: a failed dump leaves no
    half-written archive and an earlier archive of the same name intact. ``out`` may only be a new
    file or an earlier archive.
    """
    out = Path(out)
    _check_target(out)
    with outfiles.replacing(out) as tmp:  # the one all-or-nothing writer (export, report and chart use it too)
        return _write(engine, tmp)


def _write(engine: Engine, out: Path) -> dict[str, Any]:
    counts: dict[str, int] = {}
    with engine.connect() as conn, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        def write(name: str, rows: Iterator[dict[str, Any]]) -> None:
            n = 0
            with z.open(f"{name}.jsonl", "w") as fh:
                for row in rows:
                    fh.write(_line(row).encode("utf-8"))
                    n += 1
            counts[name] = n

        write("partnerships", ({"record": from_row(r), "version": r.version, "created_at": r.created_at,
                                "updated_at": r.updated_at}
                               for r in conn.execute(select(partnerships).order_by(partnerships.c.id))))
        write("history", ({k: v for k, v in dict(r._mapping).items() if k != "id"}
                          for r in conn.execute(select(history).order_by(history.c.id))))
        write("shortages", ({k: v for k, v in dict(r._mapping).items() if k != "id"}
                            for r in conn.execute(select(shortage_table).order_by(shortage_table.c.id))))
        write("country_lists", (dict(r._mapping) for r in conn.execute(
            select(country_lists).order_by(country_lists.c.list_name, country_lists.c.edition, country_lists.c.country))))
        for t in _extra_tables():
            cols = _public_columns(t)
            order = [t.c[c] for c in cols]
            write(t.name, (dict(r._mapping) for r in conn.execute(select(*order).order_by(*order))))
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "smpatlas_version": __version__,
            "schema_revision": database.current_revision(engine), "codebook_version": default_codebook().version,
            "created_at": dt.datetime.now(dt.UTC).isoformat(), "counts": counts,
            "omitted": "secret columns (" + ", ".join(SECRET_WORDS) + "); partnership_values (rebuilt on restore)",
        }
        z.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def _open(path: Path) -> zipfile.ZipFile:
    if not path.exists():
        raise ConfigError(f"{path}: file not found.")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give the archive file written by 'smpatlas dump' (a .zip).")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ConfigError(f"{path}: not an SMP Atlas archive (not a readable zip file).") from None


def _manifest(z: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(z.read("manifest.json"))
    except KeyError:
        raise ConfigError(f"{path}: not an SMP Atlas archive (no manifest.json).") from None
    except (ValueError, RecursionError):
        raise ConfigError(f"{path}: not an SMP Atlas archive (manifest.json is not readable JSON).") from None
    except lines.UNREADABLE as exc:
        raise lines.damaged("manifest.json", f"cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ConfigError(f"{path}: not an SMP Atlas archive.")
    version = manifest.get("format_version", 0)
    if type(version) is not int:
        raise lines.damaged("manifest.json", f"format_version {str(version)[:20]!r} is not a number")
    if version > FORMAT_VERSION:
        raise ConfigError(f"{path}: archive format {version} is newer than this SMP Atlas reads ({FORMAT_VERSION}); "
                          "upgrade SMP Atlas.")
    return manifest


def _holdings(conn: Connection) -> list[str]:
    """What the inventory holds that a restore would replace (the shipped shortage lists do not count)."""
    from smpatlas.reference.shortages import EURES_2022, EURES_2025_ICT
    from smpatlas.store.auth_schema import api_tokens, users

    def n(stmt: Any) -> int:
        return int(conn.execute(stmt).scalar_one())

    found = [
        ("partnerships", n(select(func.count()).select_from(partnerships))),
        ("history entries", n(select(func.count()).select_from(history))),
        ("users", n(select(func.count()).select_from(users))),
        ("API tokens", n(select(func.count()).select_from(api_tokens))),
        ("imported shortage rows", n(select(func.count()).select_from(shortage_table)
                                     .where(shortage_table.c.source.not_in([EURES_2022, EURES_2025_ICT])))),
        ("country-list rows", n(select(func.count()).select_from(country_lists))),
    ]
    return [f"{k:,} {what}" for what, k in found if k]


def restore(engine: Engine, archive: str | Path, *, force: bool = False,
            warnings: list[Problem] | None = None) -> dict[str, int]:
    """Load an archive into ``engine``'s inventory, all or nothing; refuses a non-empty inventory unless ``force``.

    Every member is checked before it is written (:mod:`archive_lines`): a damaged or tampered archive is
    refused with one message, the inventory untouched. Values an earlier version accepted and this one
    checks (source links) are restored as stored; each is appended to ``warnings`` when given.
    """
    path = Path(archive)
    with _open(path) as z:
        manifest = _manifest(z, path)
        expected = lines.manifest_counts(z, manifest, ("partnerships", "history"))
        counts: dict[str, int] = {}
        report = Report(files=[str(path)])
        try:
            with engine.begin() as conn:
                held = _holdings(conn)
                if held and not force:
                    raise ConfigError(f"The target inventory is not empty ({', '.join(held)}); restore into an empty "
                                      "inventory, or use --force to replace everything in it.")
                _clear(conn)
                counts["partnerships"] = _restore_records(conn, z, report, expected.get("partnerships", 0))
                if not report.valid:
                    raise ValidationFailed(report)  # rolls the transaction back
                for table in (history, shortage_table, country_lists, *_extra_tables()):
                    counts[table.name] = _restore_table(conn, z, table, expected.get(table.name, 0))
        except (IntegrityError, DataError) as exc:  # what the checks above cannot see (e.g. a unique key)
            reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
            raise ConfigError(f"The archive is inconsistent ({reason}); nothing was restored.") from None
    if warnings is not None:
        warnings.extend(report.warnings)
    return counts


def _restore_table(conn: Connection, z: zipfile.ZipFile, table: Table, expected: int) -> int:
    """Check and insert the rows of one plain table; secret columns get unusable, distinct placeholders."""
    member = f"{table.name}.jsonl"
    secret = frozenset(c.name for c in table.columns if c.name not in _public_columns(table))
    skip = secret | ({"id"} if table.name in _WITHOUT_IDS else set())  # never in an archive
    rows = []
    for n, obj in lines.read_lines(z, table.name, expected):
        row = lines.checked_row(table, member, n, obj, skip)
        for name in secret:  # the user must set a new password / make a new token
            row[name] = f"!restored:{uuid.uuid4().hex}"
        _check_account(table.name, member, n, row)
        rows.append(row)
    _check_names(table.name, member, rows)
    for i in range(0, len(rows), 5000):
        conn.execute(insert(table), rows[i : i + 5000])
    return len(rows)


#: Tables dumped without their ``id`` column (numbered anew on restore; nothing refers to them by it).
_WITHOUT_IDS = frozenset({"history", "shortages"})


def _check_account(name: str, member: str, n: int, row: dict[str, Any]) -> None:
    if name == "users":
        from smpatlas.store.users import ROLES

        if row.get("role") not in ROLES:
            raise lines.damaged(member, f"role {str(row.get('role'))[:20]!r} is not one of {', '.join(ROLES)}", n)


def _check_names(name: str, member: str, rows: list[dict[str, Any]]) -> None:
    """User names unique as log-in compares them (:func:`~smpatlas.store.users.name_key`), as 'user add' keeps them."""
    if name != "users":
        return
    from smpatlas.store.users import name_key

    seen: dict[str, str] = {}
    for row in rows:
        key = name_key(str(row["name"]))
        if key in seen:
            raise lines.damaged(member, f"users {seen[key]!r} and {row['name']!r} are one name (they differ only in "
                                        "case, width or accents' encoding)")
        seen[key] = row["name"]


def _clear(conn: Connection) -> None:
    for t in reversed(metadata.sorted_tables):
        conn.execute(t.delete())


#: Problems that a record saved by an earlier version may have (rules added since): restored as stored, warned about.
_KEPT_AS_STORED = frozenset({"bad_url"})


def _restore_records(conn: Connection, z: zipfile.ZipFile, report: Report, expected: int) -> int:
    rows, values = [], []
    seen: set[str] = set()
    for i, item in lines.read_lines(z, "partnerships", expected):
        stored = item.get("record")
        version, created, updated = item.get("version"), lines.when(item.get("created_at")), \
            lines.when(item.get("updated_at"))
        if not isinstance(stored, dict) or type(version) is not int or not 0 < version < 2**31 \
                or created is None or updated is None:
            raise lines.damaged("partnerships.jsonl", "not a record with its version and times", i)
        record, issues = rec.normalise(stored)
        rid = record.get("id")
        if isinstance(rid, str):
            if rid in seen:
                report.add(Problem("this id appears twice in the archive", file="partnerships.jsonl", row=i,
                                   field="id", column="id", value=rid, code="duplicate_id", record_id=rid))
                continue
            seen.add(rid)
        if issues and all(issue.error.code in _KEPT_AS_STORED for issue in issues):
            # Links were not checked before 0.1's cell rules: a backup must restore as it was saved.
            for issue in issues:
                report.add(Problem(issue.error.message, file="partnerships.jsonl", row=i, field=issue.field,
                                   column=issue.field, value=issue.value, code=issue.error.code, severity="warning",
                                   record_id=stored.get("id"),
                                   hint="kept as stored; fix it with 'smpatlas edit' (imports and edits now check it)"))
            record = {**record, **{f: stored[f] for f in (issue.field for issue in issues) if f is not None and f in stored}}
            issues = []
        for issue in issues:
            report.add(Problem(issue.error.message, file="partnerships.jsonl", row=i, field=issue.field,
                               column=issue.field, value=issue.value, hint=issue.error.hint, code=issue.error.code))
        if issues:
            continue
        row = to_row(record)
        row.update(version=version, created_at=created, updated_at=updated)
        rows.append(row)
        values.extend(value_rows(record))
        if len(rows) >= 2000:
            conn.execute(insert(partnerships), rows)
            rows = []
    if rows:
        conn.execute(insert(partnerships), rows)
    if values:
        for i in range(0, len(values), 5000):
            insert_rows(conn, partnership_values, VALUE_COLUMNS, values[i : i + 5000])
    return int(conn.execute(select(func.count()).select_from(partnerships)).scalar_one())
