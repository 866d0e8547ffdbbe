"""Draft benchmarking: the similarity measure and percentiles."""

from __future__ import annotations

import pytest

from smpatlas.analysis.similarity import MIN_SHARED, most_similar, percentile, similarity


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ({"sectors": ["ict"], "status": "ongoing", "skill_levels": ["high"]},
         {"sectors": ["ict"], "status": "ongoing", "skill_levels": ["high"]}, (1.0, 3)),
        ({"sectors": ["ict", "health_care"], "status": "ongoing", "skill_levels": ["high"]},
         {"sectors": ["ict"], "status": "planned", "skill_levels": ["high"], "tracks": ["home"]}, ((0.5 + 0 + 1) / 3, 3)),
        ({"sectors": ["ict"]}, {"status": "ongoing"}, (0.0, 0)),  # nothing coded in both
    ],
)
def test_similarity(a: dict, b: dict, expected: tuple[float, int]) -> None:  # type: ignore[type-arg]
    sim, shared = similarity(a, b)
    assert sim == pytest.approx(expected[0]) and shared == expected[1]


def test_most_similar_needs_enough_shared_fields() -> None:
    draft = {"sectors": ["ict"], "status": "ongoing", "skill_levels": ["high"]}
    records = [{"id": "a", "name": "A", **draft}, {"id": "b", "name": "B", "sectors": ["ict"]}]
    got = most_similar(draft, records)
    assert [n.id for n in got] == ["a"] and got[0].shared_fields >= MIN_SHARED


@pytest.mark.parametrize(("value", "population", "expected"),
                         [(2.0, [1.0, 2.0, 3.0, 4.0], 50.0), (0.0, [1.0, 2.0], 0.0), (None, [1.0], None),
                          (4.0, [], None)])
def test_percentile(value: float | None, population: list[float], expected: float | None) -> None:
    assert percentile(value, population) == expected


@pytest.mark.parametrize("draft_id", ["a", None, "draft"])
def test_a_partnership_sharing_the_drafts_id_is_still_compared(draft_id: str | None) -> None:
    """A draft is never an inventory record: only the draft object itself is left out, never by id."""
    design = {"sectors": ["ict"], "status": "ongoing", "skill_levels": ["high"]}
    draft = {"id": draft_id, "name": "Draft", **design}
    records = [{"id": "a", "name": "A", **design}, {"id": "b", "name": "B", **design, "status": "planned"}]
    assert [n.id for n in most_similar(draft, records)] == ["a", "b"]
    assert [n.id for n in most_similar(draft, [draft, *records])] == ["a", "b"]  # the draft object itself
