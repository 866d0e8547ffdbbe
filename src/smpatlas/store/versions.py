"""Past versions of a partnership, rebuilt from its history.

Owns :func:`record_at`: the record as it stood at one version, from the entries of
:func:`smpatlas.store.repository.history_of` (the ``create`` entry holds the whole record
as created; each ``update`` entry one field's old and new value, all of one edit sharing a
version) — a pure function of the history, so the CLI, the web app and tests rebuild
versions the same way — and :func:`version_of`, which reads a current partnership's history
for it. Writes nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from smpatlas.errors import ConfigError, NoSuchVersion, NotFound
from smpatlas.store import repository as repo


@dataclass(frozen=True)
class Version:
    """A partnership as it stood at ``version``: the record, and who made that version, when and how."""

    record: dict[str, Any]
    version: int
    latest: int  # the last version of this life of the id (the current one, or the last before deletion)
    at: Any
    user: str
    context: str | None
    fields: tuple[str, ...]  # the fields this version changed (empty for the first)


def record_at(entries: list[dict[str, Any]], version: int) -> Version:
    """The record at ``version``, from one life of an id's history (oldest first, as
    :func:`~smpatlas.store.repository.current_life` gives it); a clear error for a version it does not have."""
    versions = sorted({e["version"] for e in entries if e["action"] in ("create", "update")})
    created = next((e for e in entries if e["action"] == "create"), None)
    if created is None or not isinstance(created["new_value"], dict):
        raise ConfigError("The history of this partnership does not say how it was created, so its past versions "
                          "cannot be rebuilt.")
    latest = versions[-1]
    if version not in versions:
        raise NoSuchVersion(f"There is no version {version} of {created['partnership_id']!r}: its versions are "
                          f"1 to {latest}" + (" (see its history: 'smpatlas show "
                                              f"{created['partnership_id']}')." if latest > 1 else "."))
    record = copy.deepcopy(created["new_value"])
    made = created
    changed: list[str] = []
    for e in entries:
        if e["action"] != "update" or e["version"] > version:
            continue
        if e["new_value"] is None:
            record.pop(e["field"], None)
        else:
            record[e["field"]] = copy.deepcopy(e["new_value"])
        if e["version"] == version:
            made = e
            changed.append(e["field"])
    return Version(record, version, latest, made["at"], made["user_name"], made.get("context"), tuple(changed))


def version_of(conn: Connection, rid: str, number: int) -> Version:
    """A current partnership as it stood at version ``number``: ``NotFound`` for an id not in the inventory,
    :class:`~smpatlas.errors.NoSuchVersion` for a version it never had."""
    if repo.get_meta(conn, rid) is None:
        raise NotFound(rid)
    return record_at(repo.current_life(repo.history_of(conn, rid)), number)
