"""The rubric's condition language: condition trees compiled to three-valued functions.

Owns :class:`Condition` (one condition of a rubric rule or flag: ``all``, ``any`` or ``not`` of
conditions, a ``derived`` predicate with ``is``, ``at_least`` or ``at_most`` (a derived set with
``any_of``), or a field with one of ``is``, ``in``, ``any_of``, ``all_of``, ``only``,
``count_at_least``), compiled once into an
:data:`Evaluator` (record, context) → true, false or unknown (None). A missing field, or
``unspecified`` that the condition does not itself list, makes a condition unknown, never false;
``all`` is false when a part is false, else unknown when a part is; ``any`` the reverse; ``not`` keeps
unknown. A derived set is true when it holds a listed value, else unknown when it holds ``unspecified``.
Trusts the condition it is given: checking fields, operators and values against the codebook is
:mod:`rubric`'s (with :mod:`rubric_checks`) when a rubric is loaded. Reads no rubric file; never
writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from smpatlas.analysis.predicates import DERIVED, SET_DERIVED, Truth
from smpatlas.codebook import UNSPECIFIED

Evaluator = Callable[[dict[str, Any], Any], Truth]


def _compile(raw: dict[str, Any]) -> Evaluator:
    """Turn a condition table into a fast three-valued function (record, context) → truth."""
    if "all" in raw:
        subs = [_compile(c) for c in raw["all"]]

        def all_(rec: dict[str, Any], ctx: Any) -> Truth:
            unknown = False
            for fn in subs:
                v = fn(rec, ctx)
                if v is False:
                    return False
                if v is None:
                    unknown = True
            return None if unknown else True

        return all_
    if "any" in raw:
        subs = [_compile(c) for c in raw["any"]]

        def any_(rec: dict[str, Any], ctx: Any) -> Truth:
            unknown = False
            for fn in subs:
                v = fn(rec, ctx)
                if v is True:
                    return True
                if v is None:
                    unknown = True
            return None if unknown else False

        return any_
    if "not" in raw:
        inner = _compile(raw["not"])

        def not_(rec: dict[str, Any], ctx: Any) -> Truth:
            v = inner(rec, ctx)
            return None if v is None else not v

        return not_
    if "derived" in raw:
        fn = DERIVED[raw["derived"]]
        if raw["derived"] in SET_DERIVED:
            wanted = frozenset(raw["any_of"])

            def any_of_set(rec: dict[str, Any], ctx: Any) -> Truth:
                v = fn(rec, ctx)
                if v is None or not wanted.isdisjoint(v):
                    return None if v is None else True
                return None if UNSPECIFIED in v else False

            return any_of_set
        if "is" in raw:
            want = raw["is"]
            return lambda rec, ctx: None if (v := fn(rec, ctx)) is None else v is want
        if "at_least" in raw:
            lo = raw["at_least"]
            return lambda rec, ctx: None if (v := fn(rec, ctx)) is None else v >= lo
        hi = raw["at_most"]
        return lambda rec, ctx: None if (v := fn(rec, ctx)) is None else v <= hi
    name = raw["field"]
    listed = raw.get("in") or raw.get("any_of") or raw.get("only") or ()
    unspecified_is_value = UNSPECIFIED in listed
    if "is" in raw:
        want = raw["is"]

        def is_(rec: dict[str, Any], ctx: Any) -> Truth:
            v = rec.get(name)
            return None if v is None or v == UNSPECIFIED else v is want

        return is_
    if "in" in raw:
        allowed = frozenset(raw["in"])

        def in_(rec: dict[str, Any], ctx: Any) -> Truth:
            v = rec.get(name)
            if v is None or (v == UNSPECIFIED and not unspecified_is_value):
                return None
            return v in allowed

        return in_

    def known(rec: dict[str, Any]) -> list[str] | None:
        v = rec.get(name)
        if v is None or (UNSPECIFIED in v and not unspecified_is_value):
            return None
        return v  # type: ignore[no-any-return]

    if "any_of" in raw:
        want_any = frozenset(raw["any_of"])
        return lambda rec, ctx: None if (v := known(rec)) is None else not want_any.isdisjoint(v)
    if "all_of" in raw:
        want_all = frozenset(raw["all_of"])
        return lambda rec, ctx: None if (v := known(rec)) is None else want_all.issubset(v)
    if "only" in raw:
        only = frozenset(raw["only"])
        return lambda rec, ctx: None if (v := known(rec)) is None else bool(v) and only.issuperset(v)
    among = frozenset(raw["among"]) if raw.get("among") else None
    n = raw["count_at_least"]
    return lambda rec, ctx: (None if (v := known(rec)) is None
                             else sum(1 for x in v if among is None or x in among) >= n)


@dataclass(frozen=True)
class Condition:
    """One condition tree (see the rubric file's header), compiled once."""

    raw: dict[str, Any]
    fn: Evaluator = field(compare=False, repr=False, default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        object.__setattr__(self, "fn", _compile(self.raw))

    def fields(self) -> set[str]:
        """The codebook fields this condition reads (derived predicates as ``derived:NAME``)."""
        r = self.raw
        if "field" in r:
            return {r["field"]}
        if "derived" in r:
            return {"derived:" + r["derived"]}
        out: set[str] = set()
        for key in ("all", "any"):
            for sub in r.get(key, ()):
                out |= Condition(sub).fields()
        if "not" in r:
            out |= Condition(r["not"]).fields()
        return out

    def evaluate(self, record: dict[str, Any], ctx: Any = None) -> Truth:
        return self.fn(record, ctx)
