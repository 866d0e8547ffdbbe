"""Past versions of a partnership, rebuilt from its history.

Owns :func:`record_at`: the record as it stood at one version, from the entries of
:func:`smpatlas.store.repository.history_of` (the ``create`` entry holds the whole record
as created; each ``update`` entry one field's old and new value, all of one edit sharing a
version). Reads nothing itself and writes nothing: a pure function of the history, so the
CLI, the web app and tests rebuild versions the same way.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from smpatlas.errors import ConfigError, SmpAtlasError


class NoSuchVersion(SmpAtlasError):
    """A version number the partnership never had (the web answers 404)."""

    status = 404


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
