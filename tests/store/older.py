"""Inventories as older releases wrote them, for the migration tests.

An older schema lacks columns that :func:`smpatlas.store.repository.write` fills today, so these
records are written column by column with Core inserts that leave out what the schema at
``revision`` does not have: today's columns with a server default (``sort_name``, added by 0007)
are simply not named. ``search_text`` is lower-cased as releases before 0007 did.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert

from smpatlas.record import normalise
from smpatlas.store.schema import dumps, history, partnership_values, partnerships, to_row, value_rows

#: Columns added by later revisions: revision → columns it added to ``partnerships``.
ADDED = {"0007": ("sort_name",)}


def old_search_text(record: dict[str, Any]) -> str:
    """``search_text`` before 0007: Python's ``lower()``, accents kept."""
    parts = [str(record[k]) for k in ("name", "acronym", "summary", "notes") if record.get(k)]
    parts += [a.get("name", "") for a in record.get("actors") or ()]
    return "\n".join(parts).lower()


def write(conn: Connection, raw: list[dict[str, Any]], *, revision: str) -> list[dict[str, Any]]:
    """Insert ``raw`` records (normalised here) into an inventory at ``revision``; returns the records."""
    later = {c for rev, cols in ADDED.items() if rev > revision for c in cols}
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    records = [normalise(r)[0] for r in raw]
    rows = []
    for rec in records:
        row = {k: v for k, v in to_row(rec).items() if k not in later}
        row.update(version=1, created_at=at, updated_at=at, search_text=old_search_text(rec))
        rows.append(row)
    conn.execute(insert(partnerships), rows)
    values = [dict(zip(("partnership_id", "field", "value"), v, strict=True)) for rec in records for v in value_rows(rec)]
    if values:
        conn.execute(insert(partnership_values), values)
    conn.execute(insert(history), [
        {"partnership_id": rec["id"], "version": 1, "action": "create", "field": None, "old_value": None,
         "new_value": dumps(rec), "user_name": "old", "at": at, "context": None} for rec in records])
    return records
