"""What every key of a rubric file may hold: types, ranges and whole-rubric sense.

Owns the shape of a rubric (:data:`RUBRIC`, a table of each key → its type, range and whether it is
required, for the file, its dimensions, rules, flags and conditions), the operators each kind of codebook
field takes (:data:`OPERATORS`) with the values they compare with (:data:`OPERANDS`), a rule's points
(:func:`rule_points`) and the checks that need every rule (:func:`check_parties`). :mod:`rubric` calls
:func:`check_shape` on the parsed TOML before it checks names (fields, vocabulary, parties, dimensions,
derived predicates), so a number is a finite number in its range and a list is a list by then. Every
refusal is a :class:`ConfigError` naming the file, the dimension, rule or flag, the key, the value and
what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from smpatlas.codebook import UNSPECIFIED, Field
from smpatlas.errors import ConfigError

#: The largest points or party weight a rubric may give (larger is a typo, and overflows sums).
MAX_WEIGHT = 1000


def _shown(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Spec:
    """What one key may hold; ``what`` is how a person reads it ("a number from 0 to 1")."""

    what = ""

    def check(self, value: Any, where: str, path: str) -> None:
        raise NotImplementedError

    def refuse(self, value: Any, where: str, path: str) -> None:
        raise ConfigError(f"Rubric {where}: {path} = {_shown(value)} is not allowed; {path} must be {self.what}.")


@dataclass(frozen=True)
class Num(Spec):
    """A finite number in [lo, hi] (above: lo itself excluded; whole: an integer)."""

    lo: float
    hi: float
    above: bool = False
    whole: bool = False

    @property
    def what(self) -> str:  # type: ignore[override]
        kind = "a whole number" if self.whole else "a number"
        low = f"greater than {self.lo:g} and at most" if self.above else f"from {self.lo:g} to"
        return f"{kind} {low} {self.hi:g}"

    def check(self, value: Any, where: str, path: str) -> None:
        ok = isinstance(value, int if self.whole else int | float) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or not (self.lo < value if self.above else self.lo <= value) \
                or value > self.hi:
            self.refuse(value, where, path)


@dataclass(frozen=True)
class Scalar(Spec):
    """A value of one of ``types`` (bool is never a number here)."""

    types: tuple[type, ...]
    what: str = ""
    nonempty: bool = True

    def check(self, value: Any, where: str, path: str) -> None:
        if (isinstance(value, bool) and bool not in self.types) or not isinstance(value, self.types) \
                or (self.nonempty and isinstance(value, str) and not value.strip()) \
                or (isinstance(value, float) and not math.isfinite(value)):
            self.refuse(value, where, path)


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    nonempty: bool = True

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"a {'non-empty ' if self.nonempty else ''}list of {self.item.what.removeprefix('a ')}"

    def check(self, value: Any, where: str, path: str) -> None:
        if not isinstance(value, list) or (self.nonempty and not value):
            self.refuse(value, where, path)
        for i, item in enumerate(value, 1):
            self.item.check(item, where, f"{path} item {i}")


@dataclass(frozen=True)
class TableOf(Spec):
    """A table with keys of the rubric's choosing (party names, field values), each value an ``item``."""

    item: Spec
    what: str = ""
    nonempty: bool = True

    def check(self, value: Any, where: str, path: str) -> None:
        if not isinstance(value, dict) or (self.nonempty and not value):
            self.refuse(value, where, path)
        for key, item in value.items():
            self.item.check(item, where, f"{path}.{key}")


@dataclass(frozen=True)
class Keys(Spec):
    """A table with known keys: key → (spec, required). ``one_of``: exactly one of these keys.

    With ``label`` ("rule"), each such table is named in messages by its ``id`` (or position) and its keys
    are spelt from it, not from the enclosing table.
    """

    keys: dict[str, tuple[Spec, bool]]
    what: str = "a table"
    label: str = ""
    one_of: tuple[str, ...] = ()
    needs: str = ""  # said when a required key is missing (else what that key holds)

    def check(self, value: Any, where: str, path: str) -> None:
        if not isinstance(value, dict):
            if self.label:
                raise ConfigError(f"Rubric {where}: {_shown(value)} is not allowed; each {self.label} must be a "
                                  "table of keys.")
            self.refuse(value, where, path)
        prefix = "" if self.label or not path else path + "."
        for key in value:
            if key not in self.keys:
                raise ConfigError(f"Rubric {where}: unknown key '{prefix}{key}'; known: {', '.join(self.keys)}.")
        for key, (spec, required) in self.keys.items():
            if key in value:
                spec.check(value[key], where, prefix + key)
            elif required:
                raise ConfigError(f"Rubric {where}: missing '{prefix}{key}' ({self.needs or spec.what}).")
        if self.one_of and sum(k in value for k in self.one_of) != 1:
            raise ConfigError(f"Rubric {where}: {path or 'a condition'} = {_shown(value)} needs exactly one of "
                              f"{', '.join(self.one_of)}.")


@dataclass(frozen=True)
class Named(Spec):
    """The rubric's dimensions (a table by key) or rules/flags (a list): each checked as ``item``, named."""

    item: Keys
    listed: bool

    @property
    def what(self) -> str:  # type: ignore[override]
        return f"a {'list' if self.listed else 'table'} of {self.item.label}s"

    def check(self, value: Any, where: str, path: str) -> None:
        if not isinstance(value, list if self.listed else dict) or not value:
            self.refuse(value, where, path)
        pairs = (((v.get("id", i) if isinstance(v, dict) else i), v) for i, v in enumerate(value, 1)) \
            if self.listed else value.items()
        for name, item in pairs:
            self.item.check(item, f"{where}, {self.item.label} {name!r}", "")


@dataclass
class Ref(Spec):
    """A spec defined later (conditions nest)."""

    spec: Spec | None = field(default=None)

    @property
    def what(self) -> str:  # type: ignore[override]
        return self.spec.what if self.spec else ""

    def check(self, value: Any, where: str, path: str) -> None:
        assert self.spec is not None
        self.spec.check(value, where, path)


TEXT = Scalar((str,), "a non-empty text")
VALUE = Scalar((str, int, float, bool), "a text, a number or true/false")
SHARE = Num(0, 1)
WEIGHT = Num(0, MAX_WEIGHT)
_CONDITION = Ref()
_VALUES = ListOf(VALUE)
CONDITION = Keys({
    "field": (TEXT, False), "derived": (TEXT, False),
    "all": (ListOf(_CONDITION), False), "any": (ListOf(_CONDITION), False), "not": (_CONDITION, False),
    "any_of": (_VALUES, False), "all_of": (_VALUES, False), "only": (_VALUES, False), "in": (_VALUES, False),
    "count_at_least": (Num(1, MAX_WEIGHT, whole=True), False), "among": (ListOf(VALUE, nonempty=False), False),
    "is": (Scalar((bool,), "true or false"), False), "at_least": (SHARE, False), "at_most": (SHARE, False),
}, what="a condition table, e.g. { field = ..., any_of = [...] }", one_of=("field", "derived", "all", "any", "not"))
_CONDITION.spec = CONDITION

DIMENSION = Keys({"title": (TEXT, True), "way": (Num(1, MAX_WEIGHT, whole=True), True),
                  "description": (TEXT, True)}, label="dimension")
RULE = Keys({
    "id": (TEXT, True), "dimension": (TEXT, True), "title": (TEXT, True), "when": (CONDITION, True),
    "applies_when": (CONDITION, False), "points": (Num(0, MAX_WEIGHT, above=True), False),
    "points_by_value": (TableOf(WEIGHT, "a table of field value → points"), False),
    "parties": (TableOf(WEIGHT, "a table of party → benefit weight", nonempty=False), True),
    "recommendation": (TEXT, True), "source": (TEXT, True),
}, label="rule")
FLAG = Keys({"id": (TEXT, True), "dimension": (TEXT, True), "title": (TEXT, True), "when": (CONDITION, True),
             "source": (TEXT, True)}, label="flag")
#: The whole file.
RUBRIC = Keys({
    "parties": (TableOf(TEXT, "a table of party → label", nonempty=False), True),
    "dimensions": (Named(DIMENSION, listed=False), True),
    "version": (Scalar((str, int, float), 'a text such as "1.0"'), True), "title": (TEXT, False),
    "low_coverage_below": (SHARE, False), "balance": (Keys({"skew_gap": (Num(0, 100, above=True), False)}), False),
    "rules": (Named(RULE, listed=True), False), "flags": (Named(FLAG, listed=True), False),
}, needs="needs version, parties and dimensions")


def check_shape(raw: dict[str, Any], label: str) -> None:
    """Refuse a rubric whose keys are unknown or missing, or whose values have the wrong type or range."""
    RUBRIC.check(raw, label, "")


#: Operators each kind of codebook field takes (a message suggests them when another is used).
OPERATORS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("enum", "text", "slug", "int", "number", "date"), ("in",)),
    "bool": ("is",), "tristate": ("is", "in"),
    **dict.fromkeys(("set", "countries", "isco"), ("any_of", "all_of", "only", "count_at_least")),
    **dict.fromkeys(("actors", "sources", "outcomes"), ("count_at_least",)),
}
#: What each operator is for, as the messages say it.
OPERATOR_USE = {"is": "yes/no fields", "in": "single-valued fields", "any_of": "multi-valued fields",
                "all_of": "multi-valued fields", "only": "multi-valued fields",
                "count_at_least": "multi-valued fields"}
#: The values a condition may compare a field of each kind with (vocabularies are checked by name later).
OPERANDS: dict[str, tuple[tuple[type, ...], str]] = {
    **dict.fromkeys(("enum", "set", "text", "slug", "date", "countries", "isco"), ((str,), "texts")),
    "int": ((int,), "whole numbers"), "number": ((int, float), "numbers"),
    "tristate": ((str,), 'only "unspecified" (for yes or no use is = true or false)'),
}


def check_operator(f: Field, op: str, cond: dict[str, Any], where: str) -> None:
    """Refuse an operator the field's kind does not take, or values of the wrong type for it."""
    ops = OPERATORS[f.kind]
    if op not in ops:
        use = ops[0] if len(ops) == 1 else f"{', '.join(ops[:-1])} or {ops[-1]}"
        article = "an" if f.kind[0] in "aeiou" else "a"
        raise ConfigError(f"Rubric {where}: '{op}' applies to {OPERATOR_USE[op]}; {f.name!r} is {article} {f.kind} "
                          f"field ({f.type_text()}): use {use}.")
    listed = cond.get("among" if op == "count_at_least" else op)
    if not isinstance(listed, list) or not listed:
        return
    if f.nested:
        raise ConfigError(f"Rubric {where}: 'among' cannot apply to {f.name!r}, a {f.type_text()}; "
                          "count_at_least counts its items.")
    types, what = OPERANDS[f.kind]
    for v in listed:
        if not isinstance(v, types) or isinstance(v, bool) or (f.kind == "tristate" and v != UNSPECIFIED):
            raise ConfigError(f"Rubric {where}: {_shown(v)} is not a value of {f.name!r} for {op}; {op} on this "
                              f"field ({f.type_text()}) takes {what}.")


def rule_points(rule: dict[str, Any], where: str) -> float:
    """A rule's maximum: ``points`` (default 1), or its best ``points_by_value``; each value within it."""
    by_value: dict[str, float] = rule.get("points_by_value", {})
    if not by_value:
        return float(rule.get("points", 1))
    best = rule.get("points", max(by_value.values()))
    for value, pts in by_value.items():
        if pts > best:
            raise ConfigError(f"Rubric {where}: points_by_value.{value} = {pts:g} is not allowed; it must be from "
                              f"0 to the rule's points ({best:g}).")
    if max(by_value.values()) <= 0:
        raise ConfigError(f"Rubric {where}: points_by_value gives 0 to every value; the best value must be worth "
                          f"more than 0 (up to {MAX_WEIGHT}).")
    return float(best)


def check_parties(parties: Collection[str], rules: Iterable[Any], label: str) -> None:
    """Every declared party must be benefited by some rule, else it could never have a score."""
    if not parties:
        raise ConfigError(f"Rubric {label}: [parties] is empty; declare the parties rules benefit "
                          '(e.g. migrants = "Migrants").')
    benefited = {p for r in rules for p, w in r.parties.items() if w > 0}
    for p in parties:
        if p not in benefited:
            raise ConfigError(f"Rubric {label}: party {p!r} is benefited by no rule; give it a weight above 0 in "
                              "some rule's parties, or remove it from [parties].")
