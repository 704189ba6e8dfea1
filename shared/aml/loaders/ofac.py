"""OFAC SDN list: the legacy CSV trio (sdn.csv + alt.csv + add.csv) and the XML (sdn.xml)."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from shared.aml.loaders.common import (
    LoadError,
    ParsedList,
    clean,
    countries,
    grandchildren,
    iter_elements,
    parse_date,
    text,
)
from shared.aml.models import DateSpec, Entity, Identifier

_NULL = "-0-"
_TYPES = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft", "entity": "company"}


def _v(value: str | None) -> str:
    v = clean(value)
    return "" if v == _NULL else v


def _ofac_name(raw: str, is_person: bool) -> str:
    """'LAST, First' stays as is: the comparator reorders comma names of people."""
    return clean(raw.strip('"'))


# Remarks hold DOBs, nationalities and documents: "DOB 10 Jan 1964; alt. DOB 1965; POB ...;
# nationality Iran; Passport A1234567 (Iran); National ID No. 123 (Iran)".
_DOB_RE = re.compile(r"DOB\s+([^;]+)")
_NAT_RE = re.compile(r"(?:nationality|citizen)\s+([^;(]+)", re.I)
_ID_RE = re.compile(
    r"(Passport|National ID No\.|Cedula No\.|Identification Number|IMO|Tax ID No\.)\s+"
    r"([A-Z0-9][A-Z0-9 \-/]*?)\s*(?:\(([^)]+)\))?\s*\.?\s*(?:;|$)",
    re.I,
)


def _remarks(remarks: str) -> tuple[list[DateSpec], list[str], list[Identifier]]:
    dobs = [d for d in (parse_date(m.strip()) for m in _DOB_RE.findall(remarks)) if d]
    nats = countries([m.strip() for m in _NAT_RE.findall(remarks)])
    ids = []
    for kind, number, country in _ID_RE.findall(remarks):
        c = countries([country]) if country else []
        kind = kind.lower().rstrip(".").replace(" no", "").replace(" ", "_")
        ids.append(Identifier(type=kind, number=number.strip(), country=c[0] if c else None))
    return dobs, nats, ids


def parse_csv(sdn: Path, alt: Path | None = None, add: Path | None = None) -> ParsedList:
    """sdn.csv (+ alt.csv and add.csv found next to it when not given)."""
    alt = alt or _sibling(sdn, "alt")
    add = add or _sibling(sdn, "add")
    aliases: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if alt and alt.exists():
        for row in _rows(alt):
            if len(row) >= 4 and _v(row[3]):
                aliases[row[0].strip()].append((_v(row[2]).lower(), _v(row[3])))
    addr_countries: dict[str, list[str]] = defaultdict(list)
    if add and add.exists():
        for row in _rows(add):
            if len(row) >= 5 and _v(row[4]):
                addr_countries[row[0].strip()].append(_v(row[4]))

    def gen() -> Iterator[Entity]:
        for row in _rows(sdn):
            if len(row) < 12:
                if any(c.strip() for c in row):
                    raise LoadError(f"sdn.csv row with {len(row)} columns, expected 12")
                continue
            ent_num, name, sdn_type, program = row[0].strip(), _v(row[1]), _v(row[2]), _v(row[3])
            if not ent_num or not name:
                continue
            etype = _TYPES.get(sdn_type.lower(), "company")
            person = etype == "person"
            dobs, nats, ids = _remarks(_v(row[11]))
            strong = [n for t, n in aliases.get(ent_num, []) if t != "weak aka"]
            weak = [n for t, n in aliases.get(ent_num, []) if t == "weak aka"]
            yield Entity(
                id=f"ofac:{ent_num}",
                list="ofac",
                type=etype,
                name=_ofac_name(name, person),
                aliases=[_ofac_name(n, person) for n in strong],
                weak_aliases=[_ofac_name(n, person) for n in weak],
                dates_of_birth=dobs,
                countries=nats
                + [c for c in countries(addr_countries.get(ent_num, [])) if c not in nats],
                identifiers=ids,
                programmes=[p.strip() for p in program.strip("[]").split("] [") if p.strip()],
                source_id=ent_num,
            )

    return ParsedList(None, gen())


def _sibling(sdn: Path, stem: str) -> Path | None:
    for cand in (sdn.with_name(f"{stem}.csv"), sdn.with_name(f"{stem.upper()}.CSV")):
        if cand.exists():
            return cand
    return None


def _rows(path: Path) -> Iterator[list[str]]:
    with open(path, encoding="latin-1", newline="") as fh:
        yield from csv.reader(fh)


def _xml_name(e) -> str:
    last, first = text(e, "lastName"), text(e, "firstName")
    return clean(f"{first} {last}") if first else last


def parse_xml(path: Path) -> ParsedList:
    with open(path, "rb") as fh:
        head = fh.read(65536).decode("utf-8", "replace")
    m = re.search(r"<Publish_Date>([^<]+)</Publish_Date>", head)
    d = None
    us = re.match(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})", m.group(1)) if m else None
    if us:  # OFAC writes MM/DD/YYYY
        d = parse_date(f"{us.group(3)}-{int(us.group(1)):02d}-{int(us.group(2)):02d}")

    def gen() -> Iterator[Entity]:
        for _tag, e, _ in iter_elements(path, {"sdnEntry"}):
            uid = text(e, "uid")
            name = _xml_name(e)
            if not uid or not name:
                continue
            etype = _TYPES.get(text(e, "sdnType").lower(), "company")
            aliases, weak = [], []
            for aka in grandchildren(e, "akaList", "aka"):
                n = _xml_name(aka)
                if n:
                    (weak if text(aka, "category").lower() == "weak" else aliases).append(n)
            dobs: list[DateSpec] = []
            for item in grandchildren(e, "dateOfBirthList", "dateOfBirthItem"):
                d = parse_date(text(item, "dateOfBirth"))
                if d:
                    dobs.append(d)
            cnames = [
                text(n, "country") for n in grandchildren(e, "nationalityList", "nationality")
            ]
            cnames += [
                text(n, "country") for n in grandchildren(e, "citizenshipList", "citizenship")
            ]
            cnames += [text(a, "country") for a in grandchildren(e, "addressList", "address")]
            ids = []
            for i in grandchildren(e, "idList", "id"):
                number = text(i, "idNumber")
                if number:
                    c = countries([text(i, "idCountry")])
                    kind = text(i, "idType").lower().replace(" ", "_")
                    ids.append(Identifier(type=kind, number=number, country=c[0] if c else None))
            programmes = [text(p) for p in grandchildren(e, "programList", "program")]
            yield Entity(
                id=f"ofac:{uid}",
                list="ofac",
                type=etype,
                name=name,
                aliases=aliases,
                weak_aliases=weak,
                dates_of_birth=dobs,
                countries=countries(cnames),
                identifiers=ids,
                programmes=[p for p in programmes if p],
                source_id=uid,
            )

    return ParsedList(d.start if d else None, gen())
