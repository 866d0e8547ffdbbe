"""Request and response models of the JSON API (what the OpenAPI document promises).

Records stay ``dict`` objects: their fields come from the codebook and are
validated by :mod:`smpatlas.record`, not twice here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from smpatlas.normalise import suggest
from smpatlas.store.filters import FILTER_FIELDS, MAX_TEXT, MAX_WORDS
from smpatlas.web.facets import SORTS
from smpatlas.web.settings import DEFAULT_PER_PAGE, MAX_PER_PAGE


class Body(BaseModel):
    """A request body whose keys are all known: a misspelt ``expected_version`` must not silently skip the
    version check. The message names the key and the nearest known one."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = tuple(cls.model_fields)
            for key in data:
                if key not in known:
                    guess = suggest(str(key), known)
                    raise ValueError(f"unknown key {key!r}" + (f" ({guess})" if guess else "")
                                     + f"; the body takes {', '.join(known)}")
        return data


class ErrorOut(BaseModel):
    """Every error: the message is the SMP Atlas error's text as is."""

    ok: Literal[False] = False
    error: str
    status: int
    problems: list[dict[str, Any]] | None = Field(
        None, description="422: the problems (a long report: the first ones; ?problems=all on /import for every one)")
    problems_total: int | None = Field(None, description="422: how many problems the report has")
    problems_omitted: dict[str, int] | None = Field(None, description="422: problems not listed, by problem code")
    problems_note: str | None = Field(None, description="422: how many are listed and how to get every one")
    problems_command: str | None = Field(None, description="422: the CLI command that lists every problem")
    changes: list[dict[str, Any]] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in [(400, "A parameter, option, form field or body that is not allowed: the message names it, "
                             "the value given and what is allowed"), (401, "Log in or send a bearer token"),
                       (403, "Role not allowed or CSRF check failed"), (404, "No such partnership"),
                       (409, "Edited an outdated version; shows what changed"), (413, "Upload too large"),
                       (422, "The partnership data breaks the codebook: problems lists each (nothing was written)"),
                       (429, "Too many failed log-ins")]
}


def _query_parameter(name: str, schema: dict[str, Any], description: str, *, many: bool = False) -> dict[str, Any]:
    if many:
        return {"name": name, "in": "query", "required": False, "style": "form", "explode": True,
                "schema": {"type": "array", "items": schema}, "description": description}
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


#: The filters of ``/partnerships``, ``/stats`` and ``/assessment``, documented here (OpenAPI) because those
#: routes read them with :meth:`smpatlas.web.facets.Query.parse`, the Browse page's reader: one reader, one
#: answer (400, naming the parameter) for a bad value on every route.
FILTER_PARAMETERS: list[dict[str, Any]] = [
    *(_query_parameter(name, {"type": "string"}, f"Codebook value, label or alias of {field} (repeat for OR).",
                       many=True) for name, field in FILTER_FIELDS.items()),
    _query_parameter("year_from", {"type": "integer", "minimum": 1900, "maximum": 2200},
                     "Active in or after this year."),
    _query_parameter("year_to", {"type": "integer", "minimum": 1900, "maximum": 2200},
                     "Started in or before this year."),
    _query_parameter("text", {"type": "string", "maxLength": MAX_TEXT},
                     f"Search name, summary, actors, notes (at most {MAX_WORDS} words and {MAX_TEXT} characters)."),
    _query_parameter("g2g", {"type": "boolean"}, "Government-to-government only (true) or not (false)."),
]
#: ``/partnerships`` also takes the order, the page and the facets to count.
LIST_PARAMETERS: list[dict[str, Any]] = [
    *FILTER_PARAMETERS,
    _query_parameter("facet", {"type": "string"}, "Facets to count (default all; 'none' for none).", many=True),
    _query_parameter("sort", {"type": "string", "enum": list(SORTS), "default": "name"},
                     "The order ('-' = descending)."),
    _query_parameter("page", {"type": "integer", "minimum": 1, "maximum": 10**6, "default": 1}, "The page."),
    _query_parameter("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                                  "default": DEFAULT_PER_PAGE}, "Partnerships per page."),
]


class FacetValue(BaseModel):
    value: str
    label: str
    count: int
    selected: bool


# -- partnerships: the family (house style 14) ---------------------------------
class PartnershipSummary(BaseModel):
    """One row of a list: the identifying fields and the version."""

    id: str
    name: str
    version: int
    model_config = {"extra": "allow"}


class PartnershipsPublic(BaseModel):
    """A page of partnerships with exact facet counts."""

    ok: bool = True
    count: int
    page: int
    per_page: int
    pages: int
    sort: str
    filters: dict[str, Any]
    facets: dict[str, list[FacetValue]]
    partnerships: list[PartnershipSummary]


class PartnershipPublic(BaseModel):
    """One partnership in canonical form, with its version (send it back as ``expected_version``)."""

    ok: bool = True
    partnership: dict[str, Any]
    version: int | None
    created_at: Any = None
    updated_at: Any = None
    history: list[dict[str, Any]] | None = None


class PartnershipUpdate(Body):
    """Changes by field name (spreadsheet cell syntax or canonical JSON; null clears a field)."""

    changes: dict[str, Any] = Field(default_factory=dict)
    expected_version: int | None = Field(None, description="Refuse (409) if the record is no longer at this version.")


class WhatIfIn(Body):
    changes: dict[str, Any] = Field(default_factory=dict)


class HistoryOut(BaseModel):
    ok: bool = True
    id: str
    history: list[dict[str, Any]]


class VersionOut(BaseModel):
    """A partnership as it stood at one version, rebuilt from its history."""

    ok: bool = True
    id: str
    partnership: dict[str, Any]
    version: int
    latest_version: int
    made: dict[str, Any]  # at, user, context, fields (the fields this version changed; none for version 1)


class Deleted(BaseModel):
    ok: bool = True
    deleted: str


class AnyOut(BaseModel):
    """A JSON document whose keys are documented in docs/statistics.md and docs/assessment-json.md."""

    ok: bool = True
    model_config = {"extra": "allow"}


class ImportOut(BaseModel):
    ok: bool = True
    report: dict[str, Any]


class UserIn(Body):
    name: str = Field(min_length=1, max_length=200)
    role: Literal["viewer", "editor", "admin"]
    password: str = Field(min_length=8, max_length=1000)


class UserPatch(Body):
    """What to change of a user: the role, whether the account is active, or both."""

    role: Literal["viewer", "editor", "admin"] | None = None
    active: bool | None = None


class UserDetailOut(BaseModel):
    ok: bool = True
    user: dict[str, Any]  # name, role, created_at, last_login_at, active


class TokensOut(BaseModel):
    ok: bool = True
    name: str
    tokens: list[dict[str, Any]]  # number, label, created_at (never the secret)


class RevokedOut(BaseModel):
    ok: bool = True
    name: str
    revoked: int


class UserOut(BaseModel):
    ok: bool = True
    name: str | None
    role: str | None


class UsersOut(BaseModel):
    ok: bool = True
    users: list[dict[str, Any]]
