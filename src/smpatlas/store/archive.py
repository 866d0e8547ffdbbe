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
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select

from smpatlas import __version__
from smpatlas import record as rec
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.problems import Problem, Report
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


def dump(engine: Engine, out: str | Path) -> dict[str, Any]:
    """Write the whole inventory to ``out`` (a .zip); returns the manifest."""
    out = Path(out)
    if not out.parent.exists():
        raise ConfigError(f"Folder {str(out.parent)!r} does not exist.")
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


def _read_lines(z: zipfile.ZipFile, name: str) -> Iterator[dict[str, Any]]:
    if f"{name}.jsonl" not in z.namelist():
        return
    with z.open(f"{name}.jsonl") as fh:
        for n, raw in enumerate(fh, 1):
            if raw.strip():
                try:
                    yield json.loads(raw)
                except (ValueError, RecursionError):  # not JSON, or a number of thousands of digits
                    raise ConfigError(f"{name}.jsonl in the archive: line {n} is not readable JSON; the archive "
                                      "is damaged (make a new one with 'smpatlas dump').") from None


def _parse_time(value: Any) -> Any:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _datetimes(t: Table, row: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import DateTime

    return {k: (_parse_time(v) if isinstance(t.c[k].type, DateTime) else v) for k, v in row.items() if k in t.c}


def restore(engine: Engine, archive: str | Path, *, force: bool = False,
            warnings: list[Problem] | None = None) -> dict[str, int]:
    """Load an archive into ``engine``'s inventory, all or nothing; refuses a non-empty inventory unless ``force``.

    Values an earlier version accepted and this one checks (source links) are restored as stored; each is
    appended to ``warnings`` when given.
    """
    path = Path(archive)
    if not path.exists():
        raise ConfigError(f"{path}: file not found.")
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ConfigError(f"{path}: not an SMP Atlas archive (not a zip file).") from None
    with z:
        try:
            manifest = json.loads(z.read("manifest.json"))
        except (KeyError, ValueError):
            raise ConfigError(f"{path}: not an SMP Atlas archive (no manifest.json).") from None
        if manifest.get("format") != FORMAT:
            raise ConfigError(f"{path}: not an SMP Atlas archive.")
        if manifest.get("format_version", 0) > FORMAT_VERSION:
            raise ConfigError(f"{path}: archive format {manifest['format_version']} is newer than this SMP Atlas "
                              f"reads ({FORMAT_VERSION}); upgrade SMP Atlas.")
        counts: dict[str, int] = {}
        report = Report(files=[str(path)])
        with engine.begin() as conn:
            existing = conn.execute(select(func.count()).select_from(partnerships)).scalar_one()
            if existing and not force:
                raise ConfigError(f"The target inventory already holds {existing} partnerships; restore into an empty "
                                  "inventory, or use --force to replace everything in it.")
            _clear(conn)
            counts["partnerships"] = _restore_records(conn, z, report)
            if not report.valid:
                raise ValidationFailed(report)  # rolls the transaction back
            for name, table in (("history", history), ("shortages", shortage_table), ("country_lists", country_lists)):
                rows = [_datetimes(table, r) for r in _read_lines(z, name)]
                if rows:
                    conn.execute(insert(table), rows)
                counts[name] = len(rows)
            for t in _extra_tables():
                rows = [_datetimes(t, r) for r in _read_lines(z, t.name)]
                missing = [c.name for c in t.columns if c.name not in _public_columns(t) and not c.nullable]
                for r in rows:
                    for m in missing:
                        r[m] = "!restored"  # an unusable secret: the user must set a new password / token
                if rows:
                    conn.execute(insert(t), rows)
                counts[t.name] = len(rows)
    if warnings is not None:
        warnings.extend(report.warnings)
    return counts


def _clear(conn: Connection) -> None:
    for t in reversed(metadata.sorted_tables):
        conn.execute(t.delete())


#: Problems that a record saved by an earlier version may have (rules added since): restored as stored, warned about.
_KEPT_AS_STORED = frozenset({"bad_url"})


def _restore_records(conn: Connection, z: zipfile.ZipFile, report: Report) -> int:
    rows, values = [], []
    for i, item in enumerate(_read_lines(z, "partnerships"), 1):
        stored = item.get("record") or {}
        record, issues = rec.normalise(stored)
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
        row.update(version=item["version"], created_at=_parse_time(item["created_at"]),
                   updated_at=_parse_time(item["updated_at"]))
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
