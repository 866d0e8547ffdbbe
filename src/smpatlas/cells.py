"""Spreadsheet cells: the typed syntax of nested fields and formula safety.

Owns the round-trippable cell syntax for list-of-objects fields (actors,
sources, outcomes) — one item per line, parts separated by ``|``, JSON text
accepted too — and the neutralisation of cells a spreadsheet would run as
formulas. Knows nothing of files, rows or databases.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from smpatlas.codebook import default as default_codebook
from smpatlas.countries import lookup
from smpatlas.normalise import CONTROL, fold_value, is_blank, parse_date, suggest
from smpatlas.problems import CellError

#: Leading characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
_QUOTE_NEXT = FORMULA_STARTS | {"'"}
PERIOD = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2]))?$")
URL = re.compile(r"^(?:https?|ftp)://\S+$", re.IGNORECASE)


def neutralise(text: str) -> str:
    """Make a text cell safe to open in a spreadsheet (prefix ``'``); reversible."""
    if text and (text[0] in FORMULA_STARTS or (text[0] == "'" and len(text) > 1 and text[1] in _QUOTE_NEXT)):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo :func:`neutralise` (applied to every text cell read from CSV/XLSX)."""
    if len(text) > 1 and text[0] == "'" and text[1] in _QUOTE_NEXT:
        return text[1:]
    return text


def _escape(text: str) -> str:
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\r", "\\r")
    if out[:1] in ("[", "{"):
        out = "\\" + out
    return out


def _split_escaped(line: str) -> list[str]:
    """Split one item line on unescaped ``|`` and unescape the parts."""
    if "\\" not in line:
        return [p.strip() for p in line.split("|")]
    parts: list[str] = []
    buf: list[str] = []
    i, n = 0, len(line)
    while i < n:
        ch = line[i]
        if ch == "\\" and i + 1 < n:
            nxt = line[i + 1]
            buf.append({"n": "\n", "r": "\r"}.get(nxt, nxt))
            i += 2
            continue
        if ch == "|":
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return [p.strip() for p in parts]


def _clean_item(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """Validate and canonicalise one nested item (a dict of parts)."""
    spec = _specs()[kind]
    unknown = [k for k in item if k not in spec.parts]
    if unknown:
        raise CellError(
            f"unknown part {unknown[0]!r} in {ITEM[kind]} item",
            hint="parts are: " + ", ".join(spec.parts),
            code="unknown_part",
        )
    out: dict[str, Any] = {}
    for part in spec.parts:
        value = item.get(part)
        if is_blank(value):
            continue
        if part in spec.vocabulary:
            vocab = spec.vocabulary[part]
            folded = fold_value(str(value))
            if folded not in vocab:
                guess = suggest(str(value), vocab)
                raise CellError(
                    f"unknown {part} {value!r} in {kind}",
                    hint=(guess + " " if guess else "") + "allowed: " + ", ".join(vocab),
                    code="unknown_value",
                )
            out[part] = folded
        elif kind == "actors" and part == "country":
            out[part] = lookup(str(value))
        elif kind == "sources" and part == "accessed":
            out[part] = parse_date(value)
        elif kind == "outcomes" and part == "period":
            text = str(value).strip()
            ends = text.split("/")
            if len(ends) > 2 or not all(PERIOD.match(e) for e in ends):
                raise CellError(
                    f"outcome period {text!r} is not YYYY, YYYY-MM or START/END",
                    hint="e.g. 2023, 2023-06 or 2022-01/2023-12",
                    code="bad_period",
                )
            if len(ends) == 2 and ends[0] > ends[1]:
                raise CellError(f"outcome period {text!r} ends before it starts", hint="write START/END", code="bad_period")
            out[part] = text
        elif kind == "outcomes" and part == "value":
            if isinstance(value, bool):
                raise CellError("outcome value must be a number", hint="e.g. 120", code="type")
            try:
                number = value if isinstance(value, (int, float)) else float(str(value).replace(",", ""))
            except ValueError:
                raise CellError(f"outcome value {value!r} is not a number", hint="e.g. 120", code="type") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise CellError("outcome value must be a finite number", hint="e.g. 120", code="type")
            out[part] = int(number) if float(number).is_integer() else float(number)
        else:
            if isinstance(value, (dict, list)):
                raise CellError(f"{kind} {part} must be text", code="type")
            text = str(value).strip().replace("\r\n", "\n").replace("\r", "\n")
            if CONTROL.search(text):
                raise CellError(f"{kind} {part} contains a control character", hint="remove it", code="control_character")
            out[part] = text
    missing = [p for p in spec.required if p not in out]
    if missing:
        raise CellError(
            f"{ITEM[kind]} item has no {missing[0]}",
            hint=_syntax_hint(kind),
            code="missing_part",
        )
    if kind == "sources" and "title" not in out and "url" not in out:
        raise CellError("a source needs a title or a URL", hint=_syntax_hint(kind), code="missing_part")
    return out


@cache
def _specs() -> dict[str, Any]:
    return default_codebook().nested


ITEM = {"actors": "an actor", "sources": "a source", "outcomes": "an outcome"}


def _syntax_hint(kind: str) -> str:
    return {
        "actors": "write one actor per line as 'Name | role | country', e.g. 'GIZ | development_agency | DEU'",
        "sources": "write one source per line as a URL, or 'Title | URL', or 'Title | URL | 2026-11-27'",
        "outcomes": "write one outcome per line as 'period | indicator | value | source', "
        "e.g. '2023 | departed | 120 | Annual report'",
    }[kind]


def parse_nested(kind: str, value: Any) -> list[dict[str, Any]]:
    """Read a nested field from a cell (text or JSON) or a JSON list."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CellError(
                    f"looks like JSON but is not valid JSON ({exc.msg} at character {exc.pos})",
                    hint=_syntax_hint(kind),
                    code="bad_json",
                ) from None
            if isinstance(value, dict):
                value = [value]
        else:
            return [_clean_item(kind, _item_from_line(kind, line)) for line in re.split(r"\r\n|\n|\r", text) if line.strip()]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise CellError(f"{kind} must be a list of items", hint=_syntax_hint(kind), code="type")
    items = []
    for item in value:
        if isinstance(item, str) and kind == "sources":
            item = _item_from_line(kind, item)
        if not isinstance(item, dict):
            raise CellError(f"each {ITEM[kind][2:].strip()} must be an object", hint=_syntax_hint(kind), code="type")
        items.append(_clean_item(kind, item))
    return items


def _item_from_line(kind: str, line: str) -> dict[str, Any]:
    parts = _split_escaped(line)
    spec = _specs()[kind]
    if len(parts) > len(spec.parts):
        raise CellError(
            f"too many '|' parts in {ITEM[kind]} item ({len(parts)}, at most {len(spec.parts)})",
            hint=_syntax_hint(kind) + "; write a literal | as \\|",
            code="too_many_parts",
        )
    if kind == "sources" and len(parts) == 1 and URL.match(parts[0]):
        return {"url": parts[0]}
    return {name: p for name, p in zip(spec.parts, parts, strict=False) if p != ""}


def format_nested(kind: str, items: list[dict[str, Any]] | None) -> str:
    """Write a nested field as cell text that :func:`parse_nested` reads back exactly."""
    if not items:
        return ""
    spec = default_codebook().nested[kind]
    lines = []
    for item in items:
        parts = ["" if item.get(p) is None else _escape(_part_text(item[p])) for p in spec.parts]
        while parts and parts[-1] == "":
            parts.pop()
        if kind == "sources":
            if len(parts) == 2 and parts[0] == "" and URL.match(parts[1]) and parts[1] == item["url"]:
                parts = [parts[1]]
            elif len(parts) == 1 and URL.match(item.get("title", "")):
                parts.append("")
        lines.append(" | ".join(parts).rstrip() if parts[-1:] != [""] else " | ".join(parts[:-1]) + " |")
    return "\n".join(lines)


def _part_text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)
