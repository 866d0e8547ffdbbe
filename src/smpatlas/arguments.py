"""Arguments of the Python API: what each :class:`~smpatlas.atlas.Atlas` method accepts.

Owns the checks of the values a caller passes (ids, users, paths, counts, changes, ``by=``,
filters given as keywords, a dict or a :class:`~smpatlas.store.filters.Filters`) and the
:class:`~smpatlas.errors.ConfigError` for a value of the wrong kind, naming the argument, the value
and what it should be; and :class:`~smpatlas.errors.ValidationFailed` built from field issues with
the problems listed in its traceback (:func:`failed`). Opens no database and changes nothing; the
values' meaning (a country, a vocabulary value) is checked where it is used, as on the command line.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from smpatlas import record as rec
from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.problems import Problem, Report
from smpatlas.store.filters import FILTER_FIELDS, Filters

#: Problems shown in the traceback of a :class:`ValidationFailed` (all of them are in ``error.report``).
NOTE_PROBLEMS = 20



def shown(value: Any) -> str:
    """A wrong argument as a person reads it: its value (shortened) and its type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def rid(rid: Any) -> str:
    if not isinstance(rid, str):
        several = " (one id at a time; atlas.records(...) selects several)" if isinstance(rid, list | tuple | set) \
            else ""
        raise ConfigError(f"A partnership id is text such as 'de-ph-triple-win', not {shown(rid)}{several}; "
                          "atlas.records() lists the partnerships with their ids.")
    return rid


def user(user: Any) -> str | None:
    if user is not None and not isinstance(user, str):
        raise ConfigError(f"user= is a name such as 'anna' (recorded in the history), not {shown(user)}.")
    return user or None


def count_arg(name: str, value: Any, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not is_int(value) or value < 0:
        raise ConfigError(f"{name}= is a whole number, 0 or more, not {shown(value)}.")
    return value


def optional_text(value: Any, name: str, what: str) -> None:
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{name}= is {what}, not {shown(value)}.")


def path(value: Any, name: str) -> Path:
    if not isinstance(value, str | os.PathLike) or isinstance(value, bytes):
        raise ConfigError(f"{name}= is a file name or path such as 'inventory.xlsx', not {shown(value)}.")
    return Path(value)


def paths(paths: Any) -> list[Path]:
    """One path or a list of them."""
    if isinstance(paths, str | os.PathLike):
        return [path(paths, "paths")]
    if not isinstance(paths, list | tuple):
        raise ConfigError(f"Give a file name, or a list of them such as ['partnerships.xlsx'], not {shown(paths)}.")
    out = []
    for p in paths:
        if not isinstance(p, str | os.PathLike) or isinstance(p, bytes):
            raise ConfigError(f"A file to import is a file name or path such as 'partnerships.xlsx', not {shown(p)}.")
        out.append(Path(p))
    return out


def check_field_names(changes: Mapping[Any, Any], what: str) -> None:
    for name in changes:
        if not isinstance(name, str):
            raise ConfigError(f"The fields of {what} are names such as 'status', not {shown(name)}.")


def changes(changes: Any) -> dict[str, Any]:
    if not isinstance(changes, Mapping):
        raise ConfigError(f"Changes are a dict of field → value such as {{'status': 'completed'}}, not "
                          f"{shown(changes)}.")
    check_field_names(changes, "the changes")
    return dict(changes)


def refuse_id_change(rid: str, changes: Mapping[str, Any], what: str) -> None:
    if "id" in changes and changes["id"] != rid:
        report = Report(files=[what])
        report.add(Problem("the id of a record cannot be changed", field="id", value=changes["id"],
                           hint="create a new record and delete the old one", code="id_change"))
        raise failed(report)


def raise_issues(issues: Sequence[rec.FieldIssue], what: str, rid: str | None) -> None:
    if not issues:
        return
    report = Report(files=[what])
    for i in issues:
        report.add(Problem(i.error.message, field=i.field, column=i.field, value=i.value,
                           hint=i.error.hint, code=i.error.code, record_id=rid))
    raise failed(report)


def failed(report: Report) -> ValidationFailed:
    """ValidationFailed whose traceback (in a notebook, too) lists the problems, not only how many."""
    exc = ValidationFailed(report)
    lines = report.to_text(limit=NOTE_PROBLEMS).splitlines()[:-1]  # the last line, the summary, is the message
    exc.add_note("\n".join(lines).replace("use --report-format json for all", "error.report.problems has all"))
    return exc


def by(by: Any) -> list[str] | None:
    if by is None:
        return None
    items = [by] if isinstance(by, str) else by
    if not isinstance(items, Sequence) or not all(isinstance(b, str) for b in items):
        raise ConfigError(f"by= is a field name, or a list of one or two, such as ['destination_countries', "
                          f"'skill_levels'], not {shown(by)}.")
    return list(items)


FILTER_NAMES = tuple(f.name for f in dataclass_fields(Filters))
#: A codebook field name → the filter that selects on it (``destination_countries=`` → ``destination=``).
FILTER_OF_FIELD = {fname: name for name, fname in FILTER_FIELDS.items()}


def unknown_filter(name: Any) -> ConfigError:
    hint = ""
    if isinstance(name, str):
        near = [FILTER_OF_FIELD[name]] if name in FILTER_OF_FIELD else \
            difflib.get_close_matches(name, FILTER_NAMES, n=2, cutoff=0.6)
        if near:
            hint = f" Did you mean {' or '.join(repr(n) for n in near)}?"
    return ConfigError(f"Unknown filter {name!r}.{hint} The filters are {', '.join(FILTER_NAMES)}.")


def filter_value(name: str, value: Any) -> Any:
    """``value`` for the filter ``name`` as :class:`Filters` holds it; a value of the wrong type is refused."""
    if name in FILTER_FIELDS:
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list | tuple | set | frozenset) and all(isinstance(v, str) for v in value):
            return sorted(value) if isinstance(value, set | frozenset) else list(value)
        example = "'DEU' or ['DEU', 'Austria']" if name in ("origin", "destination") else "a value or a list of values"
        raise ConfigError(f"{name}= takes {example}, not {shown(value)}.")
    if value is None:
        return None
    if name in ("year_from", "year_to"):
        if not is_int(value):
            raise ConfigError(f"{name}= is a year such as 2015, not {shown(value)}.")
    elif name == "text":
        if not isinstance(value, str):
            raise ConfigError(f"text= is words to search for, such as 'nurses Germany', not {shown(value)}.")
    elif name == "g2g" and not isinstance(value, bool):
        raise ConfigError(f"g2g= is True (government-to-government only), False (the others) or None, not "
                          f"{shown(value)}.")
    return value


def filters(filters: Any, kw: dict[str, Any]) -> Filters | None:
    """The selection of ``filters`` (a Filters, a dict of filters or None) and keyword filters (which win),
    normalised; never changes the caller's Filters."""
    if filters is None and not kw:
        return None
    given: dict[Any, Any]
    if filters is None:
        given = {}
    elif isinstance(filters, Filters):
        given = {name: getattr(filters, name) for name in FILTER_NAMES}
    elif isinstance(filters, Mapping):
        given = dict(filters)
    else:
        raise ConfigError(f"Filters are keywords such as destination='DEU', a smpatlas.Filters or a dict such as "
                          f"{{'destination': ['DEU']}}, not {shown(filters)}.")
    given.update(kw)
    out = Filters()
    for name, value in given.items():
        if name not in FILTER_NAMES:
            raise unknown_filter(name)
        setattr(out, name, filter_value(name, value))
    return out.normalised(style="keyword")
