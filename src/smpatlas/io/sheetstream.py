"""Rows of a large XLSX worksheet, streamed in flat memory.

Owns reading one worksheet straight from its XML, one chunk at a time,
yielding each row as soon as it is complete: the shared strings, the number
formats that mark dates and the 1904 date system are read first. Sheets as
spreadsheet programs and libraries write them (every tag of a run of rows one
of a few plain forms: ``<row>``, ``<c r=.. s=.. t=..>``, ``<v>``, inline
``<is><t>``) are read by one regular expression per chunk, which accounts
for every ``<`` in the chunk or gives the sheet to the expat parser; anything
else (rich text, formulas, comments, CDATA, namespace prefixes, other
attribute orders, a document type) is read by expat from the start, skipping
the rows already given. Values are typed as python-calamine types them (text
``str``, numbers ``float``, booleans, dates ``date`` / ``datetime`` /
``time``, durations (``[h]:mm``) ``timedelta``, empty cells ``""``), so the importer cannot tell the readers apart
(tests compare them). :mod:`workbooks` uses python-calamine (faster) for
ordinary sheets and this module for sheets too large to hold in memory.
Interprets and validates nothing. Memory grows with the number of distinct
shared strings, as in every XLSX reader, not with the number of rows.
"""

from __future__ import annotations

import codecs
import datetime as dt
import itertools
import math
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
#: Built-in number formats (ECMA-376 §18.8.30) that show dates or times ("d"), or a duration ("t": 46 is
#: ``[h]:mm:ss``), as python-calamine reads them.
_BUILTIN_FORMATS = {**dict.fromkeys((14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 47), "d"), 46: "t"}
#: Serial day 0 of the 1900 date system.
_BASE = dt.datetime(1899, 12, 30)
#: Days from the 1900 date system's day 0 to the 1904 system's.
_DAYS_1904 = 1462
_CHUNK = 1 << 16


class SheetError(Exception):
    """The workbook cannot be read (a part is missing or its XML is broken)."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _unescape(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes (control characters in cell text) back to characters."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _column(ref: str) -> int:
    """'BC12' → 54: the 0-based column of a cell reference."""
    col = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            col = col * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            col = col * 26 + ord(ch) - 96
        else:
            break
    return col - 1


def member_of(z: zipfile.ZipFile, sheet: str) -> str:
    """The package part holding the worksheet called ``sheet``."""
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels if _local(r.tag) == "Relationship"}
    for el in wb.iter():
        if _local(el.tag) == "sheet" and el.get("name") == sheet:
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            target = targets.get(rid, "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise SheetError(f"no sheet named {sheet!r} in the workbook")


def _date1904(z: zipfile.ZipFile) -> bool:
    for el in ET.fromstring(z.read("xl/workbook.xml")).iter():
        if _local(el.tag) == "workbookPr":
            return el.get("date1904", "0").lower() in ("1", "true")
    return False


def _shared_strings(z: zipfile.ZipFile) -> list[str]:
    name = next((n for n in z.namelist() if n.lower() == "xl/sharedstrings.xml"), None)
    if name is None:
        return []
    out: list[str] = []
    with z.open(name) as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if _local(el.tag) == "si":
                text = _unescape("".join(_texts(el)))
                out.append("" if text.isspace() else text)
                el.clear()
    return out


_PRESERVE = "{http://www.w3.org/XML/1998/namespace}space"


def _t(el: ET.Element) -> str:
    """A ``<t>``'s text; without ``xml:space="preserve"`` surrounding whitespace is dropped (as Excel
    and python-calamine read it)."""
    text = el.text or ""
    return text if el.get(_PRESERVE) == "preserve" else text.strip()


def _texts(el: ET.Element) -> Iterator[str]:
    """The ``<t>`` texts of a string item, rich-text runs included, phonetic runs (``<rPh>``) left out."""
    for child in el:
        name = _local(child.tag)
        if name == "t":
            yield _t(child)
        elif name == "r":
            yield from (_t(t) for t in child if _local(t.tag) == "t")


def _format_kind(code: str) -> str | None:
    """How python-calamine reads a number under the custom number format ``code``: ``"d"`` a date or time,
    ``"t"`` a duration (``[h]:mm``, ``[ss]``), None a number. Only the first section (before ``;``) counts;
    quoted text, ``\\x`` escapes, the character after ``_`` (a space as wide) or ``*`` (a fill) and
    ``[…]`` (colours, conditions, locales) show nothing, except an elapsed ``[h]``, ``[m]`` or ``[s]``."""
    escaped = quoted = ap = hms = False
    brackets = 0
    prev = " "
    for ch in code:
        if escaped:
            escaped = False
        elif ch in "_\\*":
            escaped = True
        elif quoted:
            quoted = ch != '"'
        elif ch == '"':
            quoted = True
        elif ch == ";":
            return None
        elif ch == "[":
            brackets += 1
        elif ch == "]":
            if brackets == 1 and hms:
                return "t"
            brackets = max(brackets - 1, 0)
        elif brackets == 0 and not ap and ch in "aA":
            ap = True
        elif brackets == 0 and ch in ("pmPM/" if ap else "dmhysDMHYS"):  # after an 'a', only AM/PM, A/P
            return "d"
        elif not (hms and ch.lower() == prev.lower()):
            hms = prev == "[" and ch in "mhsMHS"
        prev = ch
    return None


def _date_styles(z: zipfile.ZipFile) -> dict[int, str]:
    """Per cell format (``s=`` on a cell) whose number format shows a date or time, ``"d"``; a duration, ``"t"``."""
    if "xl/styles.xml" not in z.namelist():
        return {}
    root = ET.fromstring(z.read("xl/styles.xml"))
    custom = {int(nf.get("numFmtId", "-1")): nf.get("formatCode", "") for nf in root.iter()
              if _local(nf.tag) == "numFmt"}
    out: dict[int, str] = {}
    for xfs in root.iter():
        if _local(xfs.tag) == "cellXfs":
            for i, xf in enumerate(x for x in xfs if _local(x.tag) == "xf"):
                fid = int(xf.get("numFmtId", "0"))
                kind = _format_kind(custom[fid]) if fid in custom else _BUILTIN_FORMATS.get(fid)
                if kind is not None:
                    out[i] = kind
    return out


def stream(path: str, sheet: str) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values from column A) for each row of ``sheet`` that has cells, in order."""
    try:
        with zipfile.ZipFile(path) as z:
            member = member_of(z, sheet)
            strings = _shared_strings(z)
            dates = _date_styles(z)
            epoch = dt.datetime(1904, 1, 1) if _date1904(z) else _BASE
            given = 0
            with z.open(member) as fh:
                try:
                    for row in _plain_rows(fh, strings, dates, epoch):
                        yield row
                        given += 1
                    return
                except _NotPlain:
                    pass
            with z.open(member) as fh:  # the whole sheet again, by the XML parser; the rows given are skipped
                yield from itertools.islice(_rows(fh, strings, dates, epoch), given, None)
    except (KeyError, zipfile.BadZipFile, zlib.error, ET.ParseError, expat.ExpatError, EOFError, OSError,
            ValueError, IndexError) as exc:  # damaged parts, broken XML, cells pointing at nothing
        raise SheetError(f"{type(exc).__name__}: {exc}") from None


class _NotPlain(Exception):
    """The sheet holds XML the plain reading does not cover: read it with the XML parser instead."""


#: Every tag of a run of rows written in the plain forms, one alternative per form. Groups: row start
#: (``<``, its attributes, ``/`` when empty), row end, cell (``<``, column letters, style, type, ``/`` when
#: empty, then ``<`` + text of ``<v>``, of ``<is><t>``, of ``<is><t xml:space="preserve">``).
_TOKEN = re.compile(
    r'(<)row\b([^>]*?)(/?)>'
    r'|(</)row>'
    r'|(<)c(?: r="([A-Z]{1,3})\d+")?(?: s="(\d+)")?(?: t="(\w+)")?'
    r'(?:(/)>|>(?:(<)v>([^<]*)</v>|(<)is><t>([^<]*)</t></is>|(<)is><t xml:space="preserve">([^<]*)</t></is>|)</c>)')
_ROW_NUMBER = re.compile(r'\sr="(\d+)"')
_SHEET_DATA = re.compile(r"<((?:[\w.-]+:)?)sheetData\b[^>]*?(/?)>")
_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_UNRESOLVED = re.compile(r"&(?!#x[0-9A-Fa-f]+;|#[0-9]+;|(?:amp|lt|gt|quot|apos);)")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
#: How far into the sheet's XML ``<sheetData>`` must start for the plain reading to be tried.
_HEAD_LIMIT = 1 << 20


def _reference(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref[0] != "#":
        return _NAMED[ref]
    code = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
    if not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF):
        raise _NotPlain  # not a character XML allows: the XML parser reports it
    return chr(code)


def _xml_text(text: str) -> str:
    """Character data as an XML parser reports it: references resolved, line ends normalised to ``\\n``."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        if _UNRESOLVED.search(text):
            raise _NotPlain  # a reference to an entity declared elsewhere, or a stray '&'
        text = _REFERENCE.sub(_reference, text)
    return text


def _check_frame(text: str) -> None:
    """The sheet's XML without its rows must be well-formed too (else the XML parser reads it and says why)."""
    try:
        ET.fromstring(text.encode("utf-8"))
    except ET.ParseError:
        raise _NotPlain from None


def _plain_rows(fh: Any, strings: list[str], dates: dict[int, str], epoch: dt.datetime
                ) -> Iterator[tuple[int, list[Any]]]:
    """As :func:`_rows`, for sheets in the plain forms; raises :class:`_NotPlain` before giving any row of a
    run of rows it cannot account for (the caller then reads the sheet with the XML parser)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    block = _Block(strings, dates, epoch)
    buf = frame = ""
    ending: str | None = None  # from </sheetData> on, once reached
    started = False
    while True:
        chunk = fh.read(_CHUNK)
        try:
            buf += decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise _NotPlain from None
        if not started:
            head = _SHEET_DATA.search(buf)
            if head is None:
                if not chunk or len(buf) > _HEAD_LIMIT:
                    raise _NotPlain
                continue
            if head.group(1) or "<!" in buf[:head.start()]:
                raise _NotPlain  # namespace prefixes, or a document type that may declare entities
            frame, buf, started = buf[:head.end()], buf[head.end():], True
            if head.group(2):  # <sheetData/>: no rows
                ending, buf = buf, ""
        if ending is not None:
            ending += buf
            buf = ""
        elif (stop := buf.find("</sheetData>")) >= 0:
            yield from block.rows(buf[:stop])
            ending, buf = buf[stop:], ""
        elif (cut := buf.rfind("<row")) > 0:  # every row before the last one started is complete
            yield from block.rows(buf[:cut])
            buf = buf[cut:]
        if not chunk:
            if ending is None:
                raise _NotPlain  # the rows do not end: let the XML parser say what is wrong
            _check_frame(frame + ending)
            return


class _Block:
    """Rows from runs of complete ``<row>`` elements in the plain forms (the row number carries on)."""

    def __init__(self, strings: list[str], dates: dict[int, str], epoch: dt.datetime) -> None:
        self.strings, self.dates, self.epoch = strings, dates, epoch
        self.columns: dict[str, int] = {}
        self.number = 0

    def rows(self, text: str) -> list[tuple[int, list[Any]]]:
        """The rows of ``text``; :class:`_NotPlain` unless every tag in it is one of the plain forms."""
        strings, dates, epoch, columns = self.strings, self.dates, self.epoch, self.columns
        done: list[tuple[int, list[Any]]] = []
        row: list[Any] | None = None  # the open row
        number = self.number
        tags = 0
        for (row_start, row_attrs, row_empty, row_end, cell, letters, style, kind, cell_empty,
             v_tag, v, t_tag, t, kept_tag, kept) in _TOKEN.findall(text):
            if cell:
                if row is None:
                    raise _NotPlain  # a cell outside a row
                col = columns.get(letters) if letters else len(row)
                if col is None:
                    col = columns[letters] = _column(letters)
                if col > len(row):
                    row.extend([""] * (col - len(row)))
                if cell_empty:
                    tags += 1
                    row.append("")
                elif v_tag:
                    tags += 4
                    if "&" in v or "\r" in v:
                        v = _xml_text(v)
                    row.append(_typed(kind or "n", v, int(style or 0), strings, dates, epoch))
                elif t_tag or kept_tag:
                    tags += 6
                    value = t or kept
                    if "&" in value or "\r" in value:
                        value = _xml_text(value)
                    if t_tag:
                        value = value.strip()
                    if kind != "inlineStr":
                        row.append(_typed(kind or "n", value, int(style or 0), strings, dates, epoch))
                    elif not value or value.isspace():
                        row.append("")
                    else:
                        row.append(_unescape(value) if "_x" in value else value)
                else:
                    tags += 2
                    row.append("")
            elif row_start:
                if row is not None:
                    raise _NotPlain  # a row inside a row
                tags += 1
                r = _ROW_NUMBER.search(row_attrs) if 'r="' in row_attrs else None
                number = int(r.group(1)) if r else number + 1
                row = []
                if row_empty:
                    done.append((number, row))
                    row = None
            elif row_end:
                if row is None:
                    raise _NotPlain
                tags += 1
                done.append((number, row))
                row = None
        if row is not None or tags != text.count("<"):
            raise _NotPlain  # a tag in another form, or a row left open: nothing of this text was given
        self.number = number
        return done


def _rows(fh: Any, strings: list[str], dates: dict[int, str], epoch: dt.datetime
          ) -> Iterator[tuple[int, list[Any]]]:
    done: list[tuple[int, list[Any]]] = []
    row: list[Any] = []
    number = 0
    kind = "n"
    style = 0
    col = 0
    text: list[str] | None = None  # the text being collected (inside <v>, or <t> of an inline string)
    value: list[str] | None = None
    preserve = True
    in_phonetic = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, number, kind, style, col, text, value, in_phonetic, preserve
        name = name.rsplit(":", 1)[-1]
        if name == "c":
            kind = attrs.get("t", "n")
            style = int(attrs.get("s", 0) or 0)
            ref = attrs.get("r")
            col = _column(ref) if ref else len(row)
            value = None
        elif name == "v" or (name == "t" and not in_phonetic):
            text = []
            preserve = name == "v" or attrs.get("xml:space") == "preserve"
        elif name == "row":
            r = attrs.get("r")
            number = int(r) if r else number + 1
            row = []
        elif name == "rPh":
            in_phonetic = True

    def end(name: str) -> None:
        nonlocal text, value, in_phonetic
        name = name.rsplit(":", 1)[-1]
        if name == "v" or (name == "t" and not in_phonetic):
            if text is not None:
                value = (value or []) + (text if preserve else ["".join(text).strip()])
            text = None
        elif name == "rPh":
            in_phonetic = False
        elif name == "c":
            if col > len(row):
                row.extend([""] * (col - len(row)))
            row.append(_typed(kind, None if value is None else "".join(value), style, strings, dates, epoch))
        elif name == "row":
            done.append((number, row))

    def chars(data: str) -> None:
        if text is not None:
            text.append(data)

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    while chunk := fh.read(_CHUNK):
        parser.Parse(chunk, False)
        if done:
            yield from done
            done.clear()
    parser.Parse(b"", True)
    yield from done


def _typed(kind: str, v: str | None, style: int, strings: list[str], dates: dict[int, str], epoch: dt.datetime
           ) -> Any:
    """A cell's value from its type (``t=``), its text (``<v>`` or inline ``<t>``) and its style (``s=``)."""
    if kind == "s":
        return strings[int(v)] if v else ""
    if not v or v.isspace():  # no value, or only whitespace (python-calamine reads both as "")
        return ""
    if kind in ("inlineStr", "str"):
        return _unescape(v)
    if kind == "b":
        return v.strip() in ("1", "true")
    if kind == "e":
        return v  # the error value (#N/A, …); readers report such cells separately
    if kind == "d":
        return dt.datetime.fromisoformat(v)
    number = float(v)
    shows = dates.get(style)
    if shows is None:
        return number
    return _date(number, epoch) if shows == "d" else _duration(number)


def _milliseconds(days: float) -> int:
    """``days`` in whole milliseconds, halves rounded away from zero (as python-calamine rounds)."""
    ms = abs(days) * 86_400_000
    return int(math.copysign(math.floor(ms + 0.5), days))


def _date(serial: float, epoch: dt.datetime) -> dt.date | dt.datetime | dt.time | float:
    """The date, date and time, or time of day (a serial below 1) of a serial number, as python-calamine reads
    it, to the millisecond; a serial beyond the dates Python holds stays a number. (python-calamine counts the
    1900 system's serials 1 to 59, days before 1 March 1900, from a day later than this: no field holds such
    dates, so they are left as they were.)"""
    days = serial + (_DAYS_1904 if epoch.year == 1904 else 0)
    try:
        moment = _BASE + dt.timedelta(milliseconds=_milliseconds(days))
    except OverflowError:
        return serial
    if serial < 1:
        return moment.time()
    if serial == int(serial):
        return moment.date()
    return moment


def _duration(serial: float) -> dt.timedelta | float:
    """A duration cell (``[h]:mm``): the serial as days, to the millisecond."""
    try:
        return dt.timedelta(milliseconds=_milliseconds(serial))
    except OverflowError:
        return serial
