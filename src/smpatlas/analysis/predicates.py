"""The rubric's derived predicates: facts about a partnership that no single coded field states.

Owns :data:`DERIVED` (each predicate's name → function(record, context) → three-valued
:data:`Truth`, a number for those in :data:`NUMERIC_DERIVED`, or a list of values of a codebook field
for those in :data:`SET_DERIVED`), what each one means (:data:`DERIVED_DOCS`, printed in
``docs/assessment.md``), the codebook fields it reads (:data:`DERIVED_FIELDS`) and what counts as not
coded (:func:`uncoded`). A predicate is unknown (None) when what it needs is not coded, never false;
the three that need reference data ask the context (an
:class:`~smpatlas.analysis.alignment.ReferenceContext`) and are unknown without one.
:mod:`conditions` evaluates them in rule conditions and :mod:`seed_figures` reuses
:func:`return_anticipated`; :func:`skill_levels_students_as_middle` is the statistics' own derivation
(:mod:`seed_figures`, one source of truth), imported when first called since that module imports this
one. Knows nothing of rubric files, rules or scores; never writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smpatlas.codebook import UNSPECIFIED

#: Three-valued truth: True, False or None (unknown).
Truth = bool | None

#: Derived predicates: name → (description, function(record, context) → value or None).
DERIVED_DOCS: dict[str, str] = {
    "return_anticipated": "true when `return_expected` is yes or optional, or `mobility_types` is only circular "
    "and/or short-term; false when `return_expected` is no (and mobility is not only circular/short-term); "
    "unknown otherwise.",
    "long_term_or_extendable": "true when `mobility_types` includes long_term, or `extension_possible` or "
    "`transition_to_long_term` is yes; false when all three are known and none holds.",
    "develops_skills": "true when `tracks` includes home, `origin_capacity_building` is yes or "
    "`training_location` includes origin; false when all three are known and none holds.",
    "shortage_share": "share (0–1) of the partnership's ISCO-08 occupations that are on a shortage list of one of "
    "its destinations, matched at the finest precision both codes have (needs a shortage table for a destination "
    "and coded occupations; unknown otherwise).",
    "regulated_occupation": "true when one of the partnership's occupations is a regulated profession at one of its "
    "destinations (EU Regulated Professions Database, ISCO-08 minor groups); unknown without occupations or data.",
    "health_recruitment_from_safeguards_list": "true when the partnership recruits health workers (sector "
    "health_care or ISCO 221x/222x/226x/321x/322x/532x) from a country on the loaded WHO Health Workforce Support "
    "and Safeguards List without a government-to-government agreement; unknown when no list is loaded.",
    "skill_levels_students_as_middle": "the skill levels the statistics count: `skill_levels`, with current "
    "higher-education students (`participant_profiles` includes students) counted as middle-skilled (the seed's "
    "rule); unknown when neither says. With `any_of`: true when a listed level is there, else unknown when a "
    "level is `unspecified`.",
}
NUMERIC_DERIVED = frozenset({"shortage_share"})
#: Derived sets: name → the codebook field whose values they hold (a condition compares them with ``any_of``).
SET_DERIVED: dict[str, str] = {"skill_levels_students_as_middle": "skill_levels"}
#: Derived predicates that need reference data (a context), each with why it is unknown without it, for a person.
NEEDS_REFERENCE: dict[str, str] = {
    "shortage_share": "unknown without a shortage table for the destinations: see 'smpatlas shortages import --help'",
    "regulated_occupation": "unknown without coded occupations at destinations with regulated-profession data",
    "health_recruitment_from_safeguards_list": "unknown without a loaded WHO safeguards list: see "
                                               "'smpatlas who-list import --help'",
}
#: The codebook fields each derived predicate reads (shown beside rules that use it).
DERIVED_FIELDS: dict[str, tuple[str, ...]] = {
    "return_anticipated": ("return_expected", "mobility_types"),
    "long_term_or_extendable": ("mobility_types", "extension_possible", "transition_to_long_term"),
    "develops_skills": ("tracks", "origin_capacity_building", "training_location"),
    "shortage_share": ("occupations", "destination_countries"),
    "regulated_occupation": ("occupations", "destination_countries"),
    "health_recruitment_from_safeguards_list": ("sectors", "occupations", "origin_countries",
                                                "government_to_government"),
    "skill_levels_students_as_middle": ("skill_levels", "participant_profiles"),
}


def uncoded(value: Any) -> bool:
    """Not coded (missing) or coded ``unspecified`` (a list holding it included): not a known value."""
    return value is None or value == UNSPECIFIED or (isinstance(value, list) and UNSPECIFIED in value)


def _values(record: dict[str, Any], name: str) -> list[Any] | None:
    v = record.get(name)
    if v is None:
        return None
    return v if isinstance(v, list) else [v]


def _known(values: list[Any] | None) -> bool:
    return values is not None and values != [UNSPECIFIED] and UNSPECIFIED not in values


def return_anticipated(r: dict[str, Any], ctx: Any = None) -> Truth:
    ret = r.get("return_expected")
    if ret in ("yes", "optional"):
        return True
    mob = _values(r, "mobility_types")
    if _known(mob) and mob and set(mob) <= {"circular", "short_term"}:
        return True
    if ret == "no":
        return False
    return None


def long_term_or_extendable(r: dict[str, Any], ctx: Any = None) -> Truth:
    mob = _values(r, "mobility_types")
    ext, tra = r.get("extension_possible"), r.get("transition_to_long_term")
    if (_known(mob) and mob and "long_term" in mob) or ext is True or tra is True:
        return True
    if _known(mob) and ext is False and tra is False:
        return False
    return None


def develops_skills(r: dict[str, Any], ctx: Any = None) -> Truth:
    tracks, loc, cap = _values(r, "tracks"), _values(r, "training_location"), r.get("origin_capacity_building")
    if (_known(tracks) and tracks and "home" in tracks) or cap is True or (_known(loc) and loc and "origin" in loc):
        return True
    if _known(tracks) and _known(loc) and cap is False:
        return False
    return None


def skill_levels_students_as_middle(r: dict[str, Any], ctx: Any = None) -> list[str] | None:
    """The statistics' skill levels (students as middle-skilled), with ``unspecified`` kept when the sources
    leave a level unspecified; None when neither ``skill_levels`` nor ``participant_profiles`` says."""
    from smpatlas.analysis import seed_figures  # the statistics' derivation; late: seed_figures imports this

    levels = seed_figures.DERIVED["skill_levels_students_as_middle"][1](r)
    if levels == [seed_figures.MISSING]:
        return None
    coded = r.get("skill_levels")
    unspecified = levels == [UNSPECIFIED] or (isinstance(coded, list) and UNSPECIFIED in coded)
    return [v for v in levels if v != UNSPECIFIED] + ([UNSPECIFIED] if unspecified else [])


def _from_context(name: str) -> Callable[[dict[str, Any], Any], Any]:
    def derived(r: dict[str, Any], ctx: Any = None) -> Any:
        method = getattr(ctx, name, None)
        return None if method is None else method(r)

    derived.__name__ = name
    return derived


DERIVED: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "return_anticipated": return_anticipated,
    "long_term_or_extendable": long_term_or_extendable,
    "develops_skills": develops_skills,
    "shortage_share": _from_context("shortage_share"),
    "regulated_occupation": _from_context("regulated_occupation"),
    "health_recruitment_from_safeguards_list": _from_context("health_recruitment_from_safeguards_list"),
    "skill_levels_students_as_middle": skill_levels_students_as_middle,
}
