"""The codebook: the machine-readable definition of a partnership record.

Owns loading ``data/codebook.toml`` into :class:`Field` and :class:`Codebook`
objects, header matching (labels and aliases), and rendering the codebook as
Markdown or JSON (the generated ``docs/codebook.md``). Every other part of
SMP Atlas reads fields from here; nothing here touches files other than the
codebook itself, databases or user input.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from smpatlas.errors import ConfigError

Kind = Literal[
    "text", "slug", "enum", "set", "countries", "isco", "bool", "tristate",
    "int", "number", "date", "actors", "sources", "outcomes",
]
KINDS: frozenset[str] = frozenset(Kind.__args__)  # type: ignore[attr-defined]
#: Kinds whose value is a set of strings.
SET_KINDS = frozenset({"set", "countries", "isco"})
#: Kinds whose value is a list of objects.
NESTED_KINDS = frozenset({"actors", "sources", "outcomes"})
MULTI_KINDS = SET_KINDS | NESTED_KINDS
UNSPECIFIED = "unspecified"

_FOLD = re.compile(r"[^a-z0-9]+")


def fold_header(text: str) -> str:
    """Fold a header for matching: lower case, runs of punctuation → ``_``."""
    return _FOLD.sub("_", text.strip().lower()).strip("_")


@dataclass(frozen=True)
class Field:
    """One field of a partnership record."""

    name: str
    kind: Kind
    section: str
    label: str
    description: str
    aliases: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    exclusive: tuple[str, ...] = ()
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None

    @property
    def multi(self) -> bool:
        """True when the value is a set or a list."""
        return self.kind in MULTI_KINDS

    @property
    def nested(self) -> bool:
        return self.kind in NESTED_KINDS

    @property
    def enumerated(self) -> bool:
        """True when values come from a closed vocabulary (facets, dropdowns)."""
        return self.kind in ("enum", "set", "bool", "tristate")

    def values(self) -> tuple[str, ...]:
        """The closed list of values, for enumerated kinds."""
        if self.kind == "bool":
            return ("true", "false")
        if self.kind == "tristate":
            return ("true", "false", UNSPECIFIED)
        return self.vocabulary

    def type_text(self) -> str:
        """The type as people read it in docs."""
        return {
            "text": "text",
            "slug": "slug (a-z, 0-9, -)",
            "enum": "one of the vocabulary",
            "set": "set of vocabulary values",
            "countries": "set of ISO 3166-1 alpha-3 codes",
            "isco": "set of ISCO-08 codes (1–4 digits)",
            "bool": "yes / no",
            "tristate": "yes / no / unspecified",
            "int": "whole number",
            "number": "number",
            "date": "date (YYYY-MM-DD)",
            "actors": "list of {name, role, country}",
            "sources": "list of {title, url, accessed}",
            "outcomes": "list of {period, indicator, value, source}",
        }[self.kind]


@dataclass(frozen=True)
class Nested:
    """The parts of one item of a list-of-objects field."""

    parts: tuple[str, ...]
    required: tuple[str, ...]
    vocabulary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_length: dict[str, int] = field(default_factory=dict)  # text parts' bounds, in characters


@dataclass(frozen=True)
class Codebook:
    """Every field, in order, with lookups by name and by header."""

    version: str
    fields: tuple[Field, ...]
    sections: dict[str, str]
    nested: dict[str, Nested]
    regions: dict[str, str]
    country_aliases: dict[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        headers: dict[str, str] = {}
        for f in self.fields:
            for text in (f.name, f.label, *f.aliases):
                key = fold_header(text)
                other = headers.get(key)
                if other is not None and other != f.name:
                    raise ConfigError(
                        f"Codebook: header {text!r} is claimed by both {other!r} and {f.name!r}."
                    )
                headers[key] = f.name
        object.__setattr__(self, "_headers", headers)

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]  # type: ignore[attr-defined,no-any-return]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name  # type: ignore[attr-defined]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.fields)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field_for_header(self, header: str) -> str | None:
        """The field a spreadsheet header names, or None."""
        return self._headers.get(fold_header(header))  # type: ignore[attr-defined,no-any-return]

    def known_headers(self) -> list[str]:
        return sorted(self._headers)  # type: ignore[attr-defined]

    def in_section(self, section: str) -> list[Field]:
        return [f for f in self.fields if f.section == section]


def _field_from_toml(raw: dict[str, Any]) -> Field:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"Codebook field {raw.get('name')!r}: unknown kind {kind!r}.")
    return Field(
        name=raw["name"],
        kind=kind,
        section=raw["section"],
        label=raw["label"],
        description=raw["description"],
        aliases=tuple(raw.get("aliases", ())),
        vocabulary=tuple(raw.get("vocabulary", ())),
        exclusive=tuple(raw.get("exclusive", ())),
        required=bool(raw.get("required", False)),
        min=raw.get("min"),
        max=raw.get("max"),
        max_length=raw.get("max_length"),
    )


def load(path: str | Path | None = None) -> Codebook:
    """Read a codebook file (the shipped one by default)."""
    if path is None:
        text = resources.files("smpatlas").joinpath("data/codebook.toml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Codebook {path or 'data/codebook.toml'} is not valid TOML: {exc}") from exc
    fields = tuple(_field_from_toml(f) for f in raw["fields"])
    for f in fields:
        if f.section not in raw["sections"]:
            raise ConfigError(f"Codebook field {f.name!r}: unknown section {f.section!r}.")
        if f.kind in ("enum", "set") and not f.vocabulary:
            raise ConfigError(f"Codebook field {f.name!r}: an {f.kind} needs a vocabulary.")
    nested = {
        name: Nested(
            parts=tuple(spec["parts"]),
            required=tuple(spec.get("required", ())),
            vocabulary={k: tuple(v) for k, v in spec.get("vocabulary", {}).items()},
            max_length={k: int(v) for k, v in spec.get("max_length", {}).items()},
        )
        for name, spec in raw.get("nested", {}).items()
    }
    for name, spec in nested.items():
        for part in [*spec.vocabulary, *spec.max_length]:
            if part not in spec.parts:
                raise ConfigError(f"Codebook nested {name!r}: {part!r} is not one of its parts.")
    return Codebook(
        version=str(raw["version"]),
        fields=fields,
        sections=dict(raw["sections"]),
        nested=nested,
        regions=dict(raw.get("regions", {})),
        country_aliases=dict(raw.get("country_aliases", {})),
    )


@cache
def default() -> Codebook:
    """The shipped codebook, loaded once."""
    return load()


def to_json(cb: Codebook | None = None) -> str:
    cb = cb or default()
    out = {
        "version": cb.version,
        "sections": cb.sections,
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "multi": f.multi,
                "required": f.required,
                "section": f.section,
                "vocabulary": list(f.values()),
                "exclusive": list(f.exclusive),
                "min": f.min,
                "max": f.max,
                "max_length": f.max_length,
                "aliases": list(f.aliases),
                "description": f.description,
                **(
                    {"parts": list(cb.nested[f.kind].parts),
                     "part_vocabulary": {k: list(v) for k, v in cb.nested[f.kind].vocabulary.items()},
                     "part_max_length": dict(cb.nested[f.kind].max_length)}
                    if f.nested else {}
                ),
            }
            for f in cb.fields
        ],
        "regions": cb.regions,
        "country_aliases": cb.country_aliases,
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(cb: Codebook | None = None) -> str:
    """The codebook as a Markdown page (``docs/codebook.md`` is this output)."""
    cb = cb or default()
    out = [
        f"# Codebook v{cb.version}",
        "",
        "<!-- Generated by `smpatlas codebook --format markdown` from "
        "src/smpatlas/data/codebook.toml. Do not edit by hand: CI fails when it is stale. -->",
        "",
        "How one skills mobility partnership is coded. A missing value and `unspecified` "
        "are different things: missing = not yet coded; `unspecified` = the coder looked "
        "and the sources do not say. Multi-valued fields are sets (order irrelevant, no "
        "duplicates); in spreadsheets their values are separated by `;`, `,` or a line break (Alt+Enter).",
        "",
        "Countries are ISO 3166-1 alpha-3 codes; names and alpha-2 codes are accepted on "
        "input and stored as alpha-3. Kosovo is `XKX`. Also accepted: "
        + ", ".join(f"`{k}` → `{v}`" for k, v in cb.country_aliases.items())
        + ". Regions, only where a partnership really is multilateral: "
        + ", ".join(f"`{k}` ({v})" for k, v in cb.regions.items())
        + ".",
        "",
    ]
    for key, title in cb.sections.items():
        fields = cb.in_section(key)
        if not fields:
            continue
        out += [f"## {title}", "", "| field | header | type | required | values | notes |", "|---|---|---|---|---|---|"]
        for f in fields:
            values = ", ".join(f"`{v}`" for v in f.values()) if f.kind in ("enum", "set") else ""
            if f.exclusive:
                values += " (" + ", ".join(f"`{v}`" for v in f.exclusive) + " alone)"
            bounds = []
            if f.min is not None:
                bounds.append(f"≥ {f.min:g}")
            if f.max is not None:
                bounds.append(f"≤ {f.max:g}")
            type_text = f.type_text() + (f" ({', '.join(bounds)})" if bounds else "")
            out.append(
                f"| `{f.name}` | {_md_escape(f.label)} | {type_text} | {'yes' if f.required else ''} "
                f"| {values} | {_md_escape(f.description)} |"
            )
        out.append("")
    out += ["## Nested items", ""]
    for name, spec in cb.nested.items():
        out.append(f"- **{name}**: parts " + ", ".join(f"`{p}`" for p in spec.parts)
                   + ("; required: " + ", ".join(f"`{p}`" for p in spec.required) if spec.required else ""))
        for part, vocab in spec.vocabulary.items():
            out.append(f"  - `{part}` ∈ " + ", ".join(f"`{v}`" for v in vocab))
        for part, limit in spec.max_length.items():
            out.append(f"  - `{part}`: at most {limit:,} characters")
    out += [
        "",
        "### Spreadsheet cell syntax for nested fields",
        "",
        "One item per line (Alt+Enter in Excel); within an item, parts separated by `|` in the "
        "order above. Trailing parts may be left out. A source may be just a URL, or "
        "`Title | URL`, or `Title | URL | 2026-11-27`; links are `http://` or `https://` addresses, and a line of "
        "links separated by `;` is one source per link. An actor: `GIZ | development_agency | DEU`. "
        "An outcome: `2014-10 | employed_at_destination | 27 | DOLE press release`. "
        "A literal `|` is written `\\|`, a line break inside a part `\\n`, a backslash `\\\\`. "
        "JSON text (a list of objects) in the cell is accepted too.",
        "",
        "### Header aliases",
        "",
        "Spreadsheet headers are matched case-insensitively with spaces and punctuation folded; "
        "each field also accepts these headers:",
        "",
    ]
    for f in cb.fields:
        if f.aliases:
            out.append(f"- `{f.name}`: " + ", ".join(f"\"{a}\"" for a in f.aliases))
    out += [
        "",
        "## Derived, never stored",
        "",
        "- `health_worker_recruitment`: true when sectors include `health_care` or occupations fall "
        "in ISCO 221x/222x/226x/321x/322x/532x; combined with the WHO Health Workforce Support and "
        "Safeguards List (a later release) to flag active recruitment of health workers from a listed "
        "country without a government-to-government agreement.",
        "",
    ]
    return "\n".join(out)
