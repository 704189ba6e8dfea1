"""Name normalisation: one script (ASCII), one case, known noise removed.

General rules only (no per-name exceptions): Unicode NFKC, transliteration with `anyascii`
(ISC; never Unidecode, which is GPL), "LAST, First" reordering for people, honorifics and
titles dropped, company legal forms recognised and canonicalised (kept apart from the name),
number words and ordinals turned into digits, Arabic/Dutch/German particles canonicalised.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from anyascii import anyascii

PERSON = "person"
COMPANY = "company"

# Titles, honorifics and functions that precede or follow a person's name.
HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "doctor",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "madam",
        "madame",
        "monsieur",
        "mme",
        "mlle",
        "herr",
        "frau",
        "senor",
        "senora",
        "sr",
        "sra",
        "don",
        "dona",
        "sheikh",
        "shaikh",
        "sheik",
        "shaykh",
        "hajji",
        "sayyid",
        "sayed",
        "president",
        "prasident",
        "prezident",
        "premier",
        "minister",
        "general",
        "gen",
        "colonel",
        "col",
        "lieutenant",
        "lt",
        "major",
        "maj",
        "captain",
        "capt",
        "commander",
        "admiral",
        "brigadier",
        "marshal",
        "sergeant",
        "sgt",
        "rev",
        "reverend",
        "father",
        "imam",
        "mullah",
        "mawlawi",
        "maulavi",
        "mufti",
        "emir",
        "amir",
        "king",
        "queen",
        "prince",
        "princess",
        "his",
        "her",
        "excellency",
        "he",
        "hrh",
        "honourable",
        "honorable",
        "hon",
        "jr",
        "sr",
        "snr",
        "jnr",
        "esq",
        "phd",
        "md",
    ]
)

# Vessel prefixes are not part of the vessel's name.
VESSEL_PREFIXES = frozenset(["mv", "mt", "ms", "mts", "ss", "fv", "mys"])

# Particles: short words that join name parts. Canonicalised and weighted low, never dropped.
PARTICLE_CANON = {
    "bin": "bin",
    "ben": "bin",
    "ibn": "bin",
    "bint": "bint",
    "binti": "bint",
    "binte": "bint",
    "al": "al",
    "el": "al",
    "ul": "al",
    "ad": "al",
    "ar": "al",
    "as": "al",
    "at": "al",
    "an": "al",
    "az": "al",
    "abu": "abu",
    "abou": "abu",
    "bou": "abu",
    "umm": "umm",
    "de": "de",
    "del": "de",
    "della": "de",
    "der": "de",
    "den": "de",
    "di": "de",
    "da": "de",
    "dos": "de",
    "das": "de",
    "du": "de",
    "des": "de",
    "la": "la",
    "le": "la",
    "van": "van",
    "von": "van",
    "vom": "van",
    "mac": "mac",
    "mc": "mac",
}

# Words that carry no identity in organisation names.
ORG_STOPWORDS = frozenset(
    ["the", "of", "and", "for", "in", "a", "an", "und", "et", "y", "de", "des", "du", "la", "le"]
)

# Company legal forms, matched on whole token sequences (longest first) after transliteration.
# Each maps to a canonical code; codes are grouped in families for the mismatch rule.
_LEGAL_FORMS: dict[str, str] = {
    "aktiengesellschaft": "ag",
    "ag": "ag",
    "akg": "ag",
    "gesellschaft mit beschrankter haftung": "gmbh",
    "gmbh": "gmbh",
    "joint stock company": "jsc",
    "jsc": "jsc",
    "joint stock co": "jsc",
    "open joint stock company": "jsc",
    "ojsc": "jsc",
    "oao": "jsc",
    "pao": "jsc",
    "public joint stock company": "jsc",
    "pjsc": "jsc",
    "closed joint stock company": "jsc",
    "cjsc": "jsc",
    "zao": "jsc",
    "ao": "jsc",
    "aktsionernoe obshchestvo": "jsc",
    "otkrytoe aktsionernoe obshchestvo": "jsc",
    "publichnoe aktsionernoe obshchestvo": "jsc",
    "zakrytoe aktsionernoe obshchestvo": "jsc",
    "limited liability company": "llc",
    "llc": "llc",
    "l l c": "llc",
    "limited liability partnership": "llp",
    "llp": "llp",
    "obshchestvo s ogranichennoy otvetstvennostyu": "llc",
    "obshchestvo s ogranichennoi otvetstvennostiu": "llc",
    "ooo": "llc",
    "o o o": "llc",
    "tov": "llc",
    "too": "llc",
    "limited": "ltd",
    "ltd": "ltd",
    "ltda": "ltd",
    "pty": "ltd",
    "pty ltd": "ltd",
    "proprietary limited": "ltd",
    "private limited": "ltd",
    "pvt ltd": "ltd",
    "pvt": "ltd",
    "public limited company": "plc",
    "plc": "plc",
    "incorporated": "inc",
    "inc": "inc",
    "corporation": "corp",
    "corp": "corp",
    "company": "co",
    "co": "co",
    "cie": "co",
    "compania": "co",
    "compagnie": "co",
    "societe anonyme": "sa",
    "sociedad anonima": "sa",
    "sa": "sa",
    "s a": "sa",
    "spa": "sa",
    "s p a": "sa",
    "societa per azioni": "sa",
    "nv": "sa",
    "n v": "sa",
    "se": "sa",
    "ab": "sa",
    "oyj": "sa",
    "asa": "sa",
    "as": "sa",
    "a s": "sa",
    "sab de cv": "sa",
    "sa de cv": "sa",
    "societatea cu raspundere limitata": "srl",
    "srl": "srl",
    "s r l": "srl",
    "sarl": "srl",
    "sp zoo": "srl",
    "s a r l": "srl",
    "sp z o o": "srl",
    "spolka z ograniczona odpowiedzialnoscia": "srl",
    "bv": "srl",
    "b v": "srl",
    "kft": "srl",
    "doo": "srl",
    "d o o": "srl",
    "sro": "srl",
    "s r o": "srl",
    "ltd co": "ltd",
    "co ltd": "ltd",
    "lp": "lp",
    "l p": "lp",
    "limited partnership": "lp",
    "kg": "lp",
    "gmbh co kg": "lp",
}
# Families: two different families on both sides is a mismatch signal; generic forms never are.
LEGAL_FAMILY = {
    "ag": "stock",
    "jsc": "stock",
    "sa": "stock",
    "plc": "stock",
    "gmbh": "limited",
    "llc": "limited",
    "ltd": "limited",
    "srl": "limited",
    "llp": "limited",
    "lp": "partnership",
    "inc": "generic",
    "corp": "generic",
    "co": "generic",
}
_LEGAL_SEQS = sorted(
    ((tuple(k.split()), v) for k, v in _LEGAL_FORMS.items()), key=lambda kv: -len(kv[0])
)
_MAX_LEGAL_LEN = max(len(k) for k, _ in _LEGAL_SEQS)
_LEGAL_LOOKUP = {k: v for k, v in _LEGAL_SEQS}

_NUM_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
}
_ORDINAL_RE = re.compile(r"^(\d+)(st|nd|rd|th)$")
# Scripts written without spaces between syllables/words: one transliterated unit per char.
_SYLLABIC_RANGES = ((0xAC00, 0xD7AF), (0x4E00, 0x9FFF), (0x3400, 0x4DBF))
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_AR_ARTICLE = re.compile(r"(?<![\u0621-\u064A])\u0627\u0644(?=[\u0621-\u064A]{2,})")


def _is_syllabic(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _SYLLABIC_RANGES)


def transliterate(text: str) -> str:
    """NFKC then ASCII; Hangul and Han syllables become separate words."""
    text = unicodedata.normalize("NFKC", text)
    # Arabic article: "الشمري" → "al شمري", so it becomes the particle "al", not a stray "l".
    text = _AR_ARTICLE.sub("al ", text)
    if any(_is_syllabic(c) for c in text):
        text = "".join(f" {c} " if _is_syllabic(c) else c for c in text)
    return anyascii(text)


def _reorder_comma(text: str) -> str:
    """'LAST, First Middle' → 'First Middle LAST' (one comma, two non-empty parts)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 2 and parts[0] and parts[1]:
        return f"{parts[1]} {parts[0]}"
    return text


@dataclass(frozen=True)
class NameForm:
    """A name ready for comparison."""

    tokens: tuple[str, ...]  # identity-bearing tokens, in order
    particles: frozenset[int] = field(default_factory=frozenset)  # indexes of particle tokens
    legal_forms: frozenset[str] = field(default_factory=frozenset)
    numbers: tuple[str, ...] = ()
    latin: bool = True  # written in Latin script originally (initials/titles rules apply)

    @property
    def joined(self) -> str:
        return "".join(self.tokens)


def _numbers(tokens: list[str]) -> list[str]:
    """Number words and ordinals to digits; 'forty four' → '44'."""
    out: list[str] = []
    for t in tokens:
        m = _ORDINAL_RE.match(t)
        if m:
            t = m.group(1)
        elif t in _NUM_WORDS:
            t = str(_NUM_WORDS[t])
        tens = out[-1] if out and out[-1].isdigit() else ""
        if t.isdigit() and len(t) == 1 and tens and 20 <= int(tens) < 100 and tens.endswith("0"):
            out[-1] = str(int(tens) + int(t))  # "forty four" → 44
            continue
        out.append(t)
    return out


def _strip_legal(tokens: list[str]) -> tuple[list[str], set[str]]:
    out: list[str] = []
    forms: set[str] = set()
    i = 0
    while i < len(tokens):
        for n in range(min(_MAX_LEGAL_LEN, len(tokens) - i), 0, -1):
            code = _LEGAL_LOOKUP.get(tuple(tokens[i : i + n]))
            # A lone short code only counts at the start or end of the name.
            if code and (n > 1 or len(tokens[i]) > 3 or i == 0 or i + n == len(tokens)):
                forms.add(code)
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    if not out:  # the whole name was legal-form words: keep them as the name
        return tokens, set()
    return out, forms


def _merge_letters(tokens: list[str]) -> list[str]:
    """Runs of single letters (A.B.C., C K) become one token (abc, ck)."""
    out: list[str] = []
    run: list[str] = []
    for t in tokens + [""]:
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if run:
            out.append("".join(run))
            run = []
        if t:
            out.append(t)
    return out


_LEET = str.maketrans("0134579", "oieastg")


def _unleet(token: str) -> str:
    """Digits standing for look-alike letters inside a person's name token (Sech1n, Ig0r)."""
    if token.isalnum() and not token.isdigit() and not token.isalpha():
        return token.translate(_LEET)
    return token


@lru_cache(maxsize=65536)
def normalize(name: str, kind: str = PERSON) -> NameForm:
    """Normalise a name for its kind (person, or anything else = organisation-like)."""
    text = transliterate(name)
    # Titles are recognised in Latin-script names only ("عمر" transliterates to "mr").
    latin = not any(ord(c) > 0x24F and c.isalpha() for c in name)
    if kind == PERSON:
        text = _reorder_comma(text)
    text = text.lower().replace("&", " and ")
    text = re.sub(r"['`\u2019]", "", text)  # apostrophes join: shia' → shia, o'neil → oneil
    raw = _TOKEN_RE.findall(text)
    if kind == PERSON:
        raw = [_unleet(t) for t in raw]
        tokens = ([t for t in raw if t not in HONORIFICS] if latin else raw) or raw
        particles = frozenset(i for i, t in enumerate(tokens) if t in PARTICLE_CANON)
        tokens = [PARTICLE_CANON.get(t, t) for t in tokens]
        return NameForm(tuple(tokens), particles, latin=latin)
    if raw and raw[0] in VESSEL_PREFIXES and len(raw) > 1:
        raw = raw[1:]
    tokens, forms = _strip_legal(_merge_letters(_numbers(raw)))
    kept = [t for t in tokens if t not in ORG_STOPWORDS] or tokens
    numbers = tuple(t for t in kept if t.isdigit())
    return NameForm(tuple(kept), frozenset(), frozenset(forms), numbers)


def kind_of(schema: str | None) -> str:
    """Map a FollowTheMoney-like schema or entity type to the comparison kind."""
    s = (schema or "").lower()
    return PERSON if s in ("person", "individual", "people", "") else COMPANY
