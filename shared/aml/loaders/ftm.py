"""OpenSanctions FollowTheMoney entities, JSON lines (`entities.ftm.json`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from shared.aml.loaders.common import LoadError, ParsedList, countries, parse_date
from shared.aml.models import DateSpec, Entity, Identifier

_TYPES = {
    "person": "person",
    "company": "company",
    "organization": "organization",
    "legalentity": "organization",
    "publicbody": "organization",
    "vessel": "vessel",
    "airplane": "aircraft",
}
_ID_PROPS = {
    "passportNumber": "passport",
    "idNumber": "national_id",
    "taxNumber": "tax_id",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "registrationNumber": "registration",
    "imoNumber": "imo",
    "leiCode": "lei",
    "swiftBic": "bic",
}
# Schemas that are not screenable parties (relationships, addresses, sanctions records...).
_PARTIES = set(_TYPES)


def parse(path: Path, list_name: str = "opensanctions") -> ParsedList:
    def gen() -> Iterator[Entity]:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise LoadError(f"line {lineno}: invalid JSON ({exc.msg})") from exc
                schema = str(obj.get("schema", "")).lower()
                if schema not in _PARTIES or not obj.get("id"):
                    continue
                props: dict[str, list[str]] = obj.get("properties") or {}
                names = [n for n in props.get("name", []) if n]
                if not names:
                    continue
                dobs: list[DateSpec] = []
                for d in props.get("birthDate", []):
                    spec = parse_date(d)
                    if spec and spec not in dobs:
                        dobs.append(spec)
                cvals = props.get("nationality", []) + props.get("citizenship", [])
                cvals += props.get("country", []) + props.get("jurisdiction", [])
                ids = [
                    Identifier(type=kind, number=v)
                    for prop, kind in _ID_PROPS.items()
                    for v in props.get(prop, [])
                    if v
                ]
                yield Entity(
                    id=f"{list_name}:{obj['id']}",
                    list=list_name,
                    type=_TYPES[schema],
                    name=names[0],
                    aliases=names[1:] + props.get("alias", []) + props.get("previousName", []),
                    weak_aliases=props.get("weakAlias", []),
                    dates_of_birth=dobs,
                    countries=countries(cvals),
                    identifiers=ids,
                    programmes=props.get("programId", []) or props.get("program", []),
                    listed_on=(obj.get("first_seen") or "")[:10] or None,
                    source_id=str(obj["id"]),
                )

    return ParsedList(None, gen())
