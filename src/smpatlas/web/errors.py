"""Errors of the web layer, and the HTTP status of every SMP Atlas error.

Owns the few exceptions only the web app raises (each an :class:`SmpAtlasError`
so it renders the same way), :func:`status_of`, the one mapping from
error to HTTP status used by both the HTML and the JSON error responses, and
:func:`invalid_request`, the words for a request FastAPI could not read (a
parameter, form field or body of the wrong type or out of range): answered
like a :class:`~smpatlas.errors.ConfigError`, 400, never pydantic's 422.

    SmpAtlasError
     ├── LoginRequired     401: log in (or send a bearer token) first
     ├── Forbidden         403: your role may not do this
     ├── CsrfFailed        403: a form post without a valid CSRF token
     ├── TooManyAttempts   429: too many failed log-ins
     ├── TooLarge          413: an upload over the limit
     └── UploadGone        404: an upload that expired or was already imported
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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


#: The status of a request the API cannot read (a parameter, option, form field or body): the ConfigError one.
#: 422 is kept for records that break the codebook (ValidationFailed, with ``problems``).
INVALID_REQUEST = 400
#: What a value must be, by pydantic error type; ``{…}`` are filled from the error's ``ctx``.
_ALLOWED = {
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "string_too_short": "must be at least {min_length} character(s) long",
    "string_too_long": "must be at most {max_length} characters long",
    "literal_error": "must be {expected}",
    "enum": "must be {expected}",
    "dict_type": "must be a JSON object ({{\"name\": value, …}})",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "list_type": "must be a list",
}
#: Values never echoed back in an error (they may be someone's password).
_SECRET = frozenset({"password"})
_SHOWN = 60
_SOURCES = (("body",), ("query",), ("path",), ("header",), ("cookie",))


def _kind(value: object) -> str:
    """What a JSON value is, in words."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "null" if value is None else type(value).__name__


def _one(error: Mapping[str, Any]) -> str:
    """One pydantic error as a person reads it: ``page=0: must be at least 1``."""
    loc = tuple(error.get("loc", ()))
    where = ".".join(str(x) for x in (loc[1:] if loc[:1] in _SOURCES else loc))
    kind, ctx, value = str(error.get("type")), dict(error.get("ctx") or {}), error.get("input")
    if kind == "json_invalid":  # where is the character position: say what it is
        return (f"the body is not valid JSON ({ctx.get('error', '')} at character {loc[-1] if len(loc) > 1 else 0});"
                " send a JSON object with Content-Type: application/json")
    if kind == "missing":
        return ("the request needs a JSON body (a JSON object; see /api/v1/docs)" if loc == ("body",)
                else f"{where} is required")
    if loc == ("body",) and kind in ("model_attributes_type", "model_type", "dict_type"):
        return f"the body must be a JSON object (see /api/v1/docs), not {_kind(value)}"
    if kind == "value_error" and "Expected UploadFile" in str(error.get("msg")):
        return f"{where} must be a file (send it as multipart/form-data), not {_kind(value)}"
    template = _ALLOWED.get(kind)
    if template is None:  # our validators' words, or pydantic's for a rare type
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    try:
        allowed = template.format(**ctx)
    except (KeyError, IndexError):
        allowed = str(error.get("msg", ""))
    if where.split(".")[-1] in _SECRET:
        return f"{where} {allowed}"
    if not isinstance(value, (str, int, float, bool)):
        return f"{where} {allowed}, not {_kind(value)}" if where else allowed
    shown = repr(value)
    if len(shown) > _SHOWN:
        shown = shown[:_SHOWN - 2] + "…" + shown[-1]
    return f"{where}={shown}: {allowed}"


def invalid_request(errors: Sequence[Mapping[str, Any]], *, api: bool) -> str:
    """The message for a request that could not be read: every problem, naming the parameter, the value given
    and what is allowed (``api``: and where the API documents what each route takes)."""
    parts = list(dict.fromkeys(_one(e) for e in errors))
    text = "Invalid request: " + "; ".join(parts) + "."
    return text + (" See /api/v1/docs for what each route takes." if api else "")


def error_body(message: str, status: int, **extra: object) -> dict[str, object]:
    """The one JSON error shape; what a client sent and is echoed back is made displayable (no lone surrogates,
    no infinite numbers: JSON has no words for them)."""
    body: dict[str, object] = displayable({"ok": False, "error": message, "status": status, **extra})
    return body
