"""Names in the world's scripts are drawn in PDFs, not as empty boxes.

Partnerships run between countries that write in Devanagari, Chinese, Japanese, Korean, Thai, Arabic, …: a
coder may keep a name or acronym in its own script. WeasyPrint draws each character with the first font that
has it; these tests check which fonts the PDF embeds, so they fail when no installed font has the script
(the Debian packages ``fonts-noto-core`` and ``fonts-noto-cjk``, installed by ``make``).
"""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from sqlalchemy import Engine

from smpatlas.atlas import Atlas
from smpatlas.io.importer import import_files
from smpatlas.report import profile
from tests.conftest import minimal, write_jsonl
from tests.report.test_reports import SQLITE_ONLY


def embedded_fonts(pdf: bytes) -> set[str]:
    """The base names of the fonts a PDF embeds, without the subset prefix ("ABCDEF+")."""
    names: set[str] = set()

    def walk(resources: Any) -> None:
        fonts = resources.get("/Font") if resources else None
        for ref in (fonts or {}).values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1])
            for child in font.get("/DescendantFonts") or []:
                names.add(str(child.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
        for ref in ((resources or {}).get("/XObject") or {}).values():
            walk(ref.get_object().get("/Resources"))

    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        walk(page.get("/Resources"))
    return names


@SQLITE_ONLY
@pytest.mark.parametrize(("script", "acronym", "font"), [
    ("Japanese", "技能実習", "CJK"),
    ("Chinese", "技能合作", "CJK"),
    ("Korean", "고용허가제", "CJK"),
    ("Devanagari (Nepali, Hindi)", "नेपाल", "Devanagari"),
    ("Thai", "ภาษาไทย", "Thai"),
    ("Bengali", "বাংলাদেশ", "Bengali"),
    ("Sinhala", "ශ්‍රී ලංකා", "Sinhala"),
    ("Khmer", "កម្ពុជា", "Khmer"),
    ("Arabic", "المغرب", "DejaVu"),  # DejaVu Sans has Arabic
])
def test_a_name_in_its_own_script_is_drawn_with_a_font_that_has_it(script: str, acronym: str, font: str,
                                                                    engine: Engine, tmp_path: Any) -> None:
    src = write_jsonl(tmp_path / "one.jsonl", [minimal("xx-script", acronym=acronym)])
    assert import_files(engine, [src], user="test").valid
    fonts = embedded_fonts(profile.pdf(Atlas(engine), "xx-script"))
    assert any(font in name for name in fonts), f"{script}: no font with {font!r} in {sorted(fonts)}"
