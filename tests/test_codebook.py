"""The codebook is data: every field of the design codebook, header matching, rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smpatlas import codebook
from smpatlas.errors import ConfigError

# Every field named in the design codebook (docs of the field), section by section.
DESIGN_FIELDS = [
    "id", "name", "acronym", "summary", "partnership_type", "government_to_government", "origin_countries",
    "destination_countries", "start_year", "end_year", "status", "actors", "funders", "budget_eur", "sources",
    "sectors", "occupations", "skill_levels", "participant_profiles", "target_groups", "employer_engagement",
    "visa_channel", "mobility_types", "return_expected", "extension_possible", "transition_to_long_term",
    "duration_months_min", "duration_months_max", "remote_work", "tracks", "skills_components",
    "training_location", "origin_capacity_building", "recognition_mechanism", "recognition_on_return",
    "integration_support", "integration_starts_pre_departure", "reintegration_support", "planned_participants",
    "monitoring_evaluation", "outcomes", "recruitment_costs_borne_by", "agreement_public", "coder", "coded_on",
    "last_reviewed", "codebook_version", "notes",
]


def test_every_design_field_is_in_the_codebook() -> None:
    cb = codebook.default()
    assert [n for n in DESIGN_FIELDS if n not in cb] == []
    assert len(set(cb.names)) == len(cb.names)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Origin countries", "origin_countries"),  # the label
        ("origin_countries", "origin_countries"),  # the name
        ("  COUNTRY OF ORIGIN ", "origin_countries"),  # alias, case and spaces folded
        ("ISCO-08 codes", "occupations"),  # punctuation folded
        ("G2G", "government_to_government"),
        ("Budget (EUR)", "budget_eur"),
        ("M&E", "monitoring_evaluation"),
        ("Evidence note", "notes"),
        ("favourite colour", None),  # unknown
    ],
)
def test_header_matching(header: str, field: str | None) -> None:
    assert codebook.default().field_for_header(header) == field


def test_vocabularies_match_the_design() -> None:
    cb = codebook.default()
    assert cb["mobility_types"].vocabulary == ("long_term", "circular", "short_term", "unspecified")
    assert cb["recognition_mechanism"].vocabulary[-1] == "unspecified"
    assert cb["skill_levels"].multi and not cb["status"].multi
    assert cb.nested["actors"].vocabulary["role"][0] == "government"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "cb.toml"
    p.write_text(text, "utf-8")
    return p


BASE = 'version = "9"\n[sections]\na = "A"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[fields]]\nname="x"\nkind="blob"\nsection="a"\nlabel="X"\ndescription="d"\n', "unknown kind"),
        ('[[fields]]\nname="x"\nkind="text"\nsection="zz"\nlabel="X"\ndescription="d"\n', "unknown section"),
        ('[[fields]]\nname="x"\nkind="enum"\nsection="a"\nlabel="X"\ndescription="d"\n', "needs a vocabulary"),
        ('[[fields]]\nname="x"\nkind="text"\nsection="a"\nlabel="Y"\ndescription="d"\n'
         '[[fields]]\nname="y"\nkind="text"\nsection="a"\nlabel="Z"\ndescription="d"\naliases=["x"]\n',
         "claimed by both"),
        ("this is = = not toml", "not valid TOML"),
    ],
)
def test_malformed_codebook_is_a_clear_error(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        codebook.load(_write(tmp_path, (BASE if "not toml" not in body else "") + body))


def test_markdown_lists_every_field_and_value() -> None:
    md = codebook.to_markdown()
    cb = codebook.default()
    for f in cb.fields:
        assert f"`{f.name}`" in md
        for v in f.vocabulary:
            assert f"`{v}`" in md
    assert f"Codebook v{cb.version}" in md


def test_json_is_complete() -> None:
    data = json.loads(codebook.to_json())
    assert [f["name"] for f in data["fields"]] == codebook.default().names
    occ = next(f for f in data["fields"] if f["name"] == "occupations")
    assert occ["multi"] is True and occ["kind"] == "isco"
