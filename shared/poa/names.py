"""Person names: recognising a name line, and comparing names across scripts and orders."""

from __future__ import annotations

import re
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz.distance import JaroWinkler

HONORIFICS = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "sir",
    "dame",
    "herr",
    "herrn",
    "frau",
    "m",
    "mme",
    "mlle",
    "monsieur",
    "madame",
    "sr",
    "sra",
    "srta",
    "d",
    "dna",
    "don",
    "dona",
    "dhr",
    "mevr",
    "mw",
    "de heer",
    "heer",
    "mevrouw",
    "sig",
    "sigra",
    "signor",
    "signora",
    "messrs",
    "familie",
    "famille",
    "fam",
    "eheleute",
    "the",
    "occupant",
    "c/o",
}
PARTICLES = {
    "de",
    "van",
    "der",
    "den",
    "von",
    "zu",
    "da",
    "di",
    "del",
    "della",
    "le",
    "la",
    "y",
    "e",
    "du",
    "des",
    "ten",
    "ter",
    "bin",
    "ibn",
    "al",
    "el",
}
# words that show a line is not a person's name
_NOT_NAME = re.compile(
    r"\b(gmbh|ag|ltd|limited|llc|inc|plc|sa|sas|sarl|bv|nv|bank|energie|energy|electric|gas|"
    r"water|telecom|insurance|versicherung|assurance|seguros?|council|service|services|"
    r"customer|account|invoice|statement|bill|total|date|datum|fecha|period|page|seite|"
    r"street|road|avenue|strasse|rue|calle|box|postfach|postbus|cedex|tsa|apartado|"
    r"rechnung|facture|factura|factuur|number|nummer|numero|ref|reference|iban|bic)\b",
    re.I,
)


def fold(s: str) -> str:
    return re.sub(r"[^a-z' -]+", " ", anyascii(s).lower()).replace("'", "")


def tokens(name: str) -> list[str]:
    t = fold(name)
    t = re.sub(r"\b(de heer|c o)\b", " ", t)
    toks = [x for x in re.split(r"[\s-]+", t) if x]
    while len(toks) > 2 and _is_honorific(toks[0]) or toks and toks[0] in HONORIFICS:
        toks = toks[1:]
    return toks


def _is_honorific(tok: str) -> bool:
    """Exact, or an OCR-damaged long one ("Hern" for "Herrn", "Madam" for "Madame")."""
    if tok in HONORIFICS:
        return True
    return len(tok) >= 4 and any(
        len(h) >= 4 and JaroWinkler.similarity(tok, h) >= 0.9 for h in HONORIFICS
    )


def strip_honorific(line: str) -> str:
    words = line.split()
    while words and (
        fold(words[0]).strip(" .") in HONORIFICS
        or (len(words) > 2 and _is_honorific(fold(words[0]).strip(" .")))
    ):
        words = words[1:]
    return " ".join(words)


def looks_like_name(line: str) -> bool:
    s = line.strip()
    if not s or re.search(r"\d|@|:|/", s) or _NOT_NAME.search(anyascii(s)):
        return False
    words = strip_honorific(s).split()
    if not 2 <= len(words) <= 6:
        return False
    alpha = sum(ch.isalpha() for ch in s)
    return alpha >= 0.75 * len(s.replace(" ", "")) and all(len(w) <= 25 for w in words)


@dataclass
class NameMatch:
    score: float
    matched: bool
    matched_tokens: int
    detail: str


def compare(doc_name: str, expected: str, threshold: float = 0.82) -> NameMatch:
    """Order-free token matching after transliteration; initials match full given names;
    a missing second surname or middle name costs a little, a different surname a lot."""
    a = [t for t in tokens(doc_name)]
    b = [t for t in tokens(expected)]
    core_a = [t for t in a if t not in PARTICLES] or a
    core_b = [t for t in b if t not in PARTICLES] or b
    if not core_a or not core_b:
        return NameMatch(0.0, False, 0, "empty name")
    short, long_ = (core_a, core_b) if len(core_a) <= len(core_b) else (core_b, core_a)
    used: set[int] = set()
    sims: list[float] = []
    for t in short:
        best, best_j = 0.0, -1
        for j, u in enumerate(long_):
            if j in used:
                continue
            if len(t) == 1 or len(u) == 1:
                s = 0.9 if t[0] == u[0] else 0.0
            else:
                s = JaroWinkler.similarity(t, u)
            if s > best:
                best, best_j = s, j
        if best_j >= 0 and best >= 0.85:
            used.add(best_j)
        sims.append(best if best >= 0.85 else 0.0)
    coverage_short = sum(sims) / len(short)
    coverage_long = len(used) / len(long_)
    score = 0.8 * coverage_short + 0.2 * coverage_long
    # glued or split tokens ("Garcia Lopez" vs "GarciaLopez"): compare letters only
    flat = JaroWinkler.similarity("".join(sorted(core_a)), "".join(sorted(core_b)))
    if "".join(core_a) == "".join(core_b):
        score = max(score, 1.0)
    elif flat > 0.95:
        score = max(score, flat * 0.95)
    matched = score >= threshold and len(used) >= min(2, len(short))
    return NameMatch(
        round(score, 3), matched, len(used), f"{len(used)} of {len(short)} name parts found"
    )
