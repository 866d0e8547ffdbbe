"""Errors that SMP Atlas reports to people.

Owns the one exception family whose messages are written for a person; the
CLI and the web app render ``str(error)`` as it is and never re-word it.
Must not import anything else from the package (everything imports this).

    SmpAtlasError            anything a user can act on; message for a person
     ├── ValidationFailed    an import or edit found problems (carries the Report)
     ├── NotFound            a record id that does not exist
     ├── NoSuchVersion       a version number a partnership never had
     ├── ConflictError       an edit made against an outdated version
     ├── Busy                another program kept the inventory locked for writing too long
     └── ConfigError         a bad database URL, file, format or option
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smpatlas.problems import Report


class SmpAtlasError(Exception):
    """A problem a person can fix; the message says what and how."""

    exit_code = 1


class ValidationFailed(SmpAtlasError):
    """Input did not validate; nothing was written."""

    exit_code = 2

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(report.summary())


class NotFound(SmpAtlasError):
    """No partnership with that id."""

    def __init__(self, record_id: str, hint: str | None = None) -> None:
        self.record_id = record_id
        message = f"No partnership with id {record_id!r} in this inventory."
        if hint:
            message += f" {hint}"
        super().__init__(message)


class NoSuchVersion(SmpAtlasError):
    """A version number the partnership never had (the web answers 404)."""

    status = 404


class ConflictError(SmpAtlasError):
    """The record changed since the editor loaded it."""

    def __init__(self, message: str, changes: list[dict[str, Any]] | None = None) -> None:
        self.changes = changes or []
        super().__init__(message)


class Busy(SmpAtlasError):
    """Another writer (e.g. a long import) held the inventory longer than the wait allowed; nothing was written."""


class ConfigError(SmpAtlasError):
    """A setting, path, URL or option is wrong."""
