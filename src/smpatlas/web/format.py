"""Plain-language rendering of field values for the pages (Jinja filters).

Owns :func:`plain` (a value as a person reads it; missing = "not coded"),
:func:`form_value` (a value as the edit form shows it: spreadsheet cell
syntax, so what is typed back is read by the same converters as imports) and
the small helpers the templates use. Returns plain text; escaping is Jinja's,
except :func:`inline_code`, which returns ``Markup`` it escaped itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from markupsafe import Markup, escape

from smpatlas import display
from smpatlas.cells import format_nested
from smpatlas.codebook import Field
from smpatlas.codebook import default as default_codebook
from smpatlas.display import NOT_CODED, plain

__all__ = ["NOT_CODED", "change", "form_value", "inline_code", "plain", "safe_url", "short_json", "when"]

_CODE = re.compile(r"`([^`\n]+)`")


def inline_code(text: str | None) -> Markup:
    """Codebook text as HTML: Markdown inline code (`` `de-ph-triple-win` ``) as ``<code>``, all else escaped."""
    parts = _CODE.split(text or "")  # prose at even positions, code at odd ones
    return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


def form_value(f: Field, value: Any) -> Any:
    """The value the edit form starts from: a list for sets, cell text otherwise."""
    if value is None:
        return [] if f.kind in ("set", "countries") else ""
    if f.kind in ("set", "countries"):
        return list(value)
    if f.kind in ("bool", "tristate"):
        return "true" if value is True else "false" if value is False else str(value)
    if f.nested:
        return str(format_nested(f.kind, value))  # cell syntax, without the spreadsheet formula guard
    if f.kind == "isco":
        return "; ".join(value)
    return str(value)


def safe_url(url: Any) -> str | None:
    """``url`` when it is http(s), else None (never a javascript: link)."""
    if not isinstance(url, str):
        return None
    return url if urlparse(url).scheme in ("http", "https") else None


def when(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def short_json(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def change(entry: Mapping[str, Any]) -> tuple[str, list[str]]:
    """What one history entry of an update did, as the CLI's ``show`` says it (:func:`smpatlas.display.change`): a
    summary (``1 line added``, ``added ict; removed health_care``, ``"ongoing" → "completed"``) and, for nested
    fields, the lines removed (``- …``) and added (``+ …``) in the cell syntax. Plain text; Jinja escapes it."""
    cb = default_codebook()
    name = entry.get("field")
    f = cb[name] if isinstance(name, str) and name in cb else None
    return display.change(f, entry.get("old_value"), entry.get("new_value"))


def score(value: Any) -> str:
    return "—" if value is None else f"{value:g}"


def gain(rec: dict[str, Any], ranked_by: str) -> str:
    """What a recommendation would gain, naming the weakest party (:func:`smpatlas.display.gain`)."""
    return display.gain(rec, ranked_by, party=str(rec.get("party") or "").replace("_", " ") or None)


def signed(value: Any) -> str:
    if value is None:
        return "—"
    return "±0" if value == 0 else f"{value:+g}"
