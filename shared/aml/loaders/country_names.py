"""Country names (as sanctions lists write them) to ISO 3166-1 alpha-2.

Built from ISO's official names (`iso3166`, MIT) and the CLDR short names in several
languages (`babel`, BSD-3), normalised (transliterated, lower case, punctuation and
"the"/"republic of"-style filler kept but order-folded), plus the formal spellings lists use.
`names_by_alpha2(langs)` gives the same names the other way round (a country's names in
the given languages), for matching names inside printed text (identity documents).
"""

from __future__ import annotations

import re
from functools import cache

from anyascii import anyascii

ALIASES = {
    "russian federation": "RU",
    "ussr": "SU",
    "soviet union": "SU",
    "korea dprk": "KP",
    "dprk": "KP",
    "democratic peoples republic of korea": "KP",
    "korea democratic peoples republic of": "KP",
    "north korea": "KP",
    "republic of korea": "KR",
    "south korea": "KR",
    "korea republic of": "KR",
    "iran islamic republic of": "IR",
    "islamic republic of iran": "IR",
    "syrian arab republic": "SY",
    "lao peoples democratic republic": "LA",
    "united states of america": "US",
    "usa": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "great britain": "GB",
    "congo democratic republic of the": "CD",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    "cote divoire": "CI",
    "ivory coast": "CI",
    "burma": "MM",
    "myanmar burma": "MM",
    "palestinian territory": "PS",
    "palestine": "PS",
    "gaza strip": "PS",
    "west bank": "PS",
    "viet nam": "VN",
    "tanzania united republic of": "TZ",
    "libyan arab jamahiriya": "LY",
    "venezuela bolivarian republic of": "VE",
    "bolivia plurinational state of": "BO",
    "moldova republic of": "MD",
    "kosovo": "XK",
    "turkiye": "TR",
    "czechia": "CZ",
    "the netherlands": "NL",
    "holland": "NL",
    "vatican": "VA",
    "holy see": "VA",
}


def normalise(name: str) -> str:
    s = anyascii(name).lower().replace("'", "")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    try:
        from iso3166 import countries

        for c in countries:
            for n in (c.name, c.apolitical_name):
                table.setdefault(normalise(n), c.alpha2)
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    try:
        from babel import Locale

        for lang in ("en", "fr", "de", "es", "ru", "ar"):
            for code, n in Locale(lang).territories.items():
                if len(code) == 2 and code.isalpha():
                    table.setdefault(normalise(n), code)
    except ImportError:  # pragma: no cover
        pass
    table.update(ALIASES)
    return table


def to_alpha2(name: str) -> str | None:
    n = normalise(name)
    if not n:
        return None
    table = _table()
    if n in table:
        return table[n]
    if n.startswith("the "):
        return table.get(n[4:])
    return None


@cache
def names_by_alpha2(langs: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """alpha-2 -> the country's names, normalised: ISO's names, the CLDR names in `langs`
    and the aliases above."""
    out: dict[str, set[str]] = {}
    try:
        from iso3166 import countries

        for c in countries:
            out.setdefault(c.alpha2, set()).update(
                normalise(n) for n in (c.name, c.apolitical_name)
            )
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    try:
        from babel import Locale

        for lang in langs:
            for code, n in Locale(lang).territories.items():
                if len(code) == 2 and code.isalpha():
                    out.setdefault(code, set()).add(normalise(n))
    except ImportError:  # pragma: no cover
        pass
    for n, code in ALIASES.items():
        out.setdefault(code, set()).add(n)
    return {k: frozenset(v) for k, v in out.items()}
