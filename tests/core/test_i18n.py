"""Chinese is the default language; every user-facing string has a Chinese translation."""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "inventory" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def test_every_message_is_translated_to_chinese():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="zh")
    untranslated = [m.id for m in catalogue if m.id and not m.string]
    assert untranslated == []


def test_catalogue_covers_the_strings_in_the_code():
    """Extract again and compare, so a new string without a translation fails here."""
    import subprocess
    import sys
    import tempfile

    root = CATALOGUE.parents[3].parent
    with tempfile.NamedTemporaryFile(suffix=".pot") as pot:
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                        "-k", "lazy_gettext", "-o", pot.name, "."], cwd=root, check=True, capture_output=True)
        with open(pot.name, "rb") as handle:
            extracted = {(m.context, m.id) for m in read_po(handle) if m.id}
    with CATALOGUE.open("rb") as handle:
        # with its context (pgettext): one English word of two meanings is two messages
        known = {(m.context, m.id) for m in read_po(handle, locale="zh") if m.id and m.string}
    assert extracted - known == set()
