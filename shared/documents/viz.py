"""Visual inspection zone: printed fields found next to their labels, and comparisons.

Labels are matched in English and common second languages; the value is the text box just
below (or right of) its label. Comparisons are tolerant of case, accents, ICAO
transliteration (Ü -> UE), spacing and letter/digit look-alikes in numbers.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from anyascii import anyascii
from rapidfuzz import fuzz

if TYPE_CHECKING:  # the OCR engine (cv2, numpy) is not needed to read fields
    from shared.documents.ocr import TextBox


# A document's holder and document fields, in the order of its data page: what the engine
# reads from each source and compares, and what the console shows side by side.
FIELDS = (
    "document_type",
    "issuing_country",
    "document_number",
    "surname",
    "given_names",
    "nationality",
    "date_of_birth",
    "sex",
    "expiry_date",
)

# Labels in the languages of the issuing states we support (English, French, German,
# Spanish, Italian, Dutch, Polish, Portuguese, Swedish, Finnish), as letter-only keys.
LABELS: dict[str, tuple[str, ...]] = {
    "surname": (
        "surname",
        "nom",
        "ln",
        "apellidos",
        "name",
        "nachname",
        "familienname",
        "cognome",
        "naam",
        "achternaam",
        "nazwisko",
        "apelido",
        "apelidos",
        "sobrenome",
        "efternamn",
        "sukunimi",
        "lastname",
    ),
    "given_names": (
        "givenname",
        "prenom",
        "fn",
        "firstname",
        "vorname",
        "nombre",
        "nome",
        "voornamen",
        "voornaam",
        "imiona",
        "imie",
        "prenomi",
        "fornamn",
        "etunimet",
    ),
    "date_of_birth": (
        "dateofbirth",
        "dob",
        "birth",
        "geburtstag",
        "geburtsdatum",
        "datedenaissance",
        "fechadenacimiento",
        "datadinascita",
        "geboortedatum",
        "dataurodzenia",
        "datadenascimento",
        "fodelsedatum",
        "syntymaaika",
    ),
    "expiry_date": (
        "dateofexpiry",
        "exp",
        "expiry",
        "expires",
        "validuntil",
        "gultigbis",
        "datedexpiration",
        "fechadecaducidad",
        "scadenza",
        "geldigtot",
        "datawaznosci",
        "validoate",
        "validade",
        "giltigtill",
        "voimassa",
    ),
    "document_number": (
        "passportno",
        "documentno",
        "docno",
        "dl",
        "cardno",
        "number",
        "dokumentennummer",
        "passnummer",
        "ndegdudocument",
        "nodudocument",
        "numdocumento",
        "ndocumento",
        "nodocumento",
        "numerodocumento",
        "documentnummer",
        "nrdokumentu",
        "numerdokumentu",
    ),
    "sex": ("sex", "sexe", "geschlecht", "sexo", "sesso", "geslacht", "plec", "kon", "sukupuoli"),
    "nationality": (
        "nationality",
        "nationalite",
        "staatsangehorigkeit",
        "nacionalidad",
        "cittadinanza",
        "nationaliteit",
        "obywatelstwo",
        "nacionalidade",
        "medborgarskap",
        "kansalaisuus",
    ),
}
_NOT_LABELS = ("dateofissue", "iss", "issue", "authority", "eyes", "type", "code")
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
_ICAO = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS", "Å": "AA", "Ø": "OE", "Æ": "AE"}


def _key(text: str) -> str:
    return re.sub(r"[^a-z]", "", anyascii(text).lower())


def _label_of(text: str) -> str | None:
    """The field a label names; bilingual labels ("Nom / Surname") match on either part."""
    for part in (text, *text.split("/")):
        k = _key(part)
        if not k or any(k.startswith(n) for n in _NOT_LABELS):
            continue
        for field, names in LABELS.items():
            for n in names:
                if k == n or (len(n) > 3 and k.startswith(n)):
                    return field
    return None


def field_boxes(boxes: list[TextBox], min_score: float = 0.6) -> dict[str, TextBox]:
    """{field: the value's text box}: the box just below (or right of) each label."""
    labels = [(b, _label_of(b.text)) for b in boxes]
    values = [b for b, lab in labels if lab is None and b.text.strip() and b.score >= min_score]
    out: dict[str, TextBox] = {}
    for lb, field in labels:
        if field is None or field in out:
            continue
        best, best_d = None, 1e9
        x0, y1 = float(lb.box[:, 0].min()), float(lb.box[:, 1].max())
        for v in values:
            vx0, vy0 = float(v.box[:, 0].min()), float(v.box[:, 1].min())
            below = (
                -0.6 * lb.height <= vy0 - y1 <= 2.2 * lb.height and abs(vx0 - x0) < 3 * lb.height
            )
            right = (
                abs(v.cy - lb.cy) < 0.6 * lb.height
                and 0 <= vx0 - float(lb.box[:, 0].max()) < 6 * lb.height
            )
            if below or right:
                d = abs(vx0 - x0) + abs(vy0 - y1)
                if d < best_d:
                    best, best_d = v, d
        if best is not None:
            out[field] = best
    return out


def parse_date(text: str) -> str | None:
    t = anyascii(text).upper().replace(" ", "")
    m = re.search(r"(\d{1,2})([A-Z]{3})[A-Z/]*?(\d{4}|\d{2})$", t) or re.search(
        r"(\d{1,2})([A-Z]{3})(\d{4})", t
    )
    try:
        if m and m.group(2)[:3] in MONTHS:
            y = int(m.group(3))
            y = y + (1900 if y > 40 else 2000) if y < 100 else y
            return date(y, MONTHS[m.group(2)[:3]], int(m.group(1))).isoformat()
        m = re.search(r"(\d{2})[./-](\d{2})[./-](\d{4})", t)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            # slashes: US MM/DD/YYYY unless the first number cannot be a month (the rest of
            # the world writes DD/MM/YYYY); `compare` accepts either reading when both fit
            if "/" in t and a <= 12:
                return date(y, a, b).isoformat()
            return date(y, b, a).isoformat()
        m = re.search(r"(\d{4})-(\d{2})-(\d{2})", t)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None
    return None


def name_key(text: str, icao: bool = False) -> str:
    t = text.upper()
    if icao:
        t = "".join(_ICAO.get(c, c) for c in t)
    t = unicodedata.normalize("NFC", t)
    return re.sub(r"[^A-Z]", "", anyascii(t).upper())


def names_match(a: str, b: str) -> bool:
    if not a or not b:
        return True
    ka = {name_key(a), name_key(a, icao=True)}
    kb = {name_key(b), name_key(b, icao=True)}
    if ka & kb:
        return True
    return max(fuzz.ratio(x, y) for x in ka for y in kb) >= 85


_LOOKALIKE = str.maketrans("OQDILZSBG", "001112586")


def numbers_match(a: str, b: str) -> bool:
    na = re.sub(r"[^A-Z0-9]", "", a.upper()).translate(_LOOKALIKE)
    nb = re.sub(r"[^A-Z0-9]", "", b.upper()).translate(_LOOKALIKE)
    return not na or not nb or na == nb


def normalise(field: str, raw: str) -> str | None:
    """A VIZ text turned into the value format of the merged fields."""
    raw = raw.strip()
    if field in ("date_of_birth", "expiry_date"):
        return parse_date(raw)
    if field == "sex":
        c = anyascii(raw).upper().strip()[:1]
        return c if c in ("M", "F", "X") else None
    if field in ("surname", "given_names"):
        return " ".join(anyascii(raw).upper().replace("<", " ").split()) or None
    if field == "document_number":
        return re.sub(r"[^A-Z0-9]", "", raw.upper()) or None
    if field == "nationality":
        return nationality_code(raw)
    return raw or None


def compare(field: str, viz_value: str, other: str) -> bool:
    """True when the two values agree (tolerantly)."""
    if field in ("surname", "given_names"):
        return names_match(viz_value, other)
    if field == "document_number":
        return numbers_match(viz_value, other)
    if field == "nationality":
        return nationality_agrees(viz_value, other)
    if field in ("date_of_birth", "expiry_date"):
        # 01/09/1995 is 1 September or 9 January depending on the issuing state's order
        return not viz_value or not other or other in (viz_value, _day_month_swapped(viz_value))
    return not viz_value or not other or viz_value == other


def _day_month_swapped(iso: str) -> str:
    try:
        d = date.fromisoformat(iso)
        return date(d.year, d.day, d.month).isoformat()
    except ValueError:
        return iso


def agrees(field: str, viz_text: str, other: str) -> bool:
    """True when a printed (visual zone) text agrees with the value read elsewhere (MRZ,
    barcode); a text that cannot be read as a value of the field is not evidence either way.
    The nationality is compared on its whole printed text (a name, not only a code)."""
    if field == "nationality":
        return nationality_agrees(viz_text, other)
    v = normalise(field, viz_text)
    return v is None or compare(field, v, other)


# Languages whose country names the printed nationality is matched against (those of the
# labels above).
_NAME_LANGS = ("en", "fr", "de", "es", "it", "nl", "pl", "pt", "sv", "fi")
# ICAO 9303 nationality codes that are not ISO 3166 alpha-3
_ICAO_ONLY = {"D": "DE", "GBD": "GB", "GBN": "GB", "GBO": "GB", "GBP": "GB", "GBS": "GB"}


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Z]+", anyascii(text).upper())


def _alpha2(code: str) -> str | None:
    from iso3166 import countries_by_alpha3

    c = countries_by_alpha3.get(code)
    return c.alpha2 if c is not None else _ICAO_ONLY.get(code)


@cache
def _country_keys() -> dict[str, frozenset[str]]:
    """alpha-2 -> the country's names in the label languages as letter-only keys
    (DEUTSCHLAND, ROYAUMEUNI, PORTOGALLO), from the one home of country names. Imported
    on first use: reading the field list stays cheap."""
    from shared.aml.loaders.country_names import names_by_alpha2

    return {
        a2: frozenset(k for n in names if len(k := n.replace(" ", "").upper()) >= 4)
        for a2, names in names_by_alpha2(_NAME_LANGS).items()
    }


def load() -> None:
    """Build the country-name index (about half a second, once per process)."""
    _country_keys()


def _countries_named(text: str) -> set[str]:
    """Alpha-2 codes of the countries whose whole name the text holds, in any label
    language: BUNDESREPUBLIK DEUTSCHLAND, REINO DE ESPAÑA, KONINKRIJK DER NEDERLANDEN
    (NEDERLAND). OCR often glues a printed line's words, so names are looked for anywhere
    in its letters; four-letter names (PERU, OMAN) only as a whole word. Adjectives
    (FRANÇAISE, BRITISH) name no country here: they are no evidence either way."""
    words = _words(text)
    key = "".join(words)
    whole = {*words, key}
    return {
        a2
        for a2, keys in _country_keys().items()
        if any(n in whole or (len(n) >= 5 and n in key) for n in keys)
    }


def _as_code(text: str) -> str | None:
    """The text when it is a nationality code (D, UTO, D<<)."""
    t = re.sub(r"[^A-Z]", "", anyascii(text).upper())
    return t if 1 <= len(t) <= 3 and len(_words(text)) == 1 else None


def nationality_code(text: str) -> str | None:
    """The printed nationality as a code: the code itself, or the one country it names
    (BUNDESREPUBLIK DEUTSCHLAND -> DEU); None when it names no country or several."""
    code = _as_code(text)
    if code is not None:
        return code
    named = _countries_named(text)
    if len(named) != 1:
        return None
    from iso3166 import countries_by_alpha2

    c = countries_by_alpha2.get(next(iter(named)))
    return c.alpha3 if c is not None else None


def nationality_agrees(printed: str, code: str) -> bool:
    """A printed nationality agrees with the MRZ/barcode code unless it positively names
    another country: a different code, or only other countries' names. Printed words that
    name no country (an adjective such as DEUTSCH or BRITISH CITIZEN) are no evidence of a
    mismatch."""
    if not printed or not code:
        return True
    code = re.sub(r"[^A-Z]", "", code.upper())
    own = _as_code(printed)
    if own is not None:
        return own == code or own.startswith(code) or code.startswith(own)
    key = re.sub(r"[^A-Z]", "", anyascii(printed).upper())
    if key.startswith(code):  # UTOPIA / UTO: the code is the name's start
        return True
    named = _countries_named(printed)
    if not named:
        return True
    return _alpha2(code) in named
