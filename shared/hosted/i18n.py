"""Message catalogues (one JSON file per language under `locales/`) and the choice of a
language: `?lang=`, then the session's `language`, then the browser's Accept-Language."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from babel import Locale

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("en", "es", "fr", "de", "pt", "ar")
RTL = frozenset({"ar"})
DEFAULT = "en"


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(lang: str) -> dict[str, str]:
    return json.loads((LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def negotiate(query: str | None, session_language: str | None, accept: str | None) -> str:
    for cand in (query, session_language):
        if cand and cand in LANGUAGES:
            return cand
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, i, primary))
    return sorted(ranked)[0][2] if ranked else DEFAULT


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self.dir = "rtl" if self.lang in RTL else "ltr"
        self._cat = catalogue(self.lang)
        self._fallback = catalogue(DEFAULT)

    def __call__(self, key: str, **kw: object) -> str:
        text = self._cat.get(key) or self._fallback.get(key) or key
        return text.format(**kw) if kw else text

    def has(self, key: str) -> bool:
        return key in self._fallback

    def country_name(self, alpha2: str) -> str:
        return Locale.parse(self.lang).territories.get(alpha2, alpha2)
