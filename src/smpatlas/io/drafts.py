"""Draft designs: one partnership described in YAML, JSON, CSV or XLSX, for benchmarking.

Owns reading a draft (missing fields allowed) into raw values by field:
YAML/JSON objects keyed by field name or header; spreadsheets either with a
header row and the draft in the one non-blank data row (more than one is an
error, never a silent choice), or as two columns ``field | value``. Validation is :func:`smpatlas.record.normalise` with
``draft=True``.

Text drafts are UTF-8, with or without a byte order mark; a file in another encoding (UTF-16 or UTF-32,
told by its byte order mark or its zero bytes, or a legacy code page) is refused, naming the encoding and
how to save the file as UTF-8. A key, column or field given twice is refused, never a silent choice of the
last one: an exact repeat (a JSON or YAML key at any depth, a header, a field of a ``field | value`` sheet)
when the file is read; two spellings of one field (``name`` and ``Name``) as a problem of the draft.
"""

from __future__ import annotations

import codecs
import json
from functools import cache
from pathlib import Path
from typing import Any

from smpatlas import record as rec
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.io.readers import FileError, open_table
from smpatlas.problems import Problem, Report, shown

#: Byte order marks of the encodings a draft is not in, longest first (UTF-32 LE begins like UTF-16 LE).
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32 LE"), (codecs.BOM_UTF32_BE, "UTF-32 BE"),
         (codecs.BOM_UTF16_LE, "UTF-16 LE"), (codecs.BOM_UTF16_BE, "UTF-16 BE"))


class _Repeated(Exception):
    """A key given twice in one object or mapping (raised while parsing; becomes a ConfigError)."""

    def __init__(self, key: Any, first: str, second: str) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


def _brief(value: Any) -> str:
    """A value as people typed it, cut short (it goes into a one-line message)."""
    text = shown(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _refuse_repeat(path: Path, what: str, key: Any, first: str, second: str) -> ConfigError:
    return ConfigError(f"{path}: {what} {str(key)!r} is given twice ({first}, then {second}); only one "
                       "of the values would be used, silently — delete the one you do not mean.")


def _encoding(head: bytes) -> tuple[str, str] | None:
    """The encoding a file that is not UTF-8 is in, told by its first bytes: a byte order mark, or the zero
    bytes UTF-16 and UTF-32 put beside an ASCII first character (``{``, ``n``). As (what to tell, iconv's
    name); None: no sign of one."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return f"{name} (its byte order mark says so)", name.replace(" ", "")
    zeros = [b == 0 for b in head]
    for pattern, name in (([False, True, True, True], "UTF-32 LE"), ([True, True, True, False], "UTF-32 BE"),
                          ([False, True], "UTF-16 LE"), ([True, False], "UTF-16 BE")):
        if zeros[:len(pattern)] == pattern:
            return f"{name} (it has zero bytes between its characters)", name.replace(" ", "")
    return None


def _save_as_utf8(kind: str, encoding: str) -> str:
    if kind == "CSV":
        return "in Excel use 'Save As' → 'CSV UTF-8 (Comma delimited)', or give the .xlsx itself"
    ext = kind.lower()
    return ("save it as UTF-8: in Notepad 'Save As' → Encoding 'UTF-8'; in VS Code 'Save with Encoding' → "
            f"'UTF-8'; or run iconv -f {encoding} -t UTF-8 draft.{ext} > draft-utf8.{ext}")


def _not_utf8(path: Path, kind: str, head: bytes) -> None:
    """Refuse a file whose first bytes show it is UTF-16 or UTF-32 text."""
    found = _encoding(head)
    if found:
        raise ConfigError(f"{path}: not UTF-8 text: the file is {found[0]}; a {kind} draft must be UTF-8 "
                          f"({_save_as_utf8(kind, found[1])}).")


def _text(path: Path, kind: str) -> str:
    """The text of a JSON or YAML draft: UTF-8, with or without a byte order mark."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror or exc}).") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    else:
        _not_utf8(path, kind, data[:4])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line} cannot be decoded; "
                          f"the file is in another encoding, such as Windows-1252); a {kind} draft must be UTF-8 "
                          f"({_save_as_utf8(kind, 'WINDOWS-1252')}).") from None


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key it gives twice (``json`` keeps the last one silently)."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _Repeated(key, _brief(obj[key]), _brief(value))
        obj[key] = value
    return obj


@cache
def _yaml_loader() -> Any:
    """PyYAML's safe loader, refusing a mapping key given twice (the safe loader keeps the last one silently).
    Keys brought in by a merge (``<<: *defaults``) may be overridden, as YAML means them to be."""
    import yaml

    class DraftLoader(yaml.SafeLoader):  # type: ignore[misc]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                seen: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    try:
                        key = self.construct_object(key_node, deep=True)
                        hash(key)
                    except (yaml.YAMLError, TypeError):  # an unhashable key: the safe loader reports it
                        continue
                    if key in seen:
                        first_node, first_value = seen[key]
                        raise _Repeated(key, _yaml_brief(first_node, first_value),
                                        _yaml_brief(key_node, value_node))
                    seen[key] = (key_node, value_node)
            return super().construct_mapping(node, deep=deep)

    return DraftLoader


def _yaml_brief(key_node: Any, value_node: Any) -> str:
    import yaml

    value = _brief(value_node.value) if isinstance(value_node, yaml.ScalarNode) else (
        "a list" if isinstance(value_node, yaml.SequenceNode) else "a mapping")
    return f"line {key_node.start_mark.line + 1}: {value}"


def _raw(path: Path) -> dict[str, Any]:
    suffix = path.suffix.lower()
    if not path.exists():
        raise ConfigError(f"{path}: file not found.")
    if suffix in (".yaml", ".yml"):
        import yaml

        text = _text(path, "YAML")
        try:
            data = yaml.load(text, Loader=_yaml_loader())  # a SafeLoader subclass
        except _Repeated as exc:
            raise _refuse_repeat(path, "key", exc.key, exc.first, exc.second) from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc}).") from None
        except (ValueError, RecursionError):  # an integer of thousands of digits; nesting thousands deep
            raise ConfigError(f"{path}: not readable YAML (a number of thousands of digits, or nesting thousands "
                              "deep).") from None
    elif suffix == ".json":
        text = _text(path, "JSON")
        try:
            data = json.loads(text, object_pairs_hook=_json_object)
        except _Repeated as exc:
            raise _refuse_repeat(path, "key", exc.key, exc.first, exc.second) from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}).") from None
        except (ValueError, RecursionError):  # an integer of thousands of digits; nesting thousands deep
            raise ConfigError(f"{path}: not readable JSON (a number of thousands of digits, or nesting thousands "
                              "deep).") from None
    elif suffix in (".csv", ".xlsx"):
        if suffix == ".csv" and path.is_file():
            with path.open("rb") as fh:
                head = fh.read(4)
            _not_utf8(path, "CSV", head)
        try:
            table = open_table(path)
            numbered = list(table.rows)
        except FileError as exc:
            raise ConfigError(f"{path}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")) from None
        rows = [cells for _, cells in numbered]
        cb = default_codebook()
        pairs = [(table.header[0] if table.header else None, table.header[1] if len(table.header) > 1 else None)]
        pairs += [(r[0] if r else None, r[1] if len(r) > 1 else None) for r in rows]
        keys = [str(k) for k, _ in pairs[1:] if k not in (None, "")]
        if len(table.header) == 2 and keys and all(cb.field_for_header(k) or k.startswith("#") for k in keys):
            # Two columns "field | value"; the first row is a header unless it names a field itself.
            first = str(pairs[0][0] or "")
            wheres = ["the header row", *(f"row {n}" for n, _ in numbered)]
            named = [(w, k, v) for w, (k, v) in zip(wheres, pairs, strict=True)]
            data = _unique(path, "field", [(str(k), f"{w}: {_brief(v)}", v) for w, k, v in (
                named if cb.field_for_header(first) else named[1:]) if k not in (None, "")])
        else:
            data_rows = [r for r in rows if any(v is not None and str(v).strip() for v in r)]
            if not data_rows:
                raise ConfigError(f"{path}: no draft row below the header.")
            if len(data_rows) > 1:
                raise ConfigError(f"{path}: {len(data_rows)} draft rows; a draft is one partnership — keep one row, "
                                  "or import the rows and assess each.")
            row = data_rows[0]
            data = _unique(path, "column", [
                (str(h), f"column {_column(i, suffix)}: {_brief(row[i - 1] if i <= len(row) else None)}",
                 row[i - 1] if i <= len(row) else None)
                for i, h in enumerate(table.header, 1)])
    else:
        raise ConfigError(f"{path}: a draft must be .yaml, .json, .csv or .xlsx.")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a draft must be one object of field: value pairs.")
    return data


def _column(number: int, suffix: str) -> str:
    """A column as a person finds it: A, B, … AA in a sheet; 1, 2, … in a CSV file."""
    if suffix != ".xlsx":
        return str(number)
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _unique(path: Path, what: str, items: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """``{key: value}`` of a sheet's (key, where and value, value) items, refusing a key given twice. Blank
    keys and ``#`` notes are not compared (a blank header with a value is reported as an unknown field)."""
    data: dict[str, Any] = {}
    where: dict[str, str] = {}
    for key, at, value in items:
        text = key.strip()
        if text and not text.startswith("#"):
            if text in where:
                raise _refuse_repeat(path, what, text, where[text], at)
            where[text] = at
        if key not in data or value not in (None, ""):
            data[key] = value
    return data


def read_draft(path: str | Path) -> dict[str, Any]:
    """A canonical (possibly incomplete) record from a draft file; problems raise ValidationFailed."""
    path = Path(path)
    cb = default_codebook()
    raw: dict[str, Any] = {}
    keys: dict[str, str] = {}  # field → the key or header that gave it
    what = "columns" if path.suffix.lower() in (".csv", ".xlsx") else "keys"
    report = Report(files=[str(path)])
    for key, value in _raw(path).items():
        if str(key).strip().startswith("#"):  # a note, ignored as on import (never read as the field it spells)
            continue
        name = cb.field_for_header(str(key))
        if name is None:
            if value in (None, ""):
                continue
            report.add(Problem(f"unknown field {key!r}", file=str(path), column=str(key),
                               hint="see 'smpatlas codebook'", code="unknown_field"))
            continue
        if name in raw:
            report.add(Problem(f"{what} {keys[name]!r} and {key!r} both mean {name!r}", file=str(path),
                               column=str(key), field=name, value=value, code="duplicate_column",
                               hint="keep one of them"))
            continue
        raw[name] = value
        keys[name] = str(key)
    record, issues = rec.normalise(raw, draft=True)
    for i in issues:
        report.add(Problem(i.error.message, file=str(path), column=i.field, field=i.field, value=i.value,
                           hint=i.error.hint, code=i.error.code))
    if not report.valid:
        raise ValidationFailed(report)
    record.setdefault("id", "draft")
    record.setdefault("name", path.stem)
    return record
