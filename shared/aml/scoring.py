"""Scoring a screened subject against one listed entity, with the reason for every feature.

name (best alias, `names.py`) is the base; an identifier match is decisive (score 1.0); a date
of birth, country or type that agrees adds a little; a clear date-of-birth or type mismatch
lowers the score. Each feature's effect is reported in the explanation.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.aml.models import DateSpec, Entity, normalize_identifier
from shared.aml.names import compare_names
from shared.aml.normalize import PERSON, kind_of


class Subject(BaseModel):
    """Who is screened (a query or an enrolled subject)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    dob: str | None = None  # YYYY or YYYY-MM-DD
    country: str | None = None  # ISO alpha-2
    type: str | None = None  # person | company | None (unknown)
    identifiers: list[str] = Field(default_factory=list)

    @classmethod
    def screened(
        cls,
        name: str,
        dob: str | None,
        country: str | None,
        type: str | None,
        identifiers: list[str],
    ) -> Subject:
        """The subject as screened: its country upper-cased, as the lists write it."""
        return cls(
            name=name,
            dob=dob,
            country=country.upper() if country else None,
            type=type,
            identifiers=identifiers,
        )


class FeatureWeights(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dob_exact_bonus: float = 0.05
    dob_year_bonus: float = 0.02
    dob_mismatch_factor: float = 0.7  # no listed DOB within the tolerance
    dob_same_year_other_day_factor: float = 0.9
    dob_year_tolerance: int = 1  # years either side counted as "same year" (approximate DOBs)
    country_bonus: float = 0.03
    country_mismatch_factor: float = 0.95
    type_mismatch_factor: float = 0.6


def _dob_effect(q: str, dobs: list[DateSpec], w: FeatureWeights) -> tuple[str, float, str]:
    """(effect kind, value, reason): kind is 'bonus', 'factor' or 'none'."""
    if not dobs:
        return "none", 0.0, "no date of birth listed"
    qy = int(q[:4])
    full = len(q) == 10
    for d in dobs:
        if full and d.end is None and d.start == q:
            return "bonus", w.dob_exact_bonus, f"same date of birth {q}"
    for d in dobs:
        lo, hi = d.years()
        if lo - w.dob_year_tolerance <= qy <= hi + w.dob_year_tolerance:
            if full and d.end is None and len(d.start) == 10 and lo == hi:
                return (
                    "factor",
                    w.dob_same_year_other_day_factor,
                    f"same year, other day ({d.start})",
                )
            return (
                "bonus",
                w.dob_year_bonus,
                f"year compatible with {d.start}" + (f"..{d.end}" if d.end else ""),
            )
    listed = ", ".join(d.start + (f"..{d.end}" if d.end else "") for d in dobs[:3])
    return "factor", w.dob_mismatch_factor, f"listed date(s) of birth {listed} differ"


def score_entity(
    subject: Subject, entity: Entity, w: FeatureWeights | None = None
) -> tuple[float, str, dict]:
    """(score 0–1, matched alias, explanation)."""
    w = w or FeatureWeights()
    kind = kind_of(entity.type if entity.type != "unknown" else subject.type)
    best_score, best_alias, best_cmp = 0.0, entity.name, None
    for alias in entity.all_names():
        cmp = compare_names(subject.name, alias, kind)
        if cmp.score > best_score:
            best_score, best_alias, best_cmp = cmp.score, alias, cmp
            if best_score >= 0.999:
                break
    explanation: dict = {
        "name": {
            "score": round(best_score, 4),
            "matched_name": best_alias,
            **({"detail": best_cmp.explain()} if best_cmp else {}),
        }
    }
    score = best_score
    # Identifier: decisive.
    listed_ids = {i.key: i for i in entity.identifiers if len(i.key) >= 4}
    hit = next(
        (
            listed_ids[k]
            for k in (normalize_identifier(x) for x in subject.identifiers)
            if k in listed_ids
        ),
        None,
    )
    if hit is not None:
        explanation["identifier"] = {"effect": "decisive", "type": hit.type, "value": 1.0}
        return 1.0, best_alias, explanation
    if subject.identifiers:
        explanation["identifier"] = {"effect": "none", "reason": "no listed identifier equal"}
    # Date of birth.
    if subject.dob and (kind == PERSON):
        effect, value, reason = _dob_effect(subject.dob, entity.dates_of_birth, w)
        score = _apply(score, effect, value)
        explanation["dob"] = {"effect": effect, "value": value, "reason": reason}
    # Country.
    if subject.country and entity.countries:
        if subject.country.upper() in entity.countries:
            score = _apply(score, "bonus", w.country_bonus)
            explanation["country"] = {"effect": "bonus", "value": w.country_bonus}
        else:
            score = _apply(score, "factor", w.country_mismatch_factor)
            explanation["country"] = {
                "effect": "factor",
                "value": w.country_mismatch_factor,
                "reason": f"listed countries {','.join(entity.countries[:5])}",
            }
    # Type.
    if subject.type and entity.type != "unknown":
        same = (subject.type == "person") == (entity.type == "person")
        if not same:
            score = _apply(score, "factor", w.type_mismatch_factor)
            explanation["type"] = {
                "effect": "factor",
                "value": w.type_mismatch_factor,
                "reason": f"screened {subject.type}, listed {entity.type}",
            }
        else:
            explanation["type"] = {"effect": "none", "reason": "same type"}
    return round(min(1.0, max(0.0, score)), 4), best_alias, explanation


def _apply(score: float, effect: str, value: float) -> float:
    if effect == "bonus":
        return min(1.0, score + value * score)  # a bonus never lifts a poor name match much
    if effect == "factor":
        return score * value
    return score
