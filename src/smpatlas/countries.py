"""Countries: turning what people type into ISO 3166-1 alpha-3 codes.

Owns the country name index (pycountry's names, official and common names,
a short list of everyday English names it lacks, the World Bank's and the UN's
statistical names such as "Taiwan, China" or "Lao PDR", the codebook's aliases
and regions; "Bahamas, The" is "Bahamas") and the lookup with clear errors for unknown or ambiguous names.
Knows nothing of records, files or databases.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache, lru_cache

import pycountry

from smpatlas.codebook import default as default_codebook
from smpatlas.problems import CellError

#: Everyday English names that pycountry's names do not contain.
EVERYDAY_NAMES: dict[str, str] = {
    "turkey": "TUR",
    "ivory coast": "CIV",
    "cape verde": "CPV",
    "swaziland": "SWZ",
    "burma": "MMR",
    "south korea": "KOR",
    "republic of korea": "KOR",
    "north korea": "PRK",
    "russia": "RUS",
    "great britain": "GBR",
    "britain": "GBR",
    "england": "GBR",
    "united states": "USA",
    "united states of america": "USA",
    "america": "USA",
    "us": "USA",
    "usa": "USA",
    "holland": "NLD",
    "the netherlands": "NLD",
    "kosovo": "XKX",
    "dr congo": "COD",
    "drc": "COD",
    "democratic republic of congo": "COD",
    "congo kinshasa": "COD",
    "congo brazzaville": "COG",
    "republic of congo": "COG",
    "east timor": "TLS",
    "the philippines": "PHL",
    "the gambia": "GMB",
    "gambia": "GMB",
    "uae": "ARE",
    "emirates": "ARE",
    "vatican": "VAT",
}
#: Names used by the World Bank (WDI) and the UN (M49) that pycountry's names do not contain. The World Bank
#: names Taiwan "Taiwan, China": one country, never China and Taiwan.
STATISTICAL_NAMES: dict[str, str] = {
    "taiwan, china": "TWN",
    "china, taiwan province of china": "TWN",
    "hong kong sar, china": "HKG",
    "china, hong kong sar": "HKG",
    "china, hong kong special administrative region": "HKG",
    "macao sar, china": "MAC",
    "china, macao sar": "MAC",
    "china, macao special administrative region": "MAC",
    "egypt, arab rep.": "EGY",
    "yemen, rep.": "YEM",
    "iran, islamic rep.": "IRN",
    "venezuela, rb": "VEN",
    "korea, rep.": "KOR",
    "korea, dem. people's rep.": "PRK",
    "congo, rep.": "COG",
    "congo, dem. rep.": "COD",
    "micronesia, fed. sts.": "FSM",
    "lao pdr": "LAO",
    "kyrgyz republic": "KGZ",
    "slovak republic": "SVK",
    "west bank and gaza": "PSE",
    "turkiye": "TUR",
    "st. kitts and nevis": "KNA",
    "st. lucia": "LCA",
    "st. vincent and the grenadines": "VCT",
    "st. martin (french part)": "MAF",
    "virgin islands (u.s.)": "VIR",
    "united states virgin islands": "VIR",
    "united kingdom of great britain and northern ireland": "GBR",
}
#: "Bahamas, The", "Gambia, The" (World Bank): the name without its trailing article.
_TRAILING_THE = re.compile(r",\s*the\s*$", re.IGNORECASE)
KOSOVO = ("XKX", "Kosovo")
#: Names people use for more than one country, although ISO gives one of them the name.
AMBIGUOUS: dict[str, tuple[str, ...]] = {"congo": ("COD", "COG"), "korea": ("KOR", "PRK")}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


@cache
def _index() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(folded name → alpha-3, alpha-2 → alpha-3, alpha-3 → display name)."""
    names: dict[str, str] = {}
    alpha2: dict[str, str] = {}
    display: dict[str, str] = {}
    for c in pycountry.countries:
        display[c.alpha_3] = getattr(c, "common_name", None) or c.name
        alpha2[c.alpha_2] = c.alpha_3
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names[_fold(value)] = c.alpha_3
                # "Korea, Republic of" → "republic of korea"
                if "," in value:
                    head, _, tail = value.partition(",")
                    names[_fold(f"{tail} {head}")] = c.alpha_3
    display[KOSOVO[0]] = KOSOVO[1]
    for table in (EVERYDAY_NAMES, STATISTICAL_NAMES):
        for name, code in table.items():
            names[_fold(name)] = code
    return names, alpha2, display


def name_of(code: str) -> str:
    """A readable name for a stored code (alpha-3 or region)."""
    cb = default_codebook()
    if code in cb.regions:
        return code
    return _index()[2].get(code, code)


def all_codes() -> dict[str, str]:
    """Every accepted stored code with its display name."""
    cb = default_codebook()
    out = dict(_index()[2])
    out.update({k: k for k in cb.regions})
    return out


#: How many distinct texts :func:`lookup` remembers (answers and errors alike).
LOOKUP_MEMORY = 4096


def lookup(text: str) -> str:
    """The alpha-3 code (or region code) for what a person typed.

    Raises :class:`CellError` with a hint when the text is unknown or ambiguous. Answers and errors
    for the last :data:`LOOKUP_MEMORY` distinct texts are remembered: a file that repeats an unknown
    name pays for its "did you mean" search once, and text from uploads cannot grow memory without bound.
    """
    found = _lookup(text)
    if isinstance(found, CellError):
        raise CellError(found.message, hint=found.hint, code=found.code)
    return found


@lru_cache(maxsize=LOOKUP_MEMORY)
def _lookup(text: str) -> str | CellError:
    try:
        return _find(text)
    except CellError as exc:
        return exc


def _find(text: str) -> str:
    cb = default_codebook()
    raw = _TRAILING_THE.sub("", text.strip()) or text.strip()
    upper = raw.upper()
    if upper in cb.regions:
        return upper
    if upper in cb.country_aliases:
        return cb.country_aliases[upper]
    names, alpha2, display = _index()
    if len(raw) == 3 and raw.isalpha() and upper in display:
        return upper
    if len(raw) == 2 and raw.isalpha() and upper in alpha2:
        return alpha2[upper]
    folded = _fold(raw)
    if folded in AMBIGUOUS:
        options = ", ".join(f"{c} ({display.get(c, c)})" for c in AMBIGUOUS[folded])
        raise CellError("ambiguous country name", hint=f"use an ISO alpha-3 code: {options}", code="ambiguous_country")
    if folded in names:
        return names[folded]
    if len(folded) >= 3:
        pattern = re.compile(rf"\b{re.escape(folded)}\b")
        hits = sorted({code for name, code in names.items() if pattern.search(name)})
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            options = ", ".join(f"{c} ({display.get(c, c)})" for c in hits[:6])
            raise CellError(
                f"ambiguous country name: it matches {len(hits)} countries",
                hint=f"use an ISO alpha-3 code: {options}",
                code="ambiguous_country",
            )
    close = difflib.get_close_matches(folded, list(names), n=1, cutoff=0.75)
    hint = (
        f"did you mean {display.get(names[close[0]], names[close[0]])!r} ({names[close[0]]})?"
        if close
        else "use an ISO 3166-1 alpha-3 code such as DEU, PHL or MAR"
    )
    raise CellError("unknown country", hint=hint, code="unknown_country")
