"""Spreadsheet cells: the typed syntax of nested fields and formula safety.

Owns the round-trippable cell syntax for list-of-objects fields (actors,
sources, outcomes) — one item per line, parts separated by ``|``, JSON text
accepted too — and the neutralisation of cells a spreadsheet would run as
formulas. Knows nothing of files, rows or databases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from smpatlas.codebook import default as default_codebook
from smpatlas.countries import lookup
from smpatlas.normalise import (
    LARGEST,
    fold_value,
    has_control,
    is_blank,
    mistyped_number,
    number_text,
    parse_date,
    suggest,
)
from smpatlas.problems import CellError

#: Leading characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
_QUOTE_NEXT = FORMULA_STARTS | {"'"}
PERIOD = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2]))?$")
URL = re.compile(r"^(?:https?|ftp)://\S+$", re.IGNORECASE)
#: Schemes that are links but not web pages, refused with a clear message rather than read as a title.
_OTHER_SCHEME = re.compile(r"^(?:javascript|vbscript|data|file|mailto|ftp|ftps|sftp|tel):", re.IGNORECASE)
#: A web address without its scheme: ``giz.de/page``, ``www.giz.de``.
_BARE_HOST = re.compile(r"^(?:www\.[^\s/]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/\S*)$", re.IGNORECASE)
#: What separates URLs written on one line ("https://e.org; https://f.org").
_URL_GAP = re.compile(r"\s*[;,]\s*|\s+")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


#: Typographic double quotes (AutoCorrect's “ ” „ ‟ ″) where JSON needs straight ones.
_CURLY_QUOTES = re.compile("[\u201c\u201d\u201e\u201f\u2033]")

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


def _urlish(text: str) -> bool:
    """Whether a source part is (or holds) a link rather than a title: ``://``, a non-web scheme such as
    ``javascript:``, or a web address without its scheme."""
    return "://" in text or _OTHER_SCHEME.match(text) is not None or _BARE_HOST.match(text) is not None


def _url_list(line: str) -> list[str] | None:
    """The URLs of a source line that is nothing but URLs separated by ``;``, ``,`` or spaces (two or more)."""
    if "|" in line or "\\" in line:
        return None
    pieces = [p for p in _URL_GAP.split(line.strip()) if p]
    return pieces if len(pieces) > 1 and all(map(_urlish, pieces)) else None


#: The common case, accepted at once: http(s), a host of letters, digits, dots and hyphens, an optional port, then
#: printable ASCII other than ',' and ';' (which may separate several links: the full checks below see those).
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#][\x21-\x2b\x2d-\x3a\x3c-\x7e]*)?", re.IGNORECASE)


def _url_part(value: Any) -> Any:
    """A source URL: a web address (http or https) with a host."""
    text = str(value).strip()
    if _PLAIN_URL.fullmatch(text) and "." in text.split("/", 3)[2]:
        return text
    if has_control(text) or "\r" in text or "\n" in text:
        raise CellError("a source URL contains a control character or line break", hint="remove it",
                        code="control_character")
    if _url_list(text):
        raise CellError("several URLs in one source", code="bad_url",
                        hint="put each source on its own line (Alt+Enter in Excel): 'Title | URL', or a URL alone")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        parts, host = urlsplit(""), None
    if parts.scheme.lower() in ("http", "https"):
        if any(ch.isspace() for ch in text):
            raise CellError("a URL cannot contain spaces", code="bad_url",
                            hint="write a space in a URL as %20; a title goes before the URL: 'Title | URL'")
        if not host:
            raise CellError("the URL has no host", code="bad_url",
                            hint="write the whole address, e.g. https://www.giz.de/en/worldwide/41533.html")
        return text
    if _BARE_HOST.match(text):
        raise CellError("the URL lacks http:// or https://", code="bad_url",
                        hint=f"write the whole address, e.g. 'https://{text}' (check that the page opens)")
    scheme = re.match(r"^([a-z][a-z0-9+.-]*):", text, re.IGNORECASE)
    if scheme:
        raise CellError(f"only web links (http:// or https://) are accepted, not {scheme.group(1).lower()}: links",
                        hint="link to the web page of the source", code="bad_url")
    raise CellError("not a URL", hint=_syntax_hint("sources"), code="bad_url")


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


Cleaner = Callable[[Any], Any]


def _vocabulary_part(kind: str, part: str, vocab: tuple[str, ...]) -> Cleaner:
    def clean(value: Any) -> Any:
        folded = fold_value(str(value))
        if folded not in vocab:
            guess = suggest(str(value), vocab)
            raise CellError(
                f"unknown {part} {value!r} in {kind}",
                hint=(guess + " " if guess else "") + "allowed: " + ", ".join(vocab),
                code="unknown_value",
            )
        return folded

    return clean


def _country_part(value: Any) -> Any:
    return lookup(str(value))


#: "2022-2023", "2022 – 2023", "2022-01 to 2023-06": a span written with a dash or words instead of "/".
_DASHED_SPAN = re.compile(r"^(\d{4}(?:-\d{2})?)\s*(?:[-\u2010-\u2015]|to|until|bis)\s*(\d{4}(?:-\d{2})?)$", re.IGNORECASE)


@cache
def _period_years() -> tuple[int, int]:
    """The years an outcome period may name: those a partnership may start in (the codebook's start_year)."""
    f = default_codebook()["start_year"]
    return int(f.min if f.min is not None else 1990), int(f.max if f.max is not None else 2100)


def _period_part(value: Any) -> Any:
    text = str(value).strip()
    ends = text.split("/")
    if len(ends) > 2 or not all(PERIOD.match(e) for e in ends):
        span = _DASHED_SPAN.match(text)
        raise CellError(
            f"outcome period {text!r} is not YYYY, YYYY-MM or START/END",
            hint=(f"a period from {span.group(1)} to {span.group(2)} is written {span.group(1)}/{span.group(2)}"
                  if span else "e.g. 2023, 2023-06 or 2022-01/2023-12"),
            code="bad_period",
        )
    first, last = _period_years()
    for end in ends:
        if not first <= int(end[:4]) <= last:
            raise CellError(f"outcome period {text!r}: the year {end[:4]} is not from {first} to {last}",
                            hint=f"outcomes are observed in the years of a partnership ({first}–{last}): "
                                 "check the year, e.g. 2023", code="bad_period")
    if len(ends) == 2 and ends[0] > ends[1]:
        raise CellError(f"outcome period {text!r} ends before it starts", hint="write START/END", code="bad_period")
    return text


def _value_part(value: Any) -> Any:
    """An outcome value: every indicator of the codebook counts people, so a number ≥ 0."""
    if isinstance(value, bool):
        raise CellError("outcome value must be a number", hint="e.g. 120", code="type")
    try:
        number = value if isinstance(value, (int, float)) else number_text(str(value))
    except CellError as exc:
        raise CellError(f"outcome value: {exc.message}", hint=exc.hint, code=exc.code) from None
    except ValueError:
        kind, written = mistyped_number(str(value))
        hint = {"decimal_comma": f"write {written} (a dot before the decimals)", "currency": "write the number alone",
                "words": "write all the digits, e.g. 2000 for 2k"}.get(kind or "", "e.g. 120")
        if kind is None and str(value).strip().endswith("%"):
            hint = "outcome indicators count people, not shares: write the number of people, e.g. 120"
        raise CellError(f"outcome value {value!r} is not a number", hint=hint, code="type") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError("outcome value must be a finite number", hint="e.g. 120", code="type")
    if abs(number) > LARGEST:
        raise CellError("outcome value is too large", code="range", hint="outcome indicators count people: e.g. 120")
    number = int(number) if float(number).is_integer() else float(number)
    if number < 0:
        raise CellError(f"outcome value {number} is negative", code="range",
                        hint="outcome indicators count people: write 0 or more")
    return number


def _text_part(kind: str, part: str) -> Cleaner:
    def clean(value: Any) -> Any:
        if type(value) is str:
            text = value.strip()
        elif isinstance(value, (dict, list)):
            raise CellError(f"{kind} {part} must be text", code="type")
        else:
            text = str(value).strip()
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if has_control(text):
            raise CellError(f"{kind} {part} contains a control character", hint="remove it", code="control_character")
        return text

    return clean


@cache
def _cleaners(kind: str) -> tuple[tuple[str, Cleaner], ...]:
    """Per part of an item of ``kind``, in order: the function that canonicalises a non-blank value."""
    return tuple((part, clean) for part, clean, _ in _part_readers(kind))


@cache
def _part_readers(kind: str) -> tuple[tuple[str, Cleaner, bool], ...]:
    """:func:`_cleaners`, and whether the part is plain text (stripped text without CR or control
    characters is its own canonical form)."""
    spec = _specs()[kind]
    out = []
    for part in spec.parts:
        clean: Cleaner
        plain = False
        if part in spec.vocabulary:
            clean = _vocabulary_part(kind, part, spec.vocabulary[part])
        elif kind == "actors" and part == "country":
            clean = _country_part
        elif kind == "sources" and part == "accessed":
            clean = parse_date
        elif kind == "sources" and part == "url":
            clean = _url_part
        elif kind == "outcomes" and part == "period":
            clean = _period_part
        elif kind == "outcomes" and part == "value":
            clean = _value_part
        else:
            clean, plain = _text_part(kind, part), True
        if part in spec.max_length:
            clean, plain = _bounded(kind, part, spec.max_length[part], clean), False
        out.append((part, clean, plain))
    return tuple(out)


def _bounded(kind: str, part: str, limit: int, clean: Cleaner) -> Cleaner:
    """``clean``, then the part's length bound (a 3 MB actor name would fill every page that shows it)."""
    def bounded(value: Any) -> Any:
        out = clean(value)
        if isinstance(out, str) and len(out) > limit:
            raise CellError(f"{kind[:-1]} {part} too long: {len(out):,} characters, at most {limit:,} allowed",
                            hint=("link to the page by a shorter address (e.g. without tracking parameters)"
                                  if part == "url" else "shorten it; detail goes in the partnership's notes"),
                            code="too_long")
        return out

    return bounded


def _clean_item(kind: str, item: dict[str, Any]) -> dict[str, Any]:
    """Validate and canonicalise one nested item (a dict of parts)."""
    spec = _specs()[kind]
    for k in item:
        if k not in spec.parts:
            raise CellError(
                f"unknown part {k!r} in {ITEM[kind]} item",
                hint="parts are: " + ", ".join(spec.parts),
                code="unknown_part",
            )
    out: dict[str, Any] = {}
    for part, clean in _cleaners(kind):
        value = item.get(part)
        if value is None or (not value.strip() if type(value) is str else is_blank(value)):
            continue
        out[part] = clean(value)
    return _complete(kind, out)


def _complete(kind: str, out: dict[str, Any]) -> dict[str, Any]:
    """A cleaned item, once it is sure to have the parts it needs."""
    for part in _specs()[kind].required:
        if part not in out:
            raise CellError(f"{ITEM[kind]} item has no {part}", hint=_syntax_hint(kind), code="missing_part")
    if kind == "sources" and "title" not in out and "url" not in out:
        raise CellError("a source needs a title or a URL", hint=_syntax_hint(kind), code="missing_part")
    return out


def read_line(kind: str, line: str) -> dict[str, Any]:
    """One item line of a text cell, cleaned (raises :class:`CellError`)."""
    # Without escapes, parts are stripped pieces of the line: when the line has no CR and no control
    # character, neither has any part, and a plain text part is its own canonical form.
    simple = "\\" not in line and "\r" not in line and not has_control(line)
    out: dict[str, Any] = {}
    for (part, clean, plain), text in zip(_part_readers(kind), _line_parts(kind, line), strict=False):
        if text:
            out[part] = text if plain and simple else clean(text)
    return _complete(kind, out)


def item_lines(value: str, kind: str | None = None) -> list[str] | None:
    """The lines of a nested text cell that hold items (blank lines left out), or None when the cell
    holds JSON text. Sources: a line of URLs separated by ``;``, ``,`` or spaces is one line per URL."""
    text = value.strip()
    if text[:1] in ("[", "{"):
        return None
    lines = _LINE_BREAK.split(text) if "\r" in text else text.split("\n")
    if kind == "sources":
        return [url for line in lines if line.strip()
                for url in ([line] if "|" in line or _PLAIN_URL.fullmatch(line.strip()) else _url_list(line) or [line])]
    return [line for line in lines if line.strip()]


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


def lines_error(errors: list[tuple[int, CellError]], n_lines: int) -> CellError:
    """One error for the bad lines of a nested cell (line numbers from 1), so every bad item is reported at once."""
    if n_lines == 1:
        return errors[0][1]
    hints = list(dict.fromkeys(e.hint for _, e in errors if e.hint))
    return CellError("; ".join(f"line {i}: {e.message}" for i, e in errors), hint="; ".join(hints) or None,
                     code=errors[0][1].code)


def parse_nested(kind: str, value: Any) -> list[dict[str, Any]]:
    """Read a nested field from a cell (text or JSON) or a JSON list; every bad line is reported."""
    if isinstance(value, str):
        lines = item_lines(value, kind)
        if lines is not None:
            out, errors = [], []
            for i, line in enumerate(lines, 1):
                try:
                    out.append(read_line(kind, line))
                except CellError as exc:
                    errors.append((i, exc))
            if errors:
                raise lines_error(errors, len(lines))
            return out
        try:
            value = json.loads(value.strip())
        except json.JSONDecodeError as exc:
            curly = _CURLY_QUOTES.search(value)
            if curly is None:
                raise CellError(
                    f"looks like JSON but is not valid JSON ({exc.msg} at character {exc.pos})",
                    hint=_syntax_hint(kind),
                    code="bad_json",
                ) from None
            # Excel's AutoCorrect (and word processors) turn typed " into “ ”: JSON needs straight quotes.
            raise CellError(
                f"looks like JSON but its quotes are typographic ({curly.group()!r} at character {curly.start()}); "
                "JSON needs straight quotes (\")",
                hint="turn off smart quotes (Excel: AutoCorrect Options) or replace “ ” with \" — or use the "
                     "cell syntax instead: " + _syntax_hint(kind),
                code="bad_json",
            ) from None
        except (ValueError, RecursionError):  # an integer of thousands of digits; nesting thousands deep
            raise CellError("looks like JSON but cannot be read (a number of thousands of digits, or lists "
                            "nested thousands deep)", hint=_syntax_hint(kind), code="bad_json") from None
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


def _line_parts(kind: str, line: str) -> list[str]:
    """The parts of one item line, in the order of the kind's parts ("" for a part left out)."""
    parts = _split_escaped(line) if "\\" in line else [p.strip() for p in line.split("|")]
    spec = _specs()[kind]
    if len(parts) > len(spec.parts):
        raise CellError(
            f"too many '|' parts in {ITEM[kind]} item ({len(parts)}, at most {len(spec.parts)})",
            hint=_syntax_hint(kind) + "; write a literal | as \\|",
            code="too_many_parts",
        )
    if kind == "sources":
        return _source_parts(parts)
    return parts


def _source_parts(parts: list[str]) -> list[str]:
    """The parts of a source line in the order title, URL, accessed: a link alone is the URL, not the title
    (a line of several links is several sources, see :func:`item_lines`); ``URL | Title`` is read as
    ``Title | URL``; a title with a link inside is refused (the link would never be checked)."""
    first = parts[0]
    if len(parts) == 1 and _urlish(first):
        if any(ch.isspace() for ch in first) and not _url_list(first):
            raise CellError("a source line holds a link and other text", code="bad_url",
                            hint=_syntax_hint("sources") + "; separate the title from the URL with |")
        return ["", first]
    if len(parts) > 1 and parts[1] and _urlish(first) and not _urlish(parts[1]):
        return [parts[1], first, *parts[2:]]  # "URL | Title": the URL came first
    return parts


def _item_from_line(kind: str, line: str) -> dict[str, Any]:
    return {name: p for name, p in zip(_specs()[kind].parts, _line_parts(kind, line), strict=False) if p != ""}


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
            if (len(parts) == 2 and parts[0] == "" and URL.match(parts[1]) and parts[1] == item["url"]
                    and not _url_list(parts[1])):
                parts = [parts[1]]
            elif len(parts) == 1 and _urlish(item.get("title", "")):
                parts.append("")  # a title that looks like a link stays a title: "title |"
        lines.append(" | ".join(parts).rstrip() if parts[-1:] != [""] else " | ".join(parts[:-1]) + " |")
    return "\n".join(lines)


def _part_text(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return str(value)
