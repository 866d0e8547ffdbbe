"""Cell text: what a typed cell says before it is a field value.

Owns the tests and splits every converter starts from: whether a cell is
blank (:func:`is_blank`) or shows nothing (:data:`INVISIBLE`), whether it holds
a control character (:data:`CONTROL`), multi-value cells split on ``;`` (or
``,``), vocabulary folding and the "did you mean" hint, and the
:data:`Converter` type. Turns nothing into canonical values (that is
:mod:`smpatlas.normalise`) and knows nothing of the codebook, files, rows or
databases. Imports nothing of smpatlas: the modules of converters build on it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

Converter = Callable[[Any], Any]

_TOKEN = re.compile(r"[\s\-]+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # CONTROL's ASCII characters


#: Text that shows nothing: spaces and the invisible format characters (zero-width space and joiners, word
#: joiner, byte order mark, soft hyphen). A required field holding only these is empty.
INVISIBLE = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff]*")


def shows_nothing(text: str) -> bool:
    """Whether ``text`` has no visible character (:data:`INVISIBLE`)."""
    return INVISIBLE.fullmatch(text) is not None


def has_control(text: str) -> bool:
    """Whether :data:`CONTROL` finds a character in ``text`` (ASCII text, the usual case, is checked
    a few times faster than the regex does it)."""
    if text.isascii():
        data = text.encode("ascii")
        return len(data.translate(None, _CONTROL_BYTES)) != len(data)
    return CONTROL.search(text) is not None


def fold_value(text: str) -> str:
    """Vocabulary folding: strip, lower case, runs of spaces and ``-`` → ``_``."""
    return _TOKEN.sub("_", text.strip().lower())


def suggest(value: str, choices: list[str] | tuple[str, ...]) -> str | None:
    """A "did you mean" hint, or None."""
    folded = fold_value(value)
    starts = [c for c in choices if c.startswith(folded) and folded]
    if len(starts) == 1:
        return f"did you mean {starts[0]!r}?"
    close = difflib.get_close_matches(folded, list(choices), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return None


def is_blank(value: Any) -> bool:
    """Whether ``value`` means "not given": None, blank text, an empty list or object.

    A NaN is not blank: no reader makes one from an empty cell, so it was typed (JSON's ``NaN``) and is
    refused as a number ("expected a finite number"), never taken to mean "clear this field".
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, dict)):
        return not value
    return False


def split_multi(value: Any, *, allow_comma: bool = True) -> list[Any]:
    """Split a multi-value cell: ``;`` always; ``,`` too when allowed.

    Lists (from JSON) pass through. Line breaks (Alt+Enter in Excel; ``\r\n`` or a lone ``\r``, which
    Excel writes as ``_x000D_``, too) separate values as well.
    """
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if not is_blank(v)]
    if not isinstance(value, str):
        return [value]
    text = value.replace("\n", ";")
    if "\r" in text:
        text = text.replace("\r", ";")
    if ";" in text or not allow_comma:
        parts = text.split(";")
    else:
        parts = text.split(",")
    return [p.strip() for p in parts if p.strip()]


def split_values(value: Any) -> list[Any]:
    """Split a vocabulary cell: ``;``, ``,`` and newlines all separate values (no value holds a comma), so
    ``Long-term; circular, short term`` is three values."""
    if isinstance(value, str):
        return split_multi(value.replace(",", ";"))
    return split_multi(value)
