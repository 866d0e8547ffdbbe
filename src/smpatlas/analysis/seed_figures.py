"""The seed's derived figures: the headline counts of the seed commentary, per record and summed.

Owns :data:`DERIVED` (each figure's name → the fields it reads and the function that labels one
record: skill levels with current students counted as middle-skilled, the kind of integration
support, reintegration support where return is anticipated, target-group combinations, mobility
options, remote-work options, the employer-engagement stage) and :func:`derived_blocks`, which turns
the summed labels (and the planned-scale counts) into the ``derived`` part of
:class:`~smpatlas.analysis.stats_result.Stats`, each figure with its denominator, missing count and
note. A function must read only the fields it declares (a test checks it): :mod:`stats` runs it once
per distinct combination of them and weights it by how many records share it. Knows nothing of the
database or of column views; never writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from smpatlas.analysis.predicates import return_anticipated
from smpatlas.analysis.stats_result import share
from smpatlas.codebook import UNSPECIFIED

BEYOND_LANGUAGE = frozenset({"cultural_orientation", "administrative_assistance", "networking", "mentoring",
                             "soft_skills", "workplace_onboarding", "housing", "family_support"})
REAL_REINTEGRATION = frozenset({"career_guidance", "job_placement", "further_education", "business_startup",
                                "recognition_of_skills", "financial_support"})
REMOTE = frozenset({"alternative_to_mobility", "after_return", "online_training_with_foreign_employers"})

MISSING = "__missing__"
OUTSIDE = "__outside__"
#: Reintegration: not known whether return is anticipated (outside the denominator, and counted apart).
UNDECIDED = "__undecided__"


def _skill_levels(rec: dict[str, Any]) -> list[str]:
    """Skill levels with current students counted as middle-skilled."""
    sk = rec.get("skill_levels")
    profiles = rec.get("participant_profiles") or []
    levels = set(sk or []) - {UNSPECIFIED}
    if "students" in profiles:
        levels.add("middle")
    if sk is None and "students" not in profiles:
        return [MISSING]
    if not levels:
        return [UNSPECIFIED]
    return sorted(levels)


def _integration(rec: dict[str, Any]) -> list[str]:
    integ = rec.get("integration_support")
    if integ is None:
        return [MISSING]
    if integ == [UNSPECIFIED]:
        return [UNSPECIFIED]
    if integ == ["none"]:
        return ["none"]
    return ["language_only" if BEYOND_LANGUAGE.isdisjoint(integ) else "broader"]


def _reintegration(rec: dict[str, Any]) -> list[str]:
    """Reintegration support, only where return is anticipated (else outside the denominator; apart when it is
    not known whether return is anticipated)."""
    anticipated = return_anticipated(rec)
    if anticipated is None:
        return [UNDECIDED]
    if anticipated is False:
        return [OUTSIDE]
    re = rec.get("reintegration_support")
    if re is None:
        return [MISSING]
    if re == [UNSPECIFIED]:
        return [UNSPECIFIED]
    return ["without_reintegration_support" if REAL_REINTEGRATION.isdisjoint(re) else "with_reintegration_support"]


def _target_groups(rec: dict[str, Any]) -> list[str]:
    tg = rec.get("target_groups")
    if tg is None:
        return [MISSING]
    groups = [g for g in tg if g != "none"]
    return [" + ".join(groups)] if groups else ["none"]


def _mobility(rec: dict[str, Any]) -> list[str]:
    mob = rec.get("mobility_types")
    if mob is None:
        return [MISSING]
    if mob == [UNSPECIFIED]:
        return [UNSPECIFIED]
    return ["several" if len(mob) > 1 else "single"]


def _remote(rec: dict[str, Any]) -> list[str]:
    rw = rec.get("remote_work")
    if rw is None:
        return [MISSING]
    if rw == [UNSPECIFIED]:
        return [UNSPECIFIED]
    return ["some_remote_option" if not REMOTE.isdisjoint(rw) else "none"]


def _employers(rec: dict[str, Any]) -> list[str]:
    ee = rec.get("employer_engagement")
    if ee is None:
        return [MISSING]
    if ee == [UNSPECIFIED]:
        return [UNSPECIFIED]
    if ee == ["none"]:
        return ["none"]
    return ["early" if {"design", "selection"} & set(ee) else "later_only"]


#: The seed's derived figures: name → (the fields it reads, function record → labels to count).
#: A function must read only the fields listed (a test checks it): figures are computed once per
#: distinct combination of those fields and weighted by how many records share it.
DERIVED: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], list[str]]]] = {
    "skill_levels_students_as_middle": (("skill_levels", "participant_profiles"), _skill_levels),
    "integration_support_kind": (("integration_support",), _integration),
    "reintegration_when_return_anticipated": (("return_expected", "mobility_types", "reintegration_support"),
                                              _reintegration),
    "target_group_combinations": (("target_groups",), _target_groups),
    "mobility_options": (("mobility_types",), _mobility),
    "remote_work_options": (("remote_work",), _remote),
    "employer_engagement_stage": (("employer_engagement",), _employers),
}


def _block(values: Counter[str], denominator: int, missing: int, order: list[str], note: str) -> dict[str, Any]:
    keys = [k for k in order if k in values] + sorted(k for k in values if k not in order)
    return {"denominator": denominator, "missing": missing, "unspecified": values.get(UNSPECIFIED, 0),
            "values": {k: {"count": values[k], "share": share(values[k], denominator)} for k in keys}, "note": note}


def _counted(c: Counter[str]) -> Counter[str]:
    return Counter({k: v for k, v in c.items() if k not in (MISSING, OUTSIDE, UNDECIDED)})


def derived_blocks(labels: dict[str, Counter[str]], n: int, pp_known: int, pp_above: int,
                   scale_threshold: int) -> dict[str, dict[str, Any]]:
    def block(name: str, order: list[str], note: str, denominator: int | None = None) -> dict[str, Any]:
        c = labels[name]
        return _block(_counted(c), n if denominator is None else denominator, c.get(MISSING, 0), order, note)

    sk = labels["skill_levels_students_as_middle"]
    re = labels["reintegration_when_return_anticipated"]
    tg = labels["target_group_combinations"]
    return {
        "skill_levels_students_as_middle": {
            **_block(Counter({k: v for k, v in _counted(sk).items() if k != UNSPECIFIED}), n, sk.get(MISSING, 0),
                     ["high", "middle", "low"],
                     "Multi-label shares of N; current higher-education students count as middle-skilled (seed rule)."),
            "unspecified": sk.get(UNSPECIFIED, 0)},
        "integration_support_kind": block("integration_support_kind", ["none", "language_only", "broader", UNSPECIFIED],
                                          "broader = any integration support beyond language."),
        "reintegration_when_return_anticipated": {
            **block("reintegration_when_return_anticipated",
                    ["with_reintegration_support", "without_reintegration_support", UNSPECIFIED],
                    "Denominator: partnerships where return is anticipated (return expected yes/optional, or only "
                    "circular/short-term mobility); return_anticipation_unknown: partnerships for which that is not "
                    "known (return expected not coded or unspecified, and mobility not only circular/short-term), "
                    "outside the denominator.",
                    denominator=n - re.get(OUTSIDE, 0) - re.get(UNDECIDED, 0)),
            "return_anticipation_unknown": re.get(UNDECIDED, 0)},
        "target_group_combinations": {
            **block("target_group_combinations", [],
                    "Exact combinations of targeted groups; 'none' = the sources say no group is targeted."),
            "any_group": sum(v for k, v in _counted(tg).items() if k != "none")},
        "planned_participants_above_threshold": {
            "threshold": scale_threshold, "count": pp_above, "denominator": n, "missing": n - pp_known,
            "share": share(pp_above, n),
            "note": "Partnerships planning more than the threshold; missing = planned scale not coded."},
        "mobility_options": block("mobility_options", ["single", "several", UNSPECIFIED],
                                  "several = more than one of long-term, circular, short-term."),
        "remote_work_options": block("remote_work_options", ["some_remote_option", "none", UNSPECIFIED],
                                     "Any remote option: alternative to mobility, after return, or online "
                                     "training with foreign employers."),
        "employer_engagement_stage": block("employer_engagement_stage", ["early", "later_only", "none", UNSPECIFIED],
                                           "early = design or selection; later_only = training, onboarding or "
                                           "retention only."),
    }
