"""ISCO-08: the occupation classification, its skill levels and the ESCO occupation titles.

Owns loading the shipped ISCO-08 structure (619 groups at 1–4 digits), the ILO
skill level of each major and sub-major group (mapped to the codebook's
high/middle/low), ESCO occupation titles mapped to ISCO-08 unit groups, title
search, and deriving skill levels from occupations. Data files and their
provenance: ``smpatlas/data/reference/`` (PROVENANCE.md). Knows nothing of
records, databases or the CLI.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: ILO skill levels 1–4 → the codebook's skill levels (PROVENANCE.md: 3 and 4 high, 2 middle, 1 low).
SKILL_LEVEL_NAMES = {1: "low", 2: "middle", 3: "high", 4: "high"}


@dataclass(frozen=True)
class Group:
    code: str
    level: int
    title: str
    parent: str | None


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("smpatlas").joinpath(f"data/reference/{name}").read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def groups() -> dict[str, Group]:
    """Every ISCO-08 group by code ('0' … '9629')."""
    return {r["code"]: Group(r["code"], int(r["level"]), r["title"], r["parent"] or None)
            for r in _read("isco08_structure.csv")}


@cache
def _skill_levels() -> dict[str, int]:
    return {r["code"]: int(r["skill_level"]) for r in _read("isco08_skill_levels.csv") if r["skill_level"]}


@cache
def esco_titles() -> dict[str, tuple[str, str, str]]:
    """Folded ESCO title (preferred or alternative) → (ISCO-08 code, preferred label, ESCO URI).

    A title shared by occupations in different unit groups is left out (ambiguous).
    """
    seen: dict[str, set[str]] = {}
    out: dict[str, tuple[str, str, str]] = {}
    for r in _read("esco_occupations_isco08.csv"):
        labels = [r["preferred_label"], *[a for a in r["alt_labels"].split("|") if a]]
        for label in labels:
            key = fold(label)
            seen.setdefault(key, set()).add(r["isco08_code"])
            out.setdefault(key, (r["isco08_code"], r["preferred_label"], r["esco_uri"]))
    return {k: v for k, v in out.items() if len(seen[k]) == 1}


def fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def exists(code: str) -> bool:
    return code in groups()


def title(code: str) -> str | None:
    g = groups().get(code)
    return g.title if g else None


def label(code: str) -> str:
    """``'2221 Nursing professionals'`` (or the code alone when unknown)."""
    t = title(code)
    return f"{code} {t}" if t else code


def skill_level(code: str) -> int | None:
    """The ILO skill level (1–4) of a group: its sub-major group's, else its major group's."""
    levels = _skill_levels()
    if len(code) >= 2 and code[:2] in levels:
        return levels[code[:2]]
    return levels.get(code[:1])


def skill_level_name(code: str) -> str | None:
    lvl = skill_level(code)
    return SKILL_LEVEL_NAMES.get(lvl) if lvl else None


def derived_skill_levels(codes: list[str]) -> list[str]:
    """The codebook skill levels implied by ISCO codes, in vocabulary order."""
    names = {n for c in codes if (n := skill_level_name(c))}
    return [v for v in ("high", "middle", "low") if v in names]


def suggest(code: str) -> str | None:
    """A nearby valid code for a code that does not exist (same parent), for hints."""
    g = groups()
    for cut in range(len(code) - 1, 0, -1):
        parent = code[:cut]
        if parent in g:
            return label(parent)
    return None


@dataclass(frozen=True)
class Match:
    code: str
    title: str
    level: int
    via: str  # "isco" or "esco: <preferred label>"


def search(query: str, limit: int = 20) -> list[Match]:
    """ISCO-08 groups whose title (or an ESCO occupation title mapped to them) has every word as a word start;
    whole-word matches rank first, then ISCO titles before ESCO titles, broader groups before narrower."""
    words = fold(query).split()
    if not words:
        return []
    starts = [re.compile(rf"\b{re.escape(w)}") for w in words]
    wholes = [re.compile(rf"\b{re.escape(w)}s?\b") for w in words]
    found: dict[str, tuple[int, Match]] = {}

    def consider(text: str, match: Match) -> None:
        if all(p.search(text) for p in starts):
            score = sum(1 for p in wholes if p.search(text))
            if match.code not in found or score > found[match.code][0]:
                found[match.code] = (score, match)

    for g in groups().values():
        consider(fold(g.title), Match(g.code, g.title, g.level, "isco"))
    for key, (code, preferred, _uri) in esco_titles().items():
        if code not in found or found[code][1].via != "isco":
            consider(key, Match(code, title(code) or "", 4, f"esco: {preferred}"))
    ranked = sorted(found.values(), key=lambda sm: (-sm[0], sm[1].via != "isco", sm[1].level, sm[1].code))
    return [m for _, m in ranked[:limit]]


@cache
def _isco_titles() -> dict[str, str]:
    counts: dict[str, list[str]] = {}
    for g in groups().values():
        counts.setdefault(fold(g.title), []).append(g.code)
    return {t: codes[0] for t, codes in counts.items() if len(codes) == 1}


def from_title(text: str) -> tuple[str, str] | None:
    """An ISCO-08 group title or an ESCO occupation title → (ISCO-08 code, how it was mapped), or None."""
    key = fold(text)
    if key in _isco_titles():
        code = _isco_titles()[key]
        return code, f"ISCO-08 title '{text.strip()}' → {code}"
    hit = esco_titles().get(key)
    if hit is None:
        return None
    code, preferred, uri = hit
    return code, f"ESCO '{preferred}' ({uri}) → ISCO-08 {label(code)}"
