"""The assessment rubric: loading, checking and documenting it.

Owns :class:`Rubric` (dimensions, parties, rules, flags read from
``data/rubric.toml`` or a user's copy) and the generated ``docs/assessment.md``.
A malformed rubric, or a rule naming an unknown field, value, dimension or party,
is a clear error at load time; types, ranges and operators per field kind are
checked first, by :mod:`rubric_checks`. The condition language with its
three-valued logic (true / false / unknown) lives in :mod:`conditions`, the
derived predicates rules may use in :mod:`predicates`; both are importable from
here as before, and neither imports this module. Scoring records against the
rubric lives in :mod:`assessment`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from smpatlas.analysis import rubric_checks as checks
from smpatlas.analysis.conditions import Condition as Condition
from smpatlas.analysis.conditions import Evaluator as Evaluator
from smpatlas.analysis.predicates import DERIVED as DERIVED
from smpatlas.analysis.predicates import DERIVED_DOCS as DERIVED_DOCS
from smpatlas.analysis.predicates import DERIVED_FIELDS as DERIVED_FIELDS
from smpatlas.analysis.predicates import NUMERIC_DERIVED as NUMERIC_DERIVED
from smpatlas.analysis.predicates import SET_DERIVED as SET_DERIVED
from smpatlas.analysis.predicates import Truth as Truth
from smpatlas.analysis.predicates import develops_skills as develops_skills
from smpatlas.analysis.predicates import long_term_or_extendable as long_term_or_extendable
from smpatlas.analysis.predicates import return_anticipated as return_anticipated
from smpatlas.codebook import UNSPECIFIED, Codebook
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError

_OPS = ("any_of", "all_of", "only", "count_at_least", "is", "in")


@dataclass(frozen=True)
class Rule:
    id: str
    dimension: str
    title: str
    when: Condition
    parties: dict[str, float]
    recommendation: str
    source: str
    points: float = 1.0
    points_by_value: dict[str, float] = field(default_factory=dict)
    applies_when: Condition | None = None

    def inputs(self) -> list[str]:
        """The codebook fields (and ``derived:NAME`` predicates) the rule reads."""
        cached: list[str] | None = self.__dict__.get("_inputs")
        if cached is None:
            out = self.when.fields()
            if self.applies_when is not None:
                out |= self.applies_when.fields()
            cached = sorted(out)
            object.__setattr__(self, "_inputs", cached)
        return cached


@dataclass(frozen=True)
class Flag:
    id: str
    dimension: str
    title: str
    when: Condition
    source: str


@dataclass(frozen=True)
class Dimension:
    key: str
    title: str
    way: int
    description: str


@dataclass(frozen=True)
class Rubric:
    version: str
    title: str
    parties: dict[str, str]
    dimensions: dict[str, Dimension]
    rules: tuple[Rule, ...]
    flags: tuple[Flag, ...]
    skew_gap: float
    low_coverage_below: float
    path: str = "data/rubric.toml"

    def rules_of(self, dimension: str) -> list[Rule]:
        cache: dict[str, list[Rule]] = self.__dict__.setdefault("_rules_by_dim", {})
        if dimension not in cache:
            cache[dimension] = [r for r in self.rules if r.dimension == dimension]
        return cache[dimension]

    def flags_of(self, dimension: str) -> list[Flag]:
        cache: dict[str, list[Flag]] = self.__dict__.setdefault("_flags_by_dim", {})
        if dimension not in cache:
            cache[dimension] = [f for f in self.flags if f.dimension == dimension]
        return cache[dimension]

    def max_points(self, dimension: str) -> float:
        return sum(r.points for r in self.rules_of(dimension))


def _check_condition(cond: Any, where: str, cb: Codebook) -> Condition:
    if not isinstance(cond, dict) or not cond:
        raise ConfigError(f"Rubric {where}: a condition must be a table, e.g. {{ field = ..., any_of = [...] }}.")
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        if not isinstance(cond[key], list) or not cond[key]:
            raise ConfigError(f"Rubric {where}: '{key}' needs a non-empty list of conditions.")
        for sub in cond[key]:
            _check_condition(sub, where, cb)
        return Condition(cond)
    if "not" in cond:
        _check_condition(cond["not"], where, cb)
        return Condition(cond)
    if "derived" in cond:
        name = cond["derived"]
        if name not in DERIVED:
            raise ConfigError(f"Rubric {where}: unknown derived predicate {name!r}; known: {', '.join(DERIVED)}.")
        if name in SET_DERIVED:
            return _check_set(cond, name, where, cb)
        ops = [k for k in ("is", "at_least", "at_most") if k in cond]
        if len(ops) != 1:
            raise ConfigError(f"Rubric {where}: derived {name!r} needs exactly one of is, at_least, at_most.")
        if (name in NUMERIC_DERIVED) == ("is" in cond):
            raise ConfigError(f"Rubric {where}: derived {name!r} is "
                              f"{'a number: use at_least/at_most' if name in NUMERIC_DERIVED else 'true/false: use is'}.")
        return Condition(cond)
    name = cond.get("field")
    if not isinstance(name, str) or name not in cb:
        raise ConfigError(f"Rubric {where}: unknown field {name!r}; see 'smpatlas codebook'.")
    f = cb[name]
    ops = [k for k in _OPS if k in cond]
    if len(ops) != 1:
        raise ConfigError(f"Rubric {where}: field {name!r} needs exactly one of {', '.join(_OPS)}.")
    op = ops[0]
    checks.check_operator(f, op, cond, where)
    allowed = set(f.vocabulary) | ({UNSPECIFIED} if f.kind == "tristate" else set())
    listed: list[Any] = (cond.get(op) if op in ("any_of", "all_of", "only", "in") else cond.get("among")) or []
    if op in ("any_of", "all_of", "only", "in", "count_at_least") and allowed:
        for v in listed:
            if v not in allowed:
                raise ConfigError(f"Rubric {where}: {v!r} is not a value of {name!r} "
                                  f"(allowed: {', '.join(sorted(allowed))}).")
    return Condition(cond)


def _check_set(cond: dict[str, Any], name: str, where: str, cb: Codebook) -> Condition:
    """A derived set (values of a codebook field) takes ``any_of`` with values of that field."""
    values = cond.get("any_of")
    if [k for k in (*_OPS, "at_least", "at_most") if k in cond] != ["any_of"] or not values:
        raise ConfigError(f"Rubric {where}: derived {name!r} is a set of values of {SET_DERIVED[name]!r}: use "
                          "any_of = [...].")
    allowed = set(cb[SET_DERIVED[name]].vocabulary)
    for v in values:
        if v not in allowed:
            raise ConfigError(f"Rubric {where}: {v!r} is not a value of {SET_DERIVED[name]!r} "
                              f"(allowed: {', '.join(sorted(allowed))}).")
    return Condition(cond)


def load(path: str | Path | None = None, cb: Codebook | None = None) -> Rubric:
    """Read and check a rubric (the shipped one by default)."""
    cb = cb or default_codebook()
    label = str(path) if path else "data/rubric.toml"
    try:
        text = (Path(path).read_text("utf-8") if path else
                resources.files("smpatlas").joinpath("data/rubric.toml").read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read rubric {label}: {exc.strerror}.") from exc
    except UnicodeDecodeError:
        raise ConfigError(f"Rubric {label} is not a UTF-8 text file; a rubric is TOML (copy data/rubric.toml "
                          "and edit it).") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Rubric {label} is not valid TOML: {exc}.") from exc
    checks.check_shape(raw, label)
    parties = dict(raw["parties"])
    dims = {k: Dimension(k, v["title"], v["way"], v["description"]) for k, v in raw["dimensions"].items()}
    rules = []
    seen: set[str] = set()
    for r in raw.get("rules", []):
        where = f"{label}, rule {r['id']!r}"
        if r["id"] in seen:
            raise ConfigError(f"Rubric {where}: duplicate rule id.")
        seen.add(r["id"])
        if r["dimension"] not in dims:
            raise ConfigError(f"Rubric {where}: unknown dimension {r['dimension']!r}; known: {', '.join(dims)}.")
        for party in r["parties"]:
            if party not in parties:
                raise ConfigError(f"Rubric {where}: unknown party {party!r}; known: "
                                  f"{', '.join(parties) or 'none (declare it in [parties])'}.")
        by_value = dict(r.get("points_by_value", {}))
        when = _check_condition(r["when"], where, cb)
        if by_value:
            fname = str(r["when"].get("field", ""))
            if fname not in cb or cb[fname].multi:
                raise ConfigError(f"Rubric {where}: points_by_value needs a single-valued field condition.")
            for v in by_value:
                if v not in cb[fname].vocabulary:
                    raise ConfigError(f"Rubric {where}: points_by_value names {v!r}, not a value of {fname!r}.")
        rules.append(Rule(
            id=r["id"], dimension=r["dimension"], title=r["title"], when=when,
            parties={k: float(v) for k, v in r["parties"].items()}, recommendation=r["recommendation"],
            source=r["source"], points=checks.rule_points(r, where),
            points_by_value={k: float(v) for k, v in by_value.items()},
            applies_when=_check_condition(r["applies_when"], where, cb) if "applies_when" in r else None,
        ))
    flags = []
    for fl in raw.get("flags", []):
        where = f"{label}, flag {fl['id']!r}"
        if fl["dimension"] not in dims and fl["dimension"] != "cross_cutting":
            raise ConfigError(f"Rubric {where}: unknown dimension {fl['dimension']!r}.")
        flags.append(Flag(fl["id"], fl["dimension"], fl["title"], _check_condition(fl["when"], where, cb), fl["source"]))
    for d in dims:
        if not any(r.dimension == d for r in rules):
            raise ConfigError(f"Rubric {label}: dimension {d!r} has no rules.")
    checks.check_parties(parties, rules, label)
    return Rubric(
        version=str(raw["version"]), title=str(raw.get("title", "")), parties=parties, dimensions=dims, rules=tuple(rules),
        flags=tuple(flags), skew_gap=float(raw.get("balance", {}).get("skew_gap", 20)),
        low_coverage_below=float(raw.get("low_coverage_below", 0.5)), path=label,
    )


@cache
def default() -> Rubric:
    return load()


def _cond_text(c: dict[str, Any]) -> str:
    if "all" in c:
        return " and ".join(f"({_cond_text(x)})" for x in c["all"])
    if "any" in c:
        return " or ".join(f"({_cond_text(x)})" for x in c["any"])
    if "not" in c:
        return f"not ({_cond_text(c['not'])})"
    if "derived" in c:
        dop = next(k for k in ("is", "at_least", "at_most", "any_of") if k in c)
        if dop == "any_of":
            return f"*{c['derived']}* any of {', '.join(c[dop])}"
        return f"*{c['derived']}* {dop.replace('_', ' ')} {str(c[dop]).lower()}"
    op = next(k for k in _OPS if k in c)
    val = c[op]
    if op == "count_at_least":
        among = f" of {', '.join(c['among'])}" if c.get("among") else ""
        return f"`{c['field']}` has at least {val} value(s){among}"
    if op == "is":
        return f"`{c['field']}` is {'yes' if val else 'no'}"
    return f"`{c['field']}` {op.replace('_', ' ')} {', '.join(val)}"


def to_markdown(rubric: Rubric | None = None) -> str:
    """``docs/assessment.md``: every rule, its points, parties and source."""
    rb = rubric or default()
    out = [
        f"# Assessment rubric v{rb.version}",
        "",
        "<!-- Generated by `smpatlas rubric --format markdown` from src/smpatlas/data/rubric.toml. "
        "Do not edit by hand: CI fails when it is stale. -->",
        "",
        rb.title + ".",
        "",
        "## How scores are computed",
        "",
        "- Each rule is **true**, **false** or **unknown** for a partnership. Missing values and `unspecified` "
        "make a rule unknown (never 'no'); a rule whose `applies when` condition is false does not apply.",
        "- **Dimension score (0–4)** = 4 × points earned ÷ points of the rules that apply and are known. "
        "**Coverage** = share of the dimension's rules whose inputs are known (rules that do not apply count "
        f"as known). A score with coverage below {rb.low_coverage_below:.0%} is marked *low coverage*; with no "
        "known rule the score is empty.",
        "- **Stakeholder profile (0–100)**: each rule attributes benefit points to parties; a party's score = "
        "100 × points earned ÷ points of its known, applying rules.",
        "- **Balance index (0–1)** = lowest party score ÷ highest. **destination_skewed** when the mean of the "
        f"destination and employer scores exceeds the mean of the origin and migrant scores by ≥ {rb.skew_gap:g} points.",
        "- **Recommendations** are the rules not earned (false or unknown), ranked by how much earning them would "
        "raise the weakest party's score (then the total gain). Each says why (`because`): *not in the design*, "
        "*only partly in the design*, or, for an unknown rule, which inputs are *not coded* (missing), which are "
        "*not specified in the sources* (coded `unspecified`) and which reference table is missing (*no shortage "
        "list loaded for AUT*). When whether a rule applies depends on fields that are not known, the "
        "recommendation names them: code them first (the gain assumes the rule applies).",
        "- **Skill levels**: `alignment.middle_or_low_skills` reads the skill levels the statistics count "
        "(`skill_levels_students_as_middle`, the same derivation): current higher-education students count as "
        "middle-skilled, the seed's rule, even when `skill_levels` is not coded. It adds middle only, so "
        "`inclusion.lower_skilled` reads `skill_levels` itself. Where the statistics count a record only under its "
        "coded levels, a level the sources leave `unspecified` keeps the rule unknown (never 'no').",
        "- **Gap flags** are raised only on known facts; portfolio figures count each flag over the partnerships "
        "for which it could be judged and state how many it could not.",
        "- **Benchmarks** compare a draft only with partnerships whose coverage (rules with known inputs ÷ all "
        f"rules) is at least {rb.low_coverage_below:.0%}; a draft below that says its percentiles are not "
        "meaningful and which fields to code first.",
        "",
        "## Derived predicates",
        "",
        *[f"- `{k}`: {v}" for k, v in DERIVED_DOCS.items()],
        "",
    ]
    for key, d in rb.dimensions.items():
        out += [f"## {d.way}. {d.title} (`{key}`)", "", d.description, "",
                "| rule | condition | points | parties | source |", "|---|---|---|---|---|"]
        for r in rb.rules_of(key):
            cond = _cond_text(r.when.raw)
            if r.applies_when is not None:
                cond += f"; applies when {_cond_text(r.applies_when.raw)}"
            pts = (", ".join(f"{k} {v:g}" for k, v in r.points_by_value.items()) if r.points_by_value
                   else f"{r.points:g}")
            parties = ", ".join(f"{p} {v:g}" for p, v in r.parties.items())
            out.append(f"| **{r.title}** (`{r.id}`) | {cond} | {pts} | {parties} | {r.source} |")
        flags = [f for f in rb.flags if f.dimension == key]
        if flags:
            out += ["", "Gap flags:", ""]
            out += [f"- `{f.id}` — {f.title}: {_cond_text(f.when.raw)}. *{f.source}*" for f in flags]
        out.append("")
    cross = [f for f in rb.flags if f.dimension == "cross_cutting"]
    if cross:
        out += ["## Cross-cutting flags", ""]
        out += [f"- `{f.id}` — {f.title}: {_cond_text(f.when.raw)}. *{f.source}*" for f in cross]
        out.append("")
    out += ["## Recommendations by rule", ""]
    out += [f"- `{r.id}`: {r.recommendation}" for r in rb.rules]
    out.append("")
    return "\n".join(out).replace("| |", "|  |")
