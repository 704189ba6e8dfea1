"""EU financial sanctions files (FSF) consolidated list, XML (`export/sanctionEntity`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from shared.aml.loaders.common import (
    ParsedList,
    children,
    clean,
    countries,
    first_root_attrs,
    iter_elements,
    parse_date,
)
from shared.aml.models import DateSpec, Entity, Identifier

_TYPES = {"person": "person", "enterprise": "company"}


def _entity(e) -> Entity | None:
    logical_id = e.get("logicalId") or e.get("euReferenceNumber")
    names: list[str] = []
    weak: list[str] = []
    for a in children(e, "nameAlias"):
        whole = clean(a.get("wholeName")) or clean(
            " ".join(filter(None, (a.get("firstName"), a.get("middleName"), a.get("lastName"))))
        )
        if whole:
            (names if a.get("strong", "true").lower() != "false" else weak).append(whole)
    if not logical_id or not (names or weak):
        return None
    names = names or weak
    subject = next(iter(children(e, "subjectType")), None)
    code = (subject.get("code") if subject is not None else "") or ""
    dobs: list[DateSpec] = []
    for b in children(e, "birthdate"):
        d = parse_date(b.get("birthdate") or b.get("year") or "")
        if d is None and b.get("yearRangeFrom"):
            d = parse_date(
                f"{b.get('yearRangeFrom')} to {b.get('yearRangeTo') or b.get('yearRangeFrom')}"
            )
        if d and d not in dobs:
            dobs.append(d)
    cnames = [
        c.get("countryIso2Code") or c.get("countryDescription") or ""
        for c in children(e, "citizenship")
    ]
    cnames += [c.get("countryIso2Code") or "" for c in children(e, "address")]
    ids = []
    for i in children(e, "identification"):
        if i.get("number"):
            c = countries([i.get("countryIso2Code") or ""])
            ids.append(
                Identifier(
                    type=(i.get("identificationTypeCode") or "id").lower(),
                    number=i.get("number"),
                    country=c[0] if c else None,
                )
            )
    programmes = [r.get("programme") for r in children(e, "regulation") if r.get("programme")]
    return Entity(
        id=f"eu:{logical_id}",
        list="eu",
        type=_TYPES.get(code.lower(), "organization" if code else "unknown"),
        name=names[0],
        aliases=[n for n in names[1:] if n != names[0]],
        weak_aliases=weak if weak is not names else [],
        dates_of_birth=dobs,
        countries=countries([c for c in cnames if c and c != "00"]),
        identifiers=ids,
        programmes=sorted(set(programmes)),
        listed_on=e.get("designationDate") or None,
        source_id=e.get("euReferenceNumber") or str(logical_id),
    )


def parse(path: Path) -> ParsedList:
    attrs = first_root_attrs(path)
    published = (attrs.get("generationDate") or "")[:10] or None

    def gen() -> Iterator[Entity]:
        for _tag, elem, _ in iter_elements(path, {"sanctionEntity"}):
            ent = _entity(elem)
            if ent:
                yield ent

    return ParsedList(published, gen())
