"""Every message the templates and routes show has a French translation; English works."""

from __future__ import annotations

import re
from pathlib import Path

from healthdatahub.web.i18n import pick_language, translations
from healthdatahub.web.locale.catalog_fr import FR

TEMPLATES = Path(__file__).parents[3] / "src" / "healthdatahub" / "web" / "templates"


def test_every_template_message_is_translated() -> None:
    used = set()
    for path in TEMPLATES.glob("**/*.html"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'_\("([^"]+)"\)', text)) | set(re.findall(r"_\('([^']+)'\)", text))
    assert used and used - set(FR) == set()
    french = translations("fr")
    assert all(french.gettext(m) != m or m == FR[m] for m in used)


def test_catalogues_load_and_fall_back() -> None:
    assert translations("fr").gettext("Sign in") == "Se connecter"
    assert translations("en").gettext("Sign in") == "Sign in"
    assert pick_language("de", "fr") == "fr" and pick_language("en", "fr") == "en"
