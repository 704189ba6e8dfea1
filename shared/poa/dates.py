"""Finding dates in text: numeric and written forms in English, German, French, Spanish,
Dutch, Italian and Portuguese, with the day/month order resolved from the country."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from anyascii import anyascii

_MONTHS: dict[str, int] = {}
for _names in (
    "january february march april may june july august september october november december",
    "januar februar marz april mai juni juli august september oktober november dezember",
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "januari februari maart april mei juni juli augustus september oktober november december",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "janeiro fevereiro marco abril maio junho julho agosto setembro outubro novembro dezembro",
):
    for _i, _n in enumerate(_names.split()):
        _MONTHS.setdefault(_n, _i + 1)
# abbreviations (with or without a dot), including the irregular ones
for _abbr, _m in {
    "jan": 1,
    "feb": 2,
    "febr": 2,
    "fev": 2,
    "fevr": 2,
    "mar": 3,
    "mrt": 3,
    "maerz": 3,
    "apr": 4,
    "avr": 4,
    "abr": 4,
    "may": 5,
    "mei": 5,
    "jun": 6,
    "juin": 6,
    "jul": 7,
    "juil": 7,
    "aug": 8,
    "ago": 8,
    "sep": 9,
    "sept": 9,
    "set": 9,
    "oct": 10,
    "okt": 10,
    "out": 10,
    "ott": 10,
    "nov": 11,
    "dec": 12,
    "dez": 12,
    "dic": 12,
}.items():
    _MONTHS.setdefault(_abbr, _m)

_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "5 March 2026", "5. März 2026", "5 de marzo de 2026", "5th of March, 2026", "7novembre2026"
_DMY_TEXT = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|e|o|º)?\.?\s*(?:de\s+|of\s+)?({_MONTH_ALT})\.?,?\s*(?:de\s+)?"
    rf"(\d{{4}}|'\d{{2}})(?!\d)",
    re.I,
)
# "March 5, 2026", "Mar 05 2026"
_MDY_TEXT = re.compile(
    rf"\b({_MONTH_ALT})\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?,?\s*(\d{{4}})(?!\d)", re.I
)
# "March 2026" (month only; day taken as the 1st, low confidence)
_MY_TEXT = re.compile(rf"\b({_MONTH_ALT})\.?\s+(\d{{4}})(?!\d)", re.I)
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_NUM = re.compile(r"(?<![\d/.-])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d/])")

MDY_COUNTRIES = {"US", "PH", "FM", "PW", "MH"}


@dataclass
class DateHit:
    value: date
    start: int
    end: int
    text: str
    ambiguous: bool = False
    partial: bool = False  # month and year only


def _norm(text: str) -> str:
    # same length is not guaranteed by anyascii; positions are in the normalised text
    return anyascii(text).lower()


def _year(y: str) -> int:
    y = y.lstrip("'")
    v = int(y)
    if len(y) == 2:
        v += 2000 if v < 70 else 1900
    return v


def _mk(y: int, m: int, d: int) -> date | None:
    try:
        if not 1990 <= y <= 2100:
            return None
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str, country: str | None = None) -> list[DateHit]:
    """All dates in a piece of text (positions refer to the ASCII-folded lowercase text)."""
    t = _norm(text)
    hits: list[DateHit] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(d: date | None, m: re.Match, ambiguous: bool = False, partial: bool = False) -> None:
        if d and free(m.start(), m.end()):
            hits.append(DateHit(d, m.start(), m.end(), m.group(0), ambiguous, partial))
            taken.append((m.start(), m.end()))

    for m in _DMY_TEXT.finditer(t):
        add(_mk(_year(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))), m)
    for m in _MDY_TEXT.finditer(t):
        add(_mk(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))), m)
    for m in _ISO.finditer(t):
        add(_mk(int(m.group(1)), int(m.group(2)), int(m.group(3))), m)
    for m in _NUM.finditer(t):
        a, b, y = int(m.group(1)), int(m.group(3)), _year(m.group(4))
        mdy = (country or "").upper() in MDY_COUNTRIES
        if a > 12 and b <= 12:
            d = _mk(y, b, a)
            amb = False
        elif b > 12 and a <= 12:
            d = _mk(y, a, b)
            amb = False
        else:
            d = _mk(y, a, b) if mdy else _mk(y, b, a)
            amb = a != b
        add(d, m, ambiguous=amb)
    for m in _MY_TEXT.finditer(t):
        add(_mk(int(m.group(2)), _MONTHS[m.group(1).lower()], 1), m, partial=True)
    hits.sort(key=lambda h: h.start)
    return hits
