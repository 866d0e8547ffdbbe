"""Errors of the web layer, and the HTTP status of every SMP Atlas error.

Owns the few exceptions only the web app raises (each an :class:`SmpAtlasError`
so it renders the same way) and :func:`status_of`, the one mapping from
error to HTTP status used by both the HTML and the JSON error responses.

    SmpAtlasError
     ├── LoginRequired     401: log in (or send a bearer token) first
     ├── Forbidden         403: your role may not do this
     ├── CsrfFailed        403: a form post without a valid CSRF token
     ├── TooManyAttempts   429: too many failed log-ins
     ├── TooLarge          413: an upload over the limit
     └── UploadGone        404: an upload that expired or was already imported
"""

from __future__ import annotations

from smpatlas.errors import Busy, ConfigError, ConflictError, NotFound, SmpAtlasError, ValidationFailed
from smpatlas.problems import displayable


class LoginRequired(SmpAtlasError):
    """Log in (or send an API token) to do this."""

    status = 401


class Forbidden(SmpAtlasError):
    """The user's role does not allow this."""

    status = 403


class CsrfFailed(SmpAtlasError):
    """A form post without a valid CSRF token."""

    status = 403


class TooManyAttempts(SmpAtlasError):
    """Too many failed log-ins from one address for one user."""

    status = 429


class TooLarge(SmpAtlasError):
    """An uploaded file is bigger than the limit."""

    status = 413


class UploadGone(SmpAtlasError):
    """An upload token that is unknown: expired, already imported, or never made."""

    status = 404


def status_of(exc: SmpAtlasError) -> int:
    """The HTTP status that answers ``exc``."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, ValidationFailed):
        return 422
    if isinstance(exc, ConfigError):
        return 400
    if isinstance(exc, Busy):
        return 503
    return int(getattr(exc, "status", 400))


def error_body(message: str, status: int, **extra: object) -> dict[str, object]:
    """The one JSON error shape; what a client sent and is echoed back is made displayable (no lone surrogates,
    no infinite numbers: JSON has no words for them)."""
    body: dict[str, object] = displayable({"ok": False, "error": message, "status": status, **extra})
    return body
