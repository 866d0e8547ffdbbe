"""Generate realistic synthetic inventories of skills mobility partnerships.

    python benchmarks/generate.py --n 100000 --out benchmarks/data/inv100k.csv
    python benchmarks/generate.py --n 20000 --out benchmarks/data/inv20k.xlsx --seed 7
    python benchmarks/generate.py --n 1000 --out benchmarks/data/inv1k.jsonl --format jsonl

Records are generated in *canonical* form (what ``smpatlas.record.normalise``
returns: sets in vocabulary order, countries and ISCO codes sorted, nested
items as dicts) and written with :mod:`smpatlas.io.exporter`, so CSV and XLSX
cells use the product's own cell syntax (``; `` between set values, one
nested item per line with ``|`` between parts, formula-like text neutralised).

Distributions are modelled on the bundled sample inventory
(``src/smpatlas/data/inventory/partnerships.jsonl``, 28 records): origins and
destinations drawn from the countries it uses (DEU-heavy destinations,
MAR/TUN/VNM/PHL-heavy origins), 1–3 origins, 1–2 destinations, 1–3 sectors,
ISCO-08 codes of 2–4 digits that fit the sectors (skill levels derived from
their major group, as the codebook says), 1–3 actors, 1–3 sources, 0–2
outcomes, names of 24–165 characters (median ≈ 83), notes of ≈ 50–260
characters (median ≈ 160; the sample: 129–171), ~22 of 49 fields missing per
record on average, and ``unspecified`` in about three records of four.

The output is deterministic for a given ``--seed`` and ``--n`` (a prefix of a
larger run equals the smaller run: record ``i`` depends only on seed and i).
Other benchmarks import :func:`generate`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from smpatlas.codebook import default as default_codebook
from smpatlas.io import exporter

# --- vocabularies drawn from the sample inventory ----------------------------

#: alpha-3 → (alpha-2 for ids, English name, demonym-ish adjective for names)
COUNTRIES: dict[str, tuple[str, str, str]] = {
    "MAR": ("ma", "Morocco", "Moroccan"), "TUN": ("tn", "Tunisia", "Tunisian"),
    "VNM": ("vn", "Viet Nam", "Vietnamese"), "PHL": ("ph", "the Philippines", "Filipino"),
    "IND": ("in", "India", "Indian"), "NGA": ("ng", "Nigeria", "Nigerian"), "EGY": ("eg", "Egypt", "Egyptian"),
    "XKX": ("xk", "Kosovo", "Kosovar"), "JOR": ("jo", "Jordan", "Jordanian"),
    "IDN": ("id", "Indonesia", "Indonesian"), "SEN": ("sn", "Senegal", "Senegalese"), "FJI": ("fj", "Fiji", "Fijian"),
    "WSM": ("ws", "Samoa", "Samoan"), "VUT": ("vu", "Vanuatu", "Ni-Vanuatu"),
    "PNG": ("pg", "Papua New Guinea", "Papua New Guinean"), "TLS": ("tl", "Timor-Leste", "Timorese"),
    "ALB": ("al", "Albania", "Albanian"), "BIH": ("ba", "Bosnia and Herzegovina", "Bosnian"),
    "MKD": ("mk", "North Macedonia", "Macedonian"), "SRB": ("rs", "Serbia", "Serbian"),
    "BRA": ("br", "Brazil", "Brazilian"), "ECU": ("ec", "Ecuador", "Ecuadorian"), "GHA": ("gh", "Ghana", "Ghanaian"),
    "KEN": ("ke", "Kenya", "Kenyan"), "BGD": ("bd", "Bangladesh", "Bangladeshi"), "PAK": ("pk", "Pakistan", "Pakistani"),
    "NPL": ("np", "Nepal", "Nepalese"), "GEO": ("ge", "Georgia", "Georgian"), "MDA": ("md", "Moldova", "Moldovan"),
    "UKR": ("ua", "Ukraine", "Ukrainian"), "COL": ("co", "Colombia", "Colombian"),
    "MEX": ("mx", "Mexico", "Mexican"), "ETH": ("et", "Ethiopia", "Ethiopian"),
    "DEU": ("de", "Germany", "German"), "BEL": ("be", "Belgium", "Belgian"), "ESP": ("es", "Spain", "Spanish"),
    "ITA": ("it", "Italy", "Italian"), "AUT": ("at", "Austria", "Austrian"), "LTU": ("lt", "Lithuania", "Lithuanian"),
    "LUX": ("lu", "Luxembourg", "Luxembourgish"), "NLD": ("nl", "the Netherlands", "Dutch"),
    "FRA": ("fr", "France", "French"), "AUS": ("au", "Australia", "Australian"),
    "NZL": ("nz", "New Zealand", "New Zealand"), "JPN": ("jp", "Japan", "Japanese"),
    "CAN": ("ca", "Canada", "Canadian"), "POL": ("pl", "Poland", "Polish"), "PRT": ("pt", "Portugal", "Portuguese"),
    "SWE": ("se", "Sweden", "Swedish"), "FIN": ("fi", "Finland", "Finnish"), "IRL": ("ie", "Ireland", "Irish"),
    "GBR": ("gb", "the United Kingdom", "British"), "KOR": ("kr", "the Republic of Korea", "Korean"),
}
#: weights: the sample's frequencies plus a tail, so filters select realistic shares
ORIGINS: dict[str, int] = {
    "MAR": 9, "TUN": 5, "VNM": 4, "PHL": 4, "IND": 4, "NGA": 3, "EGY": 2, "XKX": 2, "JOR": 2, "IDN": 2,
    "SEN": 2, "FJI": 1, "WSM": 1, "VUT": 1, "PNG": 1, "TLS": 1, "ALB": 1, "BIH": 1, "MKD": 1, "SRB": 1,
    "BRA": 1, "ECU": 1, "GHA": 2, "KEN": 2, "BGD": 1, "PAK": 1, "NPL": 1, "GEO": 1, "MDA": 1, "UKR": 1,
    "COL": 1, "MEX": 1, "ETH": 1,
}
DESTINATIONS: dict[str, int] = {
    "DEU": 14, "BEL": 5, "ESP": 3, "ITA": 2, "AUT": 2, "LTU": 1, "LUX": 1, "NLD": 2, "FRA": 2,
    "AUS": 1, "NZL": 1, "JPN": 1, "CAN": 1, "POL": 1, "PRT": 1, "SWE": 1, "FIN": 1, "IRL": 1, "GBR": 1, "KOR": 1,
}
PARTNERSHIP_TYPES = {"pilot_project": 11, "bilateral_labour_agreement": 9, "skills_mobility_partnership": 4,
                     "other": 2, "talent_partnership": 2, "global_skill_partnership": 1}

#: sector → plausible ISCO-08 codes (2–4 digits) and words for names
SECTORS: dict[str, tuple[list[str], str]] = {
    "health_care": (["2221", "3221", "5321", "222", "2212", "32", "5322"], "Nurses and Care Workers"),
    "ict": (["25", "251", "2512", "2513", "2514", "3512", "2523"], "ICT Specialists"),
    "construction": (["7112", "711", "7126", "7411", "7115", "93"], "Construction Workers"),
    "manufacturing": (["72", "7233", "8211", "7212", "7223", "8189"], "Skilled Industrial Workers"),
    "hospitality_tourism": (["5120", "512", "9412", "5131", "4224"], "Hospitality Staff"),
    "agriculture": (["92", "9211", "6111", "6121", "8341"], "Seasonal Agricultural Workers"),
    "transport_logistics": (["8332", "833", "8322", "4321", "9333"], "Professional Drivers"),
    "energy_green": (["7411", "7127", "3113", "2151", "7413"], "Green Transition Technicians"),
    "engineering": (["214", "2144", "3115", "2142", "2149"], "Engineers"),
    "education": (["23", "2341", "2330", "5311"], "Teachers and Educators"),
    "other": (["3343", "4110", "9629"], "Skilled Workers"),
}
SECTOR_WEIGHTS = {"health_care": 9, "ict": 7, "construction": 6, "hospitality_tourism": 6, "manufacturing": 4,
                  "engineering": 3, "energy_green": 2, "agriculture": 2, "transport_logistics": 2,
                  "education": 1, "other": 1}

PROGRAMMES = ["Triple Win", "THAMM", "PALIM", "MATCH", "Digital Explorers", "MENTOR", "Hand in Hand for International "
              "Talents", "Make It in", "Move Green", "Youth Mobility", "Skills Bridge", "Talent Partnership",
              "Fair Recruitment", "Global Skills", "Circular Mobility", "Pathways", "Work and Learn", "Boost",
              "Skills4Jobs", "TalentLink", "Career Compass"]
NAME_TEMPLATES = [
    "{prog} – Recruitment of {adj} {sector_words} for {dest}",
    "{prog} Programme – {origin} (agreement between the {dest_adj} Federal Employment Agency and the {adj} "
    "Ministry of Labour)",
    "Pilot Project Addressing Labour Shortages Through Innovative Labour Migration Models – {origin}",
    "Memorandum of Understanding between {origin} and {dest} on {sector_words_lower}",
    "{prog}: {sector_words} from {origin} to {dest}",
    "Towards a Holistic Approach to Labour Migration Governance and Labour Mobility – {prog}",
    "{prog} Partnership – {origin}",
    "Agreement Concerning the Placement of {adj} {sector_words} in Employment Positions in {dest}",
    "{dest_adj}–{adj} Skills Mobility Partnership in {sector_words_lower}",
]
ACTOR_TEMPLATES: list[tuple[str, str, str]] = [  # (name template, role, which country: o/d/-)
    ("Federal Employment Agency – International Placement Services (BA/ZAV)", "public_employment_service", "DEU"),
    ("Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)", "development_agency", "DEU"),
    ("Enabel – Belgian development agency", "development_agency", "BEL"),
    ("International Organization for Migration (IOM)", "international_organisation", "-"),
    ("International Labour Organization (ILO)", "international_organisation", "-"),
    ("Ministry of Labour and Social Affairs of {dname}", "government", "d"),
    ("Ministry of Labour and Employment of {oname}", "government", "o"),
    ("National Agency for the Promotion of Employment and Skills ({oname})", "public_employment_service", "o"),
    ("Chamber of Commerce and Industry of {dname}", "employer_association", "d"),
    ("University Hospital {city}", "employer", "d"),
    ("{city} Technical and Vocational Training Institute", "training_provider", "o"),
    ("Goethe-Institut {city}", "training_provider", "o"),
    ("National University of {oname}", "university", "o"),
    ("Confederation of Trade Unions of {dname}", "trade_union", "d"),
    ("Caritas {city}", "ngo", "d"),
    ("Association of {dadj} Employers in {sector_words}", "employer_association", "d"),
    ("Migration Partnership Facility", "other", "-"),
]
CITIES = ["Tübingen", "Munich", "Hanoi", "Manila", "Rabat", "Tunis", "Casablanca", "Vienna", "Brussels", "Antwerp",
          "Madrid", "Huelva", "Milan", "Vilnius", "Lagos", "Accra", "Jakarta", "Kochi", "Amman", "Pristina",
          "Dakar", "Suva", "Cairo", "Nairobi", "Kathmandu", "Tbilisi", "Bogotá", "Lisbon", "Helsinki", "Osaka"]
SOURCE_SITES = [
    ("GIZ project description", "https://www.giz.de/en/worldwide/{n}.html"),
    ("Federal Employment Agency", "https://www.arbeitsagentur.de/vor-ort/zav/projects-programs/{slug}"),
    ("Migration Partnership Facility project page", "https://www.migrationpartnershipfacility.eu/{slug}"),
    ("CGD Legal Pathways database", "https://gsp.cgdev.org/legalpathway/{slug}/"),
    ("IOM press release", "https://www.iom.int/news/{slug}"),
    ("Enabel project page", "https://www.enabel.be/projects/{slug}-{n}"),
    ("European Commission, Migration and Home Affairs", "https://home-affairs.ec.europa.eu/{slug}_en"),
    ("The Hindu", "https://www.thehindu.com/news/national/{slug}/article{n}.ece"),
    ("DOLE press release", "https://www.dole.gov.ph/news/{slug}/"),
]
NOTE_PHRASES = [
    "Agreement signed {month} {year}; language and vocational courses before departure",
    "'free coaching up to B-1 level' before departure; qualifications recognised within 12 months",
    "EUR {budget} ({share}% AMIF); about half of participants guided to jobs at home",
    "'minimum share of 30% female beneficiaries'; remote options added during COVID",
    "Planned {planned} (CGD) vs {planned2} (IOM); runtime {year}–{end}",
    "Design details beyond the project page not read",
    "Recognition 'not required' except for regulated professions; quota {planned} per year",
    "Second phase focused on an all-female cohort (CGD); returnees get 'support and counselling'",
    "Co-financed by the EU Trust Fund; pilots dual-track vocational training in {dest}",
    "Employers pay placement fees; workers pay no recruitment fees (ILO principles cited)",
]
SUMMARY_SENTENCES = [
    "The partnership recruits {sector_words_lower} from {origin} for employers in {dest}.",
    "Participants receive language training and vocational preparation before departure.",
    "Training is delivered jointly with local institutions so that part of each cohort stays at home.",
    "The scheme builds the capacity of the public employment service of {origin}.",
    "Qualifications are recognised through the standard procedure after arrival.",
    "Returnees are supported with career guidance and job placement.",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
CODERS = ["Anna Schmidt", "Youssef El Amrani", "Maria Santos", "Lê Thị Hoa", "J. Okafor", "research assistant 3"]
OUTCOME_INDICATORS = ["recruited", "trained", "departed", "employed_at_destination", "certified", "recognised",
                      "returned", "reintegrated_employed", "dropped_out", "remote_placements"]


def _weighted(rng: random.Random, table: dict[str, int], k: int) -> list[str]:
    """k distinct keys drawn by weight."""
    keys, weights = list(table), list(table.values())
    out: list[str] = []
    while len(out) < k:
        pick = rng.choices(keys, weights)[0]
        if pick not in out:
            out.append(pick)
    return out


def _pick_set(rng: random.Random, name: str, lo: int, hi: int, *, p_unspecified: float = 0.0,
              p_none: float = 0.0, exclude: tuple[str, ...] = ()) -> list[str]:
    """A canonical set value (vocabulary order); ``unspecified``/``none`` alone when drawn."""
    f = default_codebook()[name]
    if p_unspecified and rng.random() < p_unspecified:
        return ["unspecified"]
    if p_none and rng.random() < p_none:
        return ["none"]
    choices = [v for v in f.vocabulary if v not in f.exclusive and v not in exclude]
    chosen = set(rng.sample(choices, rng.randint(lo, min(hi, len(choices)))))
    return [v for v in f.vocabulary if v in chosen]


def _skill_level(code: str) -> str:
    major = int(code[0])
    return "high" if major in (1, 2, 3) else "low" if major == 9 else "middle"


def _fill(template: str, ctx: dict[str, str]) -> str:
    return template.format(**ctx)


def _slug_words(text: str, rng: random.Random, k: int = 3) -> str:
    words = [w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split() if w.isascii()]
    words = [w for w in words if len(w) > 2 and w not in ("the", "and", "for", "from", "between")] or ["partnership"]
    start = rng.randrange(max(1, len(words) - k + 1))
    return "-".join(words[start : start + k])


def record(i: int, seed: int = 42) -> dict[str, Any]:
    """Record number ``i`` (0-based) of the inventory generated with ``seed``; canonical form."""
    rng = random.Random(f"{seed}:{i}")
    dests = _weighted(rng, DESTINATIONS, rng.choices([1, 2], [88, 12])[0])
    origins = _weighted(rng, ORIGINS, rng.choices([1, 2, 3], [65, 15, 20])[0])
    o, d = origins[0], dests[0]
    sectors = _weighted(rng, SECTOR_WEIGHTS, rng.choices([1, 2, 3], [65, 20, 15])[0])
    ctx = {
        "prog": rng.choice(PROGRAMMES), "origin": COUNTRIES[o][1], "dest": COUNTRIES[d][1],
        "adj": COUNTRIES[o][2], "dest_adj": COUNTRIES[d][2], "oname": COUNTRIES[o][1], "dname": COUNTRIES[d][1],
        "dadj": COUNTRIES[d][2], "sector_words": SECTORS[sectors[0]][1],
        "sector_words_lower": SECTORS[sectors[0]][1].lower(), "city": rng.choice(CITIES),
    }
    name = _fill(rng.choice(NAME_TEMPLATES), ctx)
    rid = f"{COUNTRIES[d][0]}-{COUNTRIES[o][0]}-{_slug_words(name, rng)}-{i + 1:07d}"
    start = rng.choices(range(2000, 2027), [1] * 10 + [2] * 7 + [4] * 10)[0]
    status = rng.choices(["ongoing", "completed", "planned", "suspended", "unspecified"], [52, 38, 5, 2, 3])[0]
    rec: dict[str, Any] = {
        "id": rid,
        "name": name,
        "partnership_type": rng.choices(list(PARTNERSHIP_TYPES), list(PARTNERSHIP_TYPES.values()))[0],
        "origin_countries": sorted(origins),
        "destination_countries": sorted(dests),
        "start_year": start,
        "status": status,
    }
    if status == "planned":
        rec["start_year"] = start = rng.randint(2025, 2028)
    if rng.random() < 0.55:
        rec["acronym"] = "".join(w[0] for w in name.split() if w[:1].isupper())[:8] or ctx["prog"][:10]
    if rng.random() < 0.3:
        rec["summary"] = " ".join(_fill(s, ctx) for s in rng.sample(SUMMARY_SENTENCES, rng.randint(1, 3)))
    if rng.random() < 0.8:
        rec["government_to_government"] = rng.random() < 0.85
    if status == "completed" or rng.random() < 0.3:
        rec["end_year"] = min(2100, start + rng.randint(1, 6))

    # actors: 1–3, mostly with role and country
    actors = []
    for tmpl, role, where in rng.sample(ACTOR_TEMPLATES, rng.randint(1, 3)):
        a: dict[str, Any] = {"name": _fill(tmpl, ctx)}
        if rng.random() < 0.93:
            a["role"] = role
        country = d if where == "d" else o if where == "o" else where if where != "-" else None
        if country and rng.random() < 0.9:
            a["country"] = country
        actors.append(a)
    rec["actors"] = actors
    if rng.random() < 0.6:
        rec["funders"] = _pick_set(rng, "funders", 1, 2, p_unspecified=0.08)
    if rng.random() < 0.15:
        rec["budget_eur"] = rng.choice([rng.randint(50, 30000) * 1000, round(rng.uniform(1e5, 3e7), 2)])

    # sources: 1–3 as title | url | accessed (some title | url, some URL only)
    sources = []
    for _ in range(rng.randint(1, 3)):
        site, url = rng.choice(SOURCE_SITES)
        url = url.format(n=rng.randint(10000, 99999999), slug=_slug_words(name, rng, 6))
        shape = rng.random()
        if shape < 0.1:
            if {"url": url} not in sources:  # a source given twice is refused (duplicate_item)
                sources.append({"url": url})
            continue
        head = name[: rng.randint(30, 90)].rsplit(" ", 1)[0].rstrip(" –(:,")
        title = f"{head} ({site}, {rng.randint(start, max(start, 2026))})"
        s = {"title": title, "url": url}
        if shape < 0.85:
            s["accessed"] = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        if s not in sources:
            sources.append(s)
    rec["sources"] = sources

    # labour market
    rec["sectors"] = [v for v in default_codebook()["sectors"].vocabulary if v in sectors]
    codes = sorted({rng.choice(SECTORS[s][0]) for s in sectors for _ in range(rng.randint(1, 2))})
    if rng.random() < 0.7:
        rec["occupations"] = codes
    if rng.random() < 0.75:
        levels = {_skill_level(c) for c in codes}
        rec["skill_levels"] = [v for v in ("high", "middle", "low") if v in levels]
    if rng.random() < 0.9:
        rec["participant_profiles"] = _pick_set(rng, "participant_profiles", 1, 3)
    if rng.random() < 0.15:
        rec["target_groups"] = _pick_set(rng, "target_groups", 1, 2, p_none=0.3)
    if rng.random() < 0.45:
        rec["employer_engagement"] = _pick_set(rng, "employer_engagement", 1, 3, p_unspecified=0.1)
    if rng.random() < 0.35:
        rec["visa_channel"] = _pick_set(rng, "visa_channel", 1, 2, p_unspecified=0.2)

    # mobility
    if rng.random() < 0.6:
        rec["mobility_types"] = _pick_set(rng, "mobility_types", 1, 2, p_unspecified=0.05)
    if rng.random() < 0.4:
        rec["return_expected"] = rng.choice(["yes", "no", "optional", "unspecified"])
    for name_ in ("extension_possible", "transition_to_long_term"):
        if rng.random() < 0.2:
            rec[name_] = rng.choice([True, False, "unspecified"])
    if rng.random() < 0.3:
        lo = rng.choice([3, 6, 9, 12])
        if rng.random() < 0.4:
            rec["duration_months_min"] = lo
        rec["duration_months_max"] = lo + rng.choice([0, 3, 6, 12, 24])
    if rng.random() < 0.1:
        rec["remote_work"] = _pick_set(rng, "remote_work", 1, 2, p_unspecified=0.3, p_none=0.3)
    if rng.random() < 0.4:
        rec["tracks"] = _pick_set(rng, "tracks", 1, 2, p_unspecified=0.05)

    # skills, integration
    if rng.random() < 0.9:
        rec["skills_components"] = _pick_set(rng, "skills_components", 1, 4, p_unspecified=0.05, p_none=0.02)
    if rng.random() < 0.7:
        rec["training_location"] = _pick_set(rng, "training_location", 1, 2, p_unspecified=0.05)
    if rng.random() < 0.2:
        rec["origin_capacity_building"] = rng.choice([True, True, False, "unspecified"])
    if rng.random() < 0.5:
        rec["recognition_mechanism"] = rng.choices(
            ["unspecified", "standard_procedure", "joint_curriculum", "bridging_course",
             "mutual_recognition_agreement", "not_required"], [71, 16, 4, 4, 2, 3])[0]
    if rng.random() < 0.1:
        rec["recognition_on_return"] = rng.choice([True, False, "unspecified"])
    if rng.random() < 0.55:
        rec["integration_support"] = _pick_set(rng, "integration_support", 1, 4, p_unspecified=0.05, p_none=0.02)
    if rng.random() < 0.45:
        rec["integration_starts_pre_departure"] = rng.choice([True, True, True, False, "unspecified"])
    if rng.random() < 0.2:
        rec["reintegration_support"] = _pick_set(rng, "reintegration_support", 1, 3, p_unspecified=0.1)

    # outcomes, scale
    planned = rng.choice([10, 30, 60, 100, 120, 150, 210, 400, 500, 1000, 1300, 5000, 25000])
    if rng.random() < 0.35:
        rec["planned_participants"] = planned
    if rng.random() < 0.15:
        rec["monitoring_evaluation"] = rng.choice(
            ["none", "monitoring_only", "evaluation_planned", "evaluation_published", "unspecified"])
    outcomes = []
    for _ in range(0 if status == "planned" else rng.choices([0, 1, 2], [60, 25, 15])[0]):
        year = rng.randint(start, max(start, 2026))
        period = rng.choice([str(year), f"{year}-{rng.randint(1, 12):02d}", f"{start}/{max(start, year)}"])
        oc: dict[str, Any] = {"period": period, "indicator": rng.choice(OUTCOME_INDICATORS),
                              "value": rng.randint(5, max(6, planned))}
        if rng.random() < 0.9:
            oc["source"] = f"{rng.choice(SOURCE_SITES)[0]} ({rng.choice(MONTHS)[:3]} {year}): cohort figures"
        if oc not in outcomes:
            outcomes.append(oc)
    if outcomes:
        rec["outcomes"] = outcomes

    # fair recruitment, metadata
    if rng.random() < 0.2:
        rec["recruitment_costs_borne_by"] = rng.choice(["employer", "government", "shared", "worker", "unspecified"])
    if rng.random() < 0.2:
        rec["agreement_public"] = rng.choice([True, False, "unspecified"])
    if rng.random() < 0.5:
        rec["coder"] = rng.choice(CODERS)
        rec["coded_on"] = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.3:
            rec["last_reviewed"] = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        rec["confidence"] = rng.choices(["high", "medium", "low"], [3, 5, 2])[0]
    rec["codebook_version"] = default_codebook().version
    note_ctx = {**ctx, "month": rng.choice(MONTHS), "year": str(start), "end": str(rec.get("end_year", "")),
                "budget": f"{rng.randint(1, 30):,},{rng.randint(0, 999):03d},000", "share": str(rng.randint(50, 99)),
                "planned": f"{planned:,}", "planned2": f"{planned // 2:,}"}
    notes = "; ".join(_fill(s, note_ctx) for s in rng.sample(NOTE_PHRASES, rng.randint(1, 3))) + "."
    if rng.random() < 0.05:  # multi-line notes and a bullet starting with '-' (formula-like; neutralised)
        notes = "- " + notes + "\n- Kosovo coded XKX where relevant."
    if rng.random() < 0.95:
        rec["notes"] = notes
    return {k: rec[k] for k in default_codebook().names if k in rec}


def generate(n: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """``n`` canonical records (deterministic for ``seed``)."""
    for i in range(n):
        yield record(i, seed)


def write(n: int, out: Path, fmt: str | None = None, seed: int = 42) -> int:
    """Write ``n`` generated records to ``out`` (format from ``fmt`` or the suffix) with the product's exporter."""
    fmt = fmt or out.suffix.lstrip(".").lower()
    if fmt not in ("csv", "xlsx", "jsonl"):
        raise SystemExit(f"unknown format {fmt!r}: use csv, xlsx or jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    count = exporter.export(generate(n, seed), fmt, tmp)
    tmp.replace(out)  # never leave a half-written file under the final name
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="number of records (default 1000)")
    ap.add_argument("--out", type=Path, required=True, help="output file (.csv, .xlsx or .jsonl)")
    ap.add_argument("--format", choices=("csv", "xlsx", "jsonl"), help="default: from the --out suffix")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    n = write(args.n, args.out, args.format, args.seed)
    print(f"wrote {n:,} records to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
