"""Validation problems as data, and the report that collects them.

Owns :class:`Problem` (one thing wrong with one cell, row or file, with a hint)
and :class:`Report` (every problem of one import or edit, plus what was
written). Renders them as text and JSON. Knows nothing of files, databases or
the codebook.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
#: How many ids of deleted partnerships the text report lists (JSON lists them all).
DELETED_SHOWN = 50


def shown(value: Any) -> str:
    """A cell value as people typed it: text quoted, dates as 2020-03-01, times of day as 10:00 (a spreadsheet
    gives dates and times as Python objects, whose reprs mean nothing to people)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes" if not value.second and not value.microsecond else "auto")
    if isinstance(value, dt.timedelta):  # a duration cell, e.g. [h]:mm: as a spreadsheet shows it
        hours, rest = divmod(int(value.total_seconds()), 3600)
        return f"{hours}:{rest // 60:02d}" + (f":{rest % 60:02d}" if rest % 60 else "")
    return repr(value)


#: A lone UTF-16 surrogate: Python strings from JSON ("\\ud800") may hold one, no UTF-8 output can.
SURROGATE = re.compile(r"[\ud800-\udfff]")


def displayable(value: Any) -> Any:
    """``value`` as every report can show it: lone UTF-16 surrogates (which no UTF-8 output can hold) as
    ``\\udXXX`` escapes, and numbers that JSON has no words for (infinity, NaN) as text. Lists and dicts
    are cleaned item by item; anything else is returned as it is."""
    if isinstance(value, str):
        return SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", value) if not value.isascii() else value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, list):
        return [displayable(v) for v in value]
    if isinstance(value, dict):
        return {displayable(k): displayable(v) for k, v in value.items()}
    return value


@dataclass(slots=True)
class Problem:
    """One thing wrong, located as precisely as the input allows."""

    message: str
    code: str = "invalid"
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None
    value: Any = None
    hint: str | None = None
    record_id: str | None = None
    severity: Severity = "error"

    def __post_init__(self) -> None:
        # What a person typed is echoed back: every output (terminal, JSON, HTML) must be able to hold it.
        for name in ("message", "file", "sheet", "column", "field", "value", "hint", "record_id"):
            v = getattr(self, name)
            if v is not None:
                setattr(self, name, displayable(v))

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def text(self) -> str:
        where = self.location()
        out = f"{where}: " if where else ""
        if self.value is not None and self.value != "":
            text = shown(self.value)
            if len(text) > 80:
                text = text[:77] + "..."
            out += f"{text}: "
        out += self.message
        if self.hint:
            out += f" (hint: {self.hint})"
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        v = d["value"]
        if isinstance(v, (dt.date, dt.time, dt.timedelta)):
            d["value"] = shown(v)
        elif v is not None and not isinstance(v, (str, int, float, bool, list, dict)):
            d["value"] = str(v)
        if isinstance(d["value"], str) and len(d["value"]) > 200:
            d["value"] = d["value"][:197] + "..."
        return d


@dataclass
class Report:
    """Everything one import (or edit) found and did."""

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    dry_run: bool = False
    written: bool = False

    def __repr__(self) -> str:
        """One line (a notebook shows it): the counts, not every problem (``.problems`` has them)."""
        return (f"Report(files={self.files!r}, valid={self.valid}, rows={self.rows}, errors={len(self.errors)}, "
                f"warnings={len(self.warnings)}, inserted={self.inserted}, updated={self.updated}, "
                f"unchanged={self.unchanged}, deleted={self.deleted}, dry_run={self.dry_run}, written={self.written})")
    #: ``--mode replace``: the ids of the partnerships deleted (or, in a dry run, that would be).
    deleted_ids: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def valid(self) -> bool:
        return not self.errors

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def summary(self) -> str:
        n_err, n_warn = len(self.errors), len(self.warnings)
        what = ", ".join(self.files) or "input"
        if n_err:
            # "3 problems in 40 rows" read as problems in 40 of the rows: say the rows were read
            rows = f" ({self.rows} rows read)" if self.rows > 1 else ""
            return f"{what}: {n_err} problem{'s' if n_err != 1 else ''}{rows}; nothing was written."
        verb = ("would be" if self.dry_run else "was" if self.inserted == 1 else "were")
        return (
            f"{what}: {self.rows} row{'s' if self.rows != 1 else ''} valid; "
            f"{self.inserted} {verb} inserted, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted"
            + (f"; {n_warn} warning{'s' if n_warn != 1 else ''}" if n_warn else "")
            + "."
        )

    def to_text(self, limit: int | None = None) -> str:
        lines = []
        shown = self.problems if limit is None else self.problems[:limit]
        for p in shown:
            prefix = "error" if p.severity == "error" else "warning"
            lines.append(f"{prefix}: {p.text()}")
        if limit is not None and len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more (use --report-format json for all)")
        if self.deleted_ids and self.valid:
            some = self.deleted_ids[:DELETED_SHOWN]
            more = len(self.deleted_ids) - len(some)
            lines.append(("would delete: " if self.dry_run else "deleted: ") + ", ".join(some)
                         + (f" and {more} more (use --report-format json for all)" if more else ""))
        lines.append(self.summary())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "files": self.files,
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "deleted_ids": self.deleted_ids,
            "dry_run": self.dry_run,
            "written": self.written,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
            "summary": self.summary(),
        }


class CellError(ValueError):
    """One value that cannot be read; becomes a :class:`Problem` with its location."""

    def __init__(self, message: str, hint: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code
