"""Why a rule is recommended: ``because`` names the inputs not coded, those the sources leave unspecified,
and the reference table that is missing; ``needs`` the inputs deciding whether the rule applies (a list coded
``["unspecified"]`` included); the skills-alignment rule reads the statistics' skill levels (students as
middle-skilled)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from smpatlas.analysis import rubric
from smpatlas.analysis.alignment import ReferenceContext, Row
from smpatlas.analysis.assessment import Recommendation, assess
from smpatlas.analysis.seed_figures import DERIVED as FIGURES
from smpatlas.errors import ConfigError

DEU_ONLY = ReferenceContext(shortages={"DEU": [Row("2221", 2022, "shortage", "test")]})


def _rec(record: dict[str, Any], rule: str, ctx: Any = None) -> Recommendation:
    return next(r for r in assess(record, ctx=ctx).recommendations if r.rule == rule)


def _status(record: dict[str, Any], rule: str) -> str:
    return next(r.status for d in assess(record).dimensions.values() for r in d.rules if r.id == rule)


@pytest.mark.parametrize(
    ("record", "ctx", "rule", "because"),
    [
        # The rule applies (return expected) and its own input is simply not coded.
        ({"return_expected": "yes"}, None, "integration.reintegration", "not coded: reintegration_support"),
        # Coded, but the sources do not say: a yes/no field and a list field.
        ({"recognition_on_return": "unspecified"}, None, "skills.recognition_on_return",
         "not specified in the sources: recognition_on_return"),
        ({"remote_work": ["unspecified"]}, None, "digital.alternative", "not specified in the sources: remote_work"),
        # A derived predicate: the fields it reads, each with why it is not known.
        ({"training_location": ["unspecified"]}, None, "skills.develops_skills",
         "not coded: tracks, origin_capacity_building; not specified in the sources: training_location"),
        # Occupations are coded; only the reference table is missing (with or without reference data loaded).
        ({"occupations": ["2221"], "destination_countries": ["AUT"]}, DEU_ONLY, "alignment.shortage_occupations",
         "no shortage list loaded for AUT"),
        ({"occupations": ["2221"], "destination_countries": ["AUT", "NLD"]}, None, "alignment.shortage_occupations",
         "no shortage list loaded for AUT, NLD"),
        # Both: an input not coded and a table missing.
        ({"destination_countries": ["AUT"]}, DEU_ONLY, "alignment.shortage_occupations",
         "not coded: occupations; no shortage list loaded for AUT"),
        # A table is loaded for the destination: only the occupations are missing.
        ({"destination_countries": ["DEU"]}, DEU_ONLY, "alignment.shortage_occupations", "not coded: occupations"),
    ],
)
def test_an_unknown_rule_says_which_input_is_not_known_and_why(record: dict[str, Any], ctx: Any, rule: str,
                                                                because: str) -> None:
    rec = _rec(record, rule, ctx)
    assert rec.status == "unknown" and rec.because == because and rec.needs == ()
    assert "not coded or unspecified" not in rec.because


@pytest.mark.parametrize(
    ("record", "rule", "needs", "because"),
    [
        # A list coded ["unspecified"] decides whether the rule applies: it is named, as a field not coded is.
        ({"mobility_types": ["unspecified"]}, "flexibility.transition", ("mobility_types",),
         "whether it applies depends on mobility_types, not specified in the sources: code it first"),
        ({"mobility_types": ["unspecified"]}, "integration.reintegration", ("return_expected", "mobility_types"),
         "whether it applies depends on return_expected, not coded; and mobility_types, not specified in the "
         "sources: code them first"),
        ({"mobility_types": ["unspecified"], "integration_support": ["language"]},
         "flexibility.integration_for_long_stays",
         ("mobility_types", "extension_possible", "transition_to_long_term"),
         "whether it applies depends on extension_possible, transition_to_long_term, not coded; and "
         "mobility_types, not specified in the sources: code them first"),
        # A single value coded unspecified, as before.
        ({"recognition_mechanism": "unspecified"}, "skills.recognition_built_in", ("recognition_mechanism",),
         "whether it applies depends on recognition_mechanism, not specified in the sources: code it first"),
    ],
)
def test_the_fields_deciding_whether_a_rule_applies_include_lists_coded_unspecified(
        record: dict[str, Any], rule: str, needs: tuple[str, ...], because: str) -> None:
    rec = _rec(record, rule)
    assert rec.status == "unknown" and rec.needs == needs and rec.because.startswith(because)
    assert rec.to_dict()["needs"] == list(needs)


STUDENT_CASES = [
    # (record, status of alignment.middle_or_low_skills, of inclusion.lower_skilled): the students rule adds
    # middle only, so it says nothing of openness to lower-skilled participants.
    ({"participant_profiles": ["students"]}, "earned", "unknown"),  # skill levels not coded: students are middle
    ({"skill_levels": ["unspecified"], "participant_profiles": ["students"]}, "earned", "unknown"),
    ({"skill_levels": ["high"], "participant_profiles": ["students", "workers"]}, "earned", "missed"),
    ({"skill_levels": ["high"], "participant_profiles": ["workers"]}, "missed", "missed"),
    ({"skill_levels": ["high"]}, "missed", "missed"),
    ({"skill_levels": ["low"]}, "earned", "earned"),
    ({"participant_profiles": ["workers"]}, "unknown", "unknown"),  # neither says
    ({"skill_levels": ["unspecified"]}, "unknown", "unknown"),
    ({"skill_levels": ["high", "unspecified"]}, "unknown", "unknown"),  # a level left unspecified: never 'no'
    ({}, "unknown", "unknown"),
]


@pytest.mark.parametrize(("record", "status", "lower"), STUDENT_CASES)
def test_students_count_as_middle_skilled_in_the_rubric_as_in_the_statistics(record: dict[str, Any], status: str,
                                                                             lower: str) -> None:
    assert _status(record, "alignment.middle_or_low_skills") == status
    assert _status(record, "inclusion.lower_skilled") == lower
    labels = FIGURES["skill_levels_students_as_middle"][1](record)  # the statistics' own derivation
    if status != "unknown":
        assert (status == "earned") is bool({"middle", "low"} & set(labels))


@pytest.mark.parametrize(
    ("record", "because"),
    [
        ({"participant_profiles": ["workers"]}, "not coded: skill_levels"),
        ({}, "not coded: skill_levels, participant_profiles"),
        ({"skill_levels": ["unspecified"], "participant_profiles": ["workers"]},
         "not specified in the sources: skill_levels"),
    ],
)
def test_an_unknown_skills_alignment_names_the_skill_levels_and_profiles(record: dict[str, Any],
                                                                         because: str) -> None:
    rec = _rec(record, "alignment.middle_or_low_skills")
    assert rec.status == "unknown" and rec.because == because


def _rubric_with(tmp_path: Path, when: str) -> Path:
    """The shipped rubric with the skills-alignment rule's condition replaced."""
    src = resources.files("smpatlas").joinpath("data/rubric.toml").read_text("utf-8")
    old = 'when = { derived = "skill_levels_students_as_middle", any_of = ["middle", "low"] }'
    assert old in src
    path = tmp_path / "rubric.toml"
    path.write_text(src.replace(old, when), "utf-8")
    return path


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ('when = { derived = "skill_levels_students_as_middle", is = true }', "a set of values"),
        ('when = { derived = "skill_levels_students_as_middle", any_of = ["medium"] }', "'medium' is not a value"),
        ('when = { derived = "develops_skills", any_of = ["middle"] }', "needs exactly one of is"),
    ],
)
def test_a_derived_set_takes_any_of_with_values_of_its_field(tmp_path: Path, when: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        rubric.load(_rubric_with(tmp_path, when))
