"""The rubric is data: loading, checking, documenting."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpatlas.analysis import rubric
from smpatlas.errors import ConfigError

DEFAULT = Path(rubric.__file__).parents[1] / "data" / "rubric.toml"


def test_default_rubric_covers_six_dimensions_and_four_parties() -> None:
    rb = rubric.default()
    assert list(rb.dimensions) == ["integration", "flexibility", "digital", "alignment", "skills", "inclusion"]
    assert list(rb.parties) == ["origin", "destination", "migrants", "employers"]
    assert all(r.source for r in rb.rules) and all(f.source for f in rb.flags)
    assert {r.dimension for r in rb.rules} == set(rb.dimensions)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT.read_text("utf-8")
    assert old in text, old
    p = tmp_path / "r.toml"
    p.write_text(text.replace(old, new, 1), "utf-8")
    return p


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('when = { field = "integration_starts_pre_departure", is = true }',
         'when = { field = "integration_start", is = true }', "unknown field 'integration_start'"),
        ('any_of = ["language_training"]', 'any_of = ["langauge_training"]', "'langauge_training' is not a value"),
        ('dimension = "digital"\ntitle = "Remote work as an alternative to moving"',
         'dimension = "remote"\ntitle = "Remote work as an alternative to moving"', "unknown dimension 'remote'"),
        ("parties = { migrants = 1, employers = 1 }\nrecommendation = \"Start integration",
         "parties = { migrnts = 1, employers = 1 }\nrecommendation = \"Start integration", "unknown party 'migrnts'"),
        ('source = "Seed commentary, way 2 (Korea\'s EPS)."\n', "\n", "missing 'source'"),
        ('when = { field = "extension_possible", is = true }', 'when = { field = "extension_possible", in = [true] }',
         "is not a value"),
        ('when = { field = "recruitment_costs_borne_by", in = ["worker"] }',
         'when = { field = "recruitment_costs_borne_by", is = true }', "'is' applies to yes/no fields"),
        ('{ derived = "return_anticipated", is = true }', '{ derived = "return_planned", is = true }',
         "unknown derived predicate"),
        ('when = { field = "skill_levels", any_of = ["low"] }', 'when = { field = "status", any_of = ["ongoing"] }',
         "applies to multi-valued fields"),
        ('version = "1.0"', 'version = "1.0', "not valid TOML"),
    ],
)
def test_malformed_rubric_is_a_clear_error_at_load_time(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        rubric.load(_broken(tmp_path, old, new))


def test_a_copy_can_change_points(tmp_path: Path) -> None:
    p = _broken(tmp_path, 'version = "1.0"', 'version = "1.0-local"')
    assert rubric.load(p).version == "1.0-local"


def test_docs_list_every_rule_with_its_source() -> None:
    md = rubric.to_markdown()
    for r in rubric.default().rules:
        assert f"`{r.id}`" in md and r.source in md
    assert (DEFAULT.parents[3] / "docs" / "assessment.md").read_text("utf-8") == md, "run 'make docs'"


@pytest.mark.parametrize(
    ("cond", "record", "truth"),
    [
        ({"field": "sectors", "any_of": ["ict"]}, {"sectors": ["ict", "other"]}, True),
        ({"field": "sectors", "any_of": ["ict"]}, {"sectors": ["other"]}, False),
        ({"field": "sectors", "any_of": ["ict"]}, {}, None),  # missing is unknown
        ({"field": "sectors", "any_of": ["ict"]}, {"sectors": ["unspecified"]}, None),  # unspecified is unknown
        ({"field": "recognition_mechanism", "in": ["unspecified"]}, {"recognition_mechanism": "unspecified"}, True),
        ({"field": "mobility_types", "only": ["circular", "short_term"]}, {"mobility_types": ["circular"]}, True),
        ({"field": "mobility_types", "count_at_least": 2}, {"mobility_types": ["circular", "long_term"]}, True),
        ({"field": "extension_possible", "is": True}, {"extension_possible": "unspecified"}, None),
        ({"not": {"field": "extension_possible", "is": True}}, {"extension_possible": False}, True),
        ({"all": [{"field": "extension_possible", "is": True}, {"field": "tracks", "any_of": ["home"]}]},
         {"extension_possible": False}, False),  # false and unknown = false
        ({"any": [{"field": "extension_possible", "is": True}, {"field": "tracks", "any_of": ["home"]}]},
         {"extension_possible": False}, None),  # false or unknown = unknown
        ({"derived": "return_anticipated", "is": True}, {"mobility_types": ["circular", "short_term"]}, True),
        ({"derived": "return_anticipated", "is": True}, {"return_expected": "no", "mobility_types": ["long_term"]},
         False),
        ({"derived": "develops_skills", "is": True}, {"tracks": ["away", "home"]}, True),
        ({"derived": "develops_skills", "is": True},
         {"tracks": ["away"], "training_location": ["destination"], "origin_capacity_building": False}, False),
        ({"derived": "shortage_share", "at_least": 0.5}, {"occupations": ["2221"]}, None),  # no shortage data
    ],
)
def test_three_valued_conditions(cond: dict, record: dict, truth: bool | None) -> None:  # type: ignore[type-arg]
    assert rubric.Condition(cond).evaluate(record) is truth
