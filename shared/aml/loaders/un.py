"""UN Security Council consolidated list (XML, `CONSOLIDATED_LIST`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from shared.aml.loaders.common import (
    ParsedList,
    child,
    children,
    clean,
    countries,
    first_root_attrs,
    iter_elements,
    parse_date,
    text,
)
from shared.aml.models import DateSpec, Entity, Identifier


def _dobs(elem) -> list[DateSpec]:
    out: list[DateSpec] = []
    for d in children(elem, "INDIVIDUAL_DATE_OF_BIRTH"):
        kind = text(d, "TYPE_OF_DATE").upper()
        if kind == "BETWEEN" and text(d, "FROM_YEAR"):
            spec = parse_date(f"{text(d, 'FROM_YEAR')} to {text(d, 'TO_YEAR')}")
        else:
            spec = parse_date(text(d, "DATE") or text(d, "YEAR"))
        if spec and spec not in out:
            out.append(spec)
    return out


def _entity(tag: str, e) -> Entity | None:
    dataid = text(e, "DATAID")
    parts = [text(e, n) for n in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    name = clean(" ".join(p for p in parts if p))
    if not dataid or not name:
        return None
    alias_tag = "INDIVIDUAL_ALIAS" if tag == "INDIVIDUAL" else "ENTITY_ALIAS"
    aliases, weak = [], []
    for a in children(e, alias_tag):
        alias = text(a, "ALIAS_NAME")
        if alias:
            (weak if text(a, "QUALITY").lower() == "low" else aliases).append(alias)
    original = text(e, "NAME_ORIGINAL_SCRIPT")
    if original:
        aliases.append(original)
    nat = child(e, "NATIONALITY")
    country_names = [text(v) for v in children(nat, "VALUE")] if nat is not None else []
    for addr in children(e, f"{tag}_ADDRESS"):
        country_names.append(text(addr, "COUNTRY"))
    ids = []
    for doc in children(e, "INDIVIDUAL_DOCUMENT"):
        number = text(doc, "NUMBER")
        if number:
            kind = text(doc, "TYPE_OF_DOCUMENT").lower().replace(" ", "_") or "document"
            issuer = countries([text(doc, "ISSUING_COUNTRY") or text(doc, "COUNTRY_OF_ISSUE")])
            ids.append(Identifier(type=kind, number=number, country=issuer[0] if issuer else None))
    return Entity(
        id=f"un:{dataid}",
        list="un",
        type="person" if tag == "INDIVIDUAL" else "organization",
        name=name,
        aliases=aliases,
        weak_aliases=weak,
        dates_of_birth=_dobs(e) if tag == "INDIVIDUAL" else [],
        countries=countries(country_names),
        identifiers=ids,
        programmes=[p for p in [text(e, "UN_LIST_TYPE")] if p],
        listed_on=text(e, "LISTED_ON") or None,
        source_id=text(e, "REFERENCE_NUMBER") or dataid,
    )


def parse(path: Path) -> ParsedList:
    attrs = first_root_attrs(path)
    published = (attrs.get("dateGenerated") or "")[:10] or None

    def gen() -> Iterator[Entity]:
        for tag, elem, _ in iter_elements(path, {"INDIVIDUAL", "ENTITY"}):
            ent = _entity(tag, elem)
            if ent:
                yield ent

    return ParsedList(published, gen())
