"""Draft designs: one partnership described in YAML, JSON, CSV or XLSX, for benchmarking.

Owns reading a draft (missing fields allowed) into raw values by field:
YAML/JSON objects keyed by field name or header; spreadsheets either with a
header row and the draft in the one non-blank data row (more than one is an
error, never a silent choice), or as two columns ``field | value``. Validation is :func:`smpatlas.record.normalise` with
``draft=True``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from smpatlas import record as rec
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.io.readers import FileError, open_table
from smpatlas.problems import Problem, Report


def _raw(path: Path) -> dict[str, Any]:
    suffix = path.suffix.lower()
    if not path.exists():
        raise ConfigError(f"{path}: file not found.")
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(path.read_text("utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc}).") from None
        except (ValueError, RecursionError):  # an integer of thousands of digits; nesting thousands deep
            raise ConfigError(f"{path}: not readable YAML (a number of thousands of digits, or nesting thousands "
                              "deep).") from None
    elif suffix == ".json":
        try:
            data = json.loads(path.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}).") from None
        except (ValueError, RecursionError):  # an integer of thousands of digits; nesting thousands deep
            raise ConfigError(f"{path}: not readable JSON (a number of thousands of digits, or nesting thousands "
                              "deep).") from None
    elif suffix in (".csv", ".xlsx"):
        try:
            table = open_table(path)
            rows = [cells for _, cells in table.rows]
        except FileError as exc:
            raise ConfigError(f"{path}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")) from None
        cb = default_codebook()
        pairs = [(table.header[0] if table.header else None, table.header[1] if len(table.header) > 1 else None)]
        pairs += [(r[0] if r else None, r[1] if len(r) > 1 else None) for r in rows]
        keys = [str(k) for k, _ in pairs[1:] if k not in (None, "")]
        if len(table.header) == 2 and keys and all(cb.field_for_header(k) or k.startswith("#") for k in keys):
            # Two columns "field | value"; the first row is a header unless it names a field itself.
            first = str(pairs[0][0] or "")
            data = {str(k): v for k, v in (pairs if cb.field_for_header(first) else pairs[1:]) if k not in (None, "")}
        else:
            rows = [r for r in rows if any(v is not None and str(v).strip() for v in r)]
            if not rows:
                raise ConfigError(f"{path}: no draft row below the header.")
            if len(rows) > 1:
                raise ConfigError(f"{path}: {len(rows)} draft rows; a draft is one partnership — keep one row, "
                                  "or import the rows and assess each.")
            data = dict(zip((str(h) for h in table.header), rows[0], strict=False))
    else:
        raise ConfigError(f"{path}: a draft must be .yaml, .json, .csv or .xlsx.")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a draft must be one object of field: value pairs.")
    return data


def read_draft(path: str | Path) -> dict[str, Any]:
    """A canonical (possibly incomplete) record from a draft file; problems raise ValidationFailed."""
    path = Path(path)
    cb = default_codebook()
    raw: dict[str, Any] = {}
    report = Report(files=[str(path)])
    for key, value in _raw(path).items():
        name = cb.field_for_header(str(key))
        if name is None:
            if str(key).startswith("#") or value in (None, ""):
                continue
            report.add(Problem(f"unknown field {key!r}", file=str(path), column=str(key),
                               hint="see 'smpatlas codebook'", code="unknown_field"))
            continue
        raw[name] = value
    record, issues = rec.normalise(raw, draft=True)
    for i in issues:
        report.add(Problem(i.error.message, file=str(path), column=i.field, field=i.field, value=i.value,
                           hint=i.error.hint, code=i.error.code))
    if not report.valid:
        raise ValidationFailed(report)
    record.setdefault("id", "draft")
    record.setdefault("name", path.stem)
    return record
