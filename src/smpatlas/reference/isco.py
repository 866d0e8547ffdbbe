"""ISCO-08: the occupation classification, its skill levels and the ESCO occupation titles.

Owns loading the shipped ISCO-08 structure (619 groups at 1–4 digits), the ILO
skill level of each major and sub-major group (mapped to the codebook's
high/middle/low), ESCO occupation titles mapped to ISCO-08 unit groups, title
search (words matched by a light stem, so "nurse" finds "Nursing professionals";
ISCO-08 titles ranked before ESCO labels and loose word-start matches last),
and deriving skill levels from occupations. Data files and their
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
    via: str  # "isco", or "esco: <label>" (with the preferred label when an alternative label matched)


#: Words that say nothing about the occupation; they do not count when judging how closely a title matches.
_FILLER = frozenset({"a", "an", "and", "for", "in", "not", "of", "or", "other", "the", "to", "with", "elsewhere",
                     "classified", "related", "n", "e", "c"})
#: Suffixes stripped (longest first, repeatedly) to compare words: nurse, nurses, nursing → "nurs".
_SUFFIXES = ("ments", "ment", "ings", "ing", "ers", "er", "es", "ed", "s", "e")
_MIN_STEM = 4


@cache
def stem(word: str) -> str:
    """A light English stem for title search (``nurse``, ``nurses``, ``nursing`` → ``nurs``); never shorter than 4."""
    while True:
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
                word = word[: -len(suffix)]
                break
        else:
            return word


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]
    stems: tuple[str, ...]  # stem of each word
    text: str  # " word word …", for fast word-start tests
    code: str
    tier: int  # 0 ISCO-08 title, 1 ESCO preferred label, 2 ESCO alternative label
    via: str


def _entry(text: str, code: str, tier: int, via: str) -> _Entry:
    words = tuple(fold(text).split())
    if "excluding" in words:  # "Building … workers, excluding electricians" is no match for "electrician"
        words = words[: words.index("excluding")]
    return _Entry(words, tuple(stem(w) for w in words), " " + " ".join(words), code, tier, via)


@cache
def _search_index() -> tuple[_Entry, ...]:
    """Every ISCO-08 title and every ESCO label (preferred and alternative), tokenised once."""
    out = [_entry(g.title, g.code, 0, "isco") for g in groups().values()]
    for r in _read("esco_occupations_isco08.csv"):
        code, preferred = r["isco08_code"], r["preferred_label"]
        out.append(_entry(preferred, code, 1, f"esco: {preferred}"))
        out.extend(_entry(a, code, 2, f"esco: {a} (alternative label of '{preferred}')")
                   for a in r["alt_labels"].split("|") if a)
    return tuple(out)


def _score(entry: _Entry, query: list[tuple[str, str]]) -> tuple[int, float] | None:
    """(word-match strength, share of the entry's meaningful words matched), or None when a query word is missing.

    A query word matches a title word fully when their stems are equal (nurse ~ nursing), and weakly when the
    title word merely starts with it (nurse ~ nursery).
    """
    strength = 0
    for word, st in query:
        if st in entry.stems:
            strength += 2
        elif " " + word in entry.text:
            strength += 1
        else:
            return None
    matched = {i for i, (w, s) in enumerate(zip(entry.words, entry.stems, strict=True))
               if any(s == st or w.startswith(word) for word, st in query)}
    meaningful = [i for i, w in enumerate(entry.words) if w not in _FILLER] or list(range(len(entry.words)))
    return strength, sum(1 for i in meaningful if i in matched) / len(meaningful)


def search(query: str, limit: int = 20) -> list[Match]:
    """ISCO-08 groups whose title, or an ESCO occupation title mapped to them, contains every word of the query.

    Words match by stem (``nurse`` finds "Nursing professionals") or, more weakly, as the start of a word
    (``nurse`` finds "nursery"). Ranking: full word matches before weak ones; then ISCO-08 titles before ESCO
    preferred labels before ESCO alternative labels; then titles with fewer unmatched words; then broader
    groups before narrower ones. Each group appears once, with its best match.
    """
    words = fold(query).split()
    if not words:
        return []
    q = [(w, stem(w)) for w in words]
    best: dict[str, tuple[tuple[int, int, float, int, str], _Entry]] = {}
    for entry in _search_index():
        scored = _score(entry, q)
        if scored is None:
            continue
        strength, closeness = scored
        key = (-strength, entry.tier, -closeness, len(entry.code), entry.code)
        if entry.code not in best or key < best[entry.code][0]:
            best[entry.code] = (key, entry)
    ranked = sorted(best.values(), key=lambda ke: ke[0])
    return [Match(e.code, title(e.code) or "", len(e.code), e.via) for _, e in ranked[:limit]]


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
