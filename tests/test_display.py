"""What a recommendation would gain, in the words the CLI, the web pages and the profiles share."""

from __future__ import annotations

from typing import Any

import pytest

from smpatlas.display import gain

REC = {"gain": 16.7, "total_gain": 40.0, "weight": 4.0, "party": "migrants"}


@pytest.mark.parametrize(("rec", "ranked_by", "party", "said"), [
    (REC, "gain", None, "+16.7"),
    (REC, "gain", "migrants", "+16.7 for the weakest party, migrants"),
    # Was "+0.0" in the CLI and the profiles: it raises only the other parties.
    ({**REC, "gain": 0.0, "total_gain": 75.0}, "gain", None,
     "no gain for the weakest party; +75.0 across all parties"),
    ({**REC, "gain": 0.0, "total_gain": 75.0}, "gain", "country of destination",
     "no gain for the weakest party (country of destination); +75.0 across all parties"),
    ({**REC, "gain": 0.04}, "gain", None, "no gain for the weakest party; +40.0 across all parties"),  # shows as 0.0
    # No party has a score: the benefit weight at stake, never a gain (was "+0.0" in the profiles).
    ({**REC, "gain": 0.0, "total_gain": 0.0, "weight": 3.5}, "benefit_weight", None, "benefit weight 3.5"),
])
def test_a_gain_is_said_in_words(rec: dict[str, Any], ranked_by: str, party: str | None, said: str) -> None:
    assert gain(rec, ranked_by, party) == said
