"""The `when` of a conditional (step-up) workflow step: a small typed condition language.

A condition is one JSON object; its first key says which kind it is:

- `{"step": "risk", "status": ["warning", "failed"]}`: the step ended with one of these
  statuses (`skipped` included);
- `{"step": "risk", "warning": "IP_COUNTRY_MISMATCH"}`: the step reported the code;
- `{"step": "face_match", "score_at_least": 40, "score_below": 80}`: its score is in range;
- `{"risk_at_least": 60}`, `{"risk_below": 20}`: the workflow's `risk` step scored so;
- `{"country": "ip", "in": ["RU"]}`, `{"country": "ip", "not_in": ["DE", "AT"]}`: the
  country (`ip`, `phone` or `document`, ISO 3166 alpha-2, as the `risk` step established
  it) is (not) listed; an unknown country never holds;
- `{"country": "ip", "differs_from": "document"}`: both countries are known and differ;
- `{"any": [...]}`, `{"all": [...]}`, `{"not": {...}}`: or, and, not.

A step condition (`step` with several fields) needs all of them. A condition only looks at
final results: the step it names must have ended (or been skipped) before it is evaluated,
so a conditional step implicitly waits for every step its condition names, and for the
`risk` step when it uses a risk score or a country. Evaluation returns whether it holds and
a sentence saying why, which the decision keeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

StatusName = Literal["passed", "failed", "warning", "error", "skipped"]
CountrySource = Literal["ip", "phone", "document"]
RISK_CHECK = "risk"
_CODE = r"^[A-Z][A-Z0-9_]*$"
_COUNTRY = r"^[A-Z]{2}$"


class StepFacts(BaseModel):
    """What conditions may read of one step's final result."""

    status: StatusName | Literal["pending"]
    score: float | None = None
    warning_codes: list[str] = Field(default_factory=list)


class Facts(BaseModel):
    """Everything a condition may read: final results by step id and the countries the
    `risk` step established (alpha-2; a missing one is unknown)."""

    steps: dict[str, StepFacts] = Field(default_factory=dict)
    risk_score: float | None = None
    countries: dict[CountrySource, Annotated[str, Field(pattern=_COUNTRY)]] = Field(
        default_factory=dict
    )


class _Cond(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class StepCondition(_Cond):
    step: str = Field(min_length=1, max_length=40)
    status: list[StatusName] | None = Field(default=None, min_length=1)
    warning: str | None = Field(default=None, pattern=_CODE)
    score_at_least: float | None = None
    score_below: float | None = None

    @model_validator(mode="after")
    def _something(self) -> StepCondition:
        if all(
            v is None for v in (self.status, self.warning, self.score_at_least, self.score_below)
        ):
            raise ValueError(
                "a step condition needs status, warning, score_at_least or score_below"
            )
        return self

    def evaluate(self, facts: Facts) -> tuple[bool, str]:
        f = facts.steps.get(self.step)
        if f is None:
            return False, f"step {self.step} has no result"
        parts: list[tuple[bool, str]] = []
        if self.status is not None:
            parts.append((f.status in self.status, f"step {self.step} is {f.status}"))
        if self.warning is not None:
            has = self.warning in f.warning_codes
            parts.append(
                (has, f"step {self.step} {'reported' if has else 'did not report'} {self.warning}")
            )
        if self.score_at_least is not None or self.score_below is not None:
            s = f.score
            ok = s is not None
            ok = ok and (self.score_at_least is None or s >= self.score_at_least)
            ok = ok and (self.score_below is None or s < self.score_below)
            parts.append((ok, f"step {self.step} scored {_num(s)}{_range(self)}"))
        return _and(parts)


class RiskCondition(_Cond):
    risk_at_least: float | None = Field(default=None, ge=0, le=100)
    risk_below: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _something(self) -> RiskCondition:
        if self.risk_at_least is None and self.risk_below is None:
            raise ValueError("a risk condition needs risk_at_least or risk_below")
        return self

    def evaluate(self, facts: Facts) -> tuple[bool, str]:
        s = facts.risk_score
        ok = s is not None
        ok = ok and (self.risk_at_least is None or s >= self.risk_at_least)
        ok = ok and (self.risk_below is None or s < self.risk_below)
        lo = "" if self.risk_at_least is None else f" ≥ {_num(self.risk_at_least)}"
        hi = "" if self.risk_below is None else f" < {_num(self.risk_below)}"
        return (
            ok,
            f"risk score {_num(s)}{'' if ok else ' not'}{lo}{' and' if lo and hi else ''}{hi}",
        )


class CountryCondition(_Cond):
    country: CountrySource
    in_: list[Annotated[str, Field(pattern=_COUNTRY)]] | None = Field(
        default=None, alias="in", min_length=1
    )
    not_in: list[Annotated[str, Field(pattern=_COUNTRY)]] | None = Field(default=None, min_length=1)
    differs_from: CountrySource | None = None

    @model_validator(mode="after")
    def _one(self) -> CountryCondition:
        given = [v for v in (self.in_, self.not_in, self.differs_from) if v is not None]
        if len(given) != 1:
            raise ValueError("a country condition needs exactly one of in, not_in, differs_from")
        if self.differs_from == self.country:
            raise ValueError("a country cannot differ from itself")
        return self

    def evaluate(self, facts: Facts) -> tuple[bool, str]:
        c = facts.countries.get(self.country)
        name = f"{self.country} country {c or 'unknown'}"
        if c is None:
            return False, name
        if self.in_ is not None:
            ok = c in self.in_
            return ok, f"{name} {'in' if ok else 'not in'} {', '.join(self.in_)}"
        if self.not_in is not None:
            ok = c not in self.not_in
            return ok, f"{name} {'not in' if ok else 'in'} {', '.join(self.not_in)}"
        other = facts.countries.get(self.differs_from)
        if other is None:
            return False, f"{name}, {self.differs_from} country unknown"
        ok = c != other
        verb = "differs from" if ok else "equals"
        return ok, f"{name} {verb} {self.differs_from} country {other}"


class AnyCondition(_Cond):
    any: list[Condition] = Field(min_length=1, max_length=20)

    def evaluate(self, facts: Facts) -> tuple[bool, str]:
        results = [c.evaluate(facts) for c in self.any]
        held = [why for ok, why in results if ok]
        if held:
            return True, " or ".join(held)
        return False, " and ".join(why for _, why in results)


class AllCondition(_Cond):
    all: list[Condition] = Field(min_length=1, max_length=20)

    def evaluate(self, facts: Facts) -> tuple[bool, str]:
        return _and([c.evaluate(facts) for c in self.all])


class NotCondition(_Cond):
    not_: Condition = Field(alias="not")

    def evaluate(self, facts: Facts) -> tuple[bool, str]:
        ok, why = self.not_.evaluate(facts)
        return not ok, why


_KINDS = {
    "any": "any",
    "all": "all",
    "not": "not",
    "step": "step",
    "risk_at_least": "risk",
    "risk_below": "risk",
    "country": "country",
}


def _kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return {
            AnyCondition: "any",
            AllCondition: "all",
            NotCondition: "not",
            StepCondition: "step",
            RiskCondition: "risk",
            CountryCondition: "country",
        }.get(type(value))
    if isinstance(value, dict):
        for key in value:
            if key in _KINDS:
                return _KINDS[key]
    return None


Condition = Annotated[
    Union[  # noqa: UP007 (a tagged union of forward references)
        Annotated[AnyCondition, Tag("any")],
        Annotated[AllCondition, Tag("all")],
        Annotated[NotCondition, Tag("not")],
        Annotated[StepCondition, Tag("step")],
        Annotated[RiskCondition, Tag("risk")],
        Annotated[CountryCondition, Tag("country")],
    ],
    Discriminator(
        _kind,
        custom_error_type="condition_kind",
        custom_error_message="a condition starts with one of: step, risk_at_least, "
        "risk_below, country, any, all, not",
    ),
]
for _m in (AnyCondition, AllCondition, NotCondition):
    _m.model_rebuild()


def walk(cond: Any, pointer: str) -> Iterator[tuple[Any, str]]:
    """Every condition in the tree with its JSON pointer (relative to `pointer`)."""
    yield cond, pointer
    if isinstance(cond, AnyCondition):
        for i, c in enumerate(cond.any):
            yield from walk(c, f"{pointer}/any/{i}")
    elif isinstance(cond, AllCondition):
        for i, c in enumerate(cond.all):
            yield from walk(c, f"{pointer}/all/{i}")
    elif isinstance(cond, NotCondition):
        yield from walk(cond.not_, f"{pointer}/not")


def needs_risk(cond: Any) -> bool:
    """Whether the condition reads the `risk` step's score or countries."""
    return any(isinstance(c, RiskCondition | CountryCondition) for c, _ in walk(cond, ""))


def named_steps(cond: Any) -> list[tuple[str, str]]:
    """(step id, pointer of its `step` field) of every step condition in the tree."""
    return [(c.step, f"{p}/step") for c, p in walk(cond, "") if isinstance(c, StepCondition)]


def _and(parts: list[tuple[bool, str]]) -> tuple[bool, str]:
    failed = [why for ok, why in parts if not ok]
    if failed:
        return False, " and ".join(failed)
    return True, " and ".join(why for _, why in parts)


def _num(x: float | None) -> str:
    if x is None:
        return "unknown"
    return f"{x:g}"


def _range(c: StepCondition) -> str:
    lo = "" if c.score_at_least is None else f" ≥ {_num(c.score_at_least)}"
    hi = "" if c.score_below is None else f" < {_num(c.score_below)}"
    return f" (wanted{lo}{' and' if lo and hi else ''}{hi})"
