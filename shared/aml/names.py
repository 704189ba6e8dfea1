"""Name comparison: two names in, a 0–1 similarity and its explanation out.

The method, general rules only:
1. both names are normalised (`normalize.py`): one script, one case, honorifics and legal forms
   set apart, particles canonicalised;
2. tokens split or glued differently ("SiemensAG", "Patr ushev", "Good Will") are re-joined
   where gluing gives a clearly better token match;
3. tokens are aligned one-to-one regardless of order, each pair scored by edit distance,
   Jaro-Winkler, a phonetic code (Metaphone) and initials/prefix rules; a pair below the
   token floor counts as a mismatch, not as "almost";
4. every token of the shorter name must be matched; unmatched tokens of the longer name (extra
   middle names, qualifiers) cost less, more for organisations than for people;
5. for organisations, a legal form of another family ("AG" vs "GmbH") and differing numbers
   lower the score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from rapidfuzz.distance import OSA, JaroWinkler

from shared.aml.normalize import LEGAL_FAMILY, PARTICLE_CANON, PERSON, NameForm, normalize


@dataclass(frozen=True)
class NameWeights:
    """Global constants of the comparator (one set for every case; documented in docs/aml.md)."""

    token_floor: float = 0.76  # a token pair below this is a mismatch
    below_floor_factor: float = 0.25  # what is left of a mismatched pair's similarity
    particle_weight: float = 0.3
    extra_person: float = 0.25  # exponent on the longer name's coverage (people)
    extra_org: float = 0.6  # same for organisations
    legal_mismatch: float = 0.85
    number_mismatch: float = 0.9
    order_penalty: float = 0.95  # people whose matched tokens cross (given/family swapped)
    contradiction: float = 0.6  # per token left over on both sides (a different name part)
    patronymic_swap: float = 0.6  # "A bin B" vs "B bin A": father and son swapped
    single_token: float = 0.85  # a one-word name against a name of several words
    jw_offset: float = 0.16  # Jaro-Winkler counts this much less than edit similarity
    phonetic_floor: float = 0.86  # same Metaphone code


DEFAULT_WEIGHTS = NameWeights()


_VOWEL_RE = re.compile(r"[aeiouy]")


@lru_cache(maxsize=262144)
def _metaphone(token: str) -> str:
    return jellyfish.metaphone(token) if token.isalpha() else token


@lru_cache(maxsize=262144)
def _token_similarity(a: str, b: str, person: bool, jw_offset: float, phon: float) -> float:
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit():
        return 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) == 1:
        return 0.9 if person and long_.startswith(short) else 0.0
    lev = OSA.normalized_similarity(a, b)
    jw = JaroWinkler.normalized_similarity(a, b)
    sim = max(lev, jw - jw_offset)
    if len(short) >= 4 and long_.startswith(short):  # truncation ("compan", "juare")
        sim = max(sim, 0.8 + 0.2 * len(short) / len(long_))
    # Same sound code; not between a vowelled and a vowel-less token (Arabic script
    # transliterated without vowels collides with too many Latin names).
    if (
        len(short) >= 3
        and len(_metaphone(a)) >= 2
        and _metaphone(a) == _metaphone(b)
        and (_VOWEL_RE.search(a) is None) == (_VOWEL_RE.search(b) is None)
    ):
        sim = max(sim, phon)
    return sim


@dataclass
class NameComparison:
    score: float
    pairs: list[tuple[str, str, float]]
    unmatched_query: list[str]
    unmatched_candidate: list[str]
    notes: list[str]

    def explain(self) -> dict:
        return {
            "score": round(self.score, 4),
            "pairs": [[a, b, round(s, 3)] for a, b, s in self.pairs],
            "unmatched_query": self.unmatched_query,
            "unmatched_candidate": self.unmatched_candidate,
            "notes": self.notes,
        }


def _sim(a: str, b: str, person: bool, w: NameWeights) -> float:
    return _token_similarity(a, b, person, w.jw_offset, w.phonetic_floor)


def _acronyms(a: list[str], b: list[str]) -> list[str]:
    """A run of `a` whose initials spell a token of `b` ("united states" vs "us") is replaced
    by that token."""
    targets = {t for t in b if 2 <= len(t) <= 6 and t.isalpha() and t not in a}
    for t in targets:
        n = len(t)
        for i in range(len(a) - n + 1):
            if "".join(x[0] for x in a[i : i + n]) == t:
                return a[:i] + [t] + a[i + n :]
    return a


def _split_initials(a: list[str], b: list[str]) -> list[str]:
    """A short token of `a` that spells the initials of consecutive tokens of `b` ("JC" vs
    "Jean Claude") becomes separate initials."""
    for k, t in enumerate(a):
        if 2 <= len(t) <= 3 and t.isalpha() and t not in b and t not in _PARTICLES:
            n = len(t)
            for i in range(len(b) - n + 1):
                run = b[i : i + n]
                if all(len(x) > 1 for x in run) and "".join(x[0] for x in run) == t:
                    return a[:k] + list(t) + a[k + 1 :]
    return a


def _glue(a: list[str], b: list[str], person: bool, w: NameWeights) -> list[str]:
    """Join adjacent tokens of `a` when the glued token matches a token of `b` clearly better."""
    changed = True
    while changed and len(a) > 1:
        changed = False
        for i in range(len(a) - 1):
            glued = a[i] + a[i + 1]
            # Only tokens of b about as long as the glued one can reach similarity 0.85.
            near = [t for t in b if abs(len(t) - len(glued)) <= max(2, len(glued) // 5)]
            if len(glued) < 4 or not near:
                continue
            best_glued = max(_sim(glued, t, person, w) for t in near)
            if best_glued < 0.85:
                continue
            best_parts = max(max(_sim(a[i], t, person, w), _sim(a[i + 1], t, person, w)) for t in b)
            if best_glued > best_parts + 0.05:
                a = a[:i] + [glued] + a[i + 2 :]
                changed = True
                break
    return a


def _align(
    a: list[str], b: list[str], person: bool, w: NameWeights
) -> list[tuple[int, int, float]]:
    """Greedy one-to-one alignment by descending similarity (names are short)."""
    cells = sorted(
        ((_sim(x, y, person, w), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    out: list[tuple[int, int, float]] = []
    for s, i, j in cells:
        if s <= 0 or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        out.append((i, j, s))
    return out


_PARTICLES = frozenset(PARTICLE_CANON.values())
_PATRONYMIC = frozenset({"bin", "bint"})


def _weights(tokens: list[str], w: NameWeights) -> list[float]:
    return [w.particle_weight if t in _PARTICLES else 1.0 for t in tokens]


def _patronymic_swapped(a: list[str], b: list[str], pairs: list[tuple[int, int, float]]) -> bool:
    """ "X bin Y" in one name and "Y bin X" in the other."""
    amap = {i: j for i, j, s in pairs if s >= 0.8}
    for p, t in enumerate(a):
        if t not in _PATRONYMIC or p == 0 or p + 1 >= len(a):
            continue
        for q, u in enumerate(b):
            if u != t or q == 0 or q + 1 >= len(b):
                continue
            if amap.get(p - 1) == q + 1 and amap.get(p + 1) == q - 1:
                return True
    return False


def compare_forms(qa: NameForm, qb: NameForm, person: bool, w: NameWeights) -> NameComparison:
    notes: list[str] = []
    a, b = list(qa.tokens), list(qb.tokens)
    if not a or not b:
        return NameComparison(0.0, [], a, b, ["empty name"])
    if not person:
        a, b = _acronyms(a, b), _acronyms(b, a)
    else:
        a = _split_initials(a, b) if qa.latin else a
        b = _split_initials(b, a) if qb.latin else b
    a = _glue(a, b, person, w)
    b = _glue(b, a, person, w)
    pairs = _align(a, b, person, w)
    wa, wb = _weights(a, w), _weights(b, w)
    got_a = [0.0] * len(a)
    got_b = [0.0] * len(b)
    for i, j, s in pairs:
        eff = s if s >= w.token_floor else s * w.below_floor_factor
        got_a[i] = got_b[j] = eff
    cov_a = sum(x * y for x, y in zip(wa, got_a, strict=True)) / sum(wa)
    cov_b = sum(x * y for x, y in zip(wb, got_b, strict=True)) / sum(wb)
    short_cov, long_cov = (cov_a, cov_b) if sum(wa) <= sum(wb) else (cov_b, cov_a)
    extra = w.extra_person if person else w.extra_org
    score = short_cov * (long_cov**extra if long_cov > 0 else 0.0)
    n_a = sum(1 for t in a if t not in _PARTICLES)
    n_b = sum(1 for t in b if t not in _PARTICLES)
    if min(n_a, n_b) == 1 and max(n_a, n_b) > 1:
        score *= w.single_token
        notes.append("one-word name against a longer name")
    # A name part present on both sides but different is a contradiction, not a gap.
    left_a = sum(1 for i, t in enumerate(a) if got_a[i] < w.token_floor and t not in _PARTICLES)
    left_b = sum(1 for j, t in enumerate(b) if got_b[j] < w.token_floor and t not in _PARTICLES)
    contradictions = min(left_a, left_b)
    if contradictions:
        score *= w.contradiction**contradictions
        notes.append(f"{contradictions} differing name part(s)")
    # Glued comparison: the same letters spaced differently.
    joined = OSA.normalized_similarity(qa.joined, qb.joined)
    if joined >= 0.9 and joined > score:
        notes.append("same letters, different spacing")
        score = joined
    if person and _patronymic_swapped(a, b, pairs):
        score *= w.patronymic_swap
        notes.append("patronymic order swapped")
    if person and len(pairs) >= 2:
        ordered = sorted(pairs)
        js = [j for _, j, _ in ordered]
        if js != sorted(js) and len(a) == len(b):
            score *= w.order_penalty
            notes.append("token order differs")
    if not person:
        fa = {LEGAL_FAMILY.get(f) for f in qa.legal_forms} - {"generic", None}
        fb = {LEGAL_FAMILY.get(f) for f in qb.legal_forms} - {"generic", None}
        if fa and fb and not fa & fb:
            score *= w.legal_mismatch
            notes.append("legal forms differ")
        if qa.numbers != qb.numbers and qa.numbers and qb.numbers:
            score *= w.number_mismatch
            notes.append("numbers differ")
    ua = [a[i] for i in range(len(a)) if got_a[i] == 0.0]
    ub = [b[j] for j in range(len(b)) if got_b[j] == 0.0]
    return NameComparison(
        min(1.0, max(0.0, score)), [(a[i], b[j], s) for i, j, s in pairs], ua, ub, notes
    )


def compare_names(
    query: str, candidate: str, kind: str = PERSON, weights: NameWeights = DEFAULT_WEIGHTS
) -> NameComparison:
    """Compare two raw names of the same kind ("person" or an organisation kind)."""
    person = kind == PERSON
    return compare_forms(normalize(query, kind), normalize(candidate, kind), person, weights)
