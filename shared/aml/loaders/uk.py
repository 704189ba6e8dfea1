"""UK consolidated list (OFSI `ConList.csv`): one row per name, grouped by `Group ID`.

The first line is `Last Updated,DD/MM/YYYY`; the second is the header. Name 6 is the surname,
Name 1..5 the other parts; `Alias Type` says primary name or AKA; `Group Type` Individual,
Entity or Ship; DOB as dd/mm/yyyy with 00 for unknown parts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from shared.aml.loaders.common import LoadError, ParsedList, clean, countries, parse_date
from shared.aml.models import DateSpec, Entity, Identifier

_TYPES = {"individual": "person", "entity": "company", "ship": "vessel"}


def _read(path: Path) -> tuple[str | None, list[dict[str, str]]]:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("latin-1")
    lines = content.splitlines()
    published = None
    if lines and lines[0].lower().startswith("last updated"):
        d = parse_date(lines[0].split(",", 1)[1].strip().strip('"')) if "," in lines[0] else None
        published = d.start if d else None
        lines = lines[1:]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if not reader.fieldnames or "Group ID" not in reader.fieldnames:
        raise LoadError("not a UK consolidated list CSV (no 'Group ID' column)")
    return published, list(reader)


def _name(row: dict[str, str]) -> str:
    given = [clean(row.get(f"Name {i}")) for i in range(1, 6)]
    return clean(" ".join([*(g for g in given if g), clean(row.get("Name 6"))]))


def parse(path: Path) -> ParsedList:
    published, rows = _read(path)
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        gid = clean(row.get("Group ID"))
        if gid:
            groups.setdefault(gid, []).append(row)

    def gen() -> Iterator[Entity]:
        for gid, grp in groups.items():
            primary = next(
                (r for r in grp if "primary" in (r.get("Alias Type") or "").lower()), grp[0]
            )
            name = _name(primary)
            if not name:
                continue
            aliases, weak = [], []
            dobs: list[DateSpec] = []
            cnames: list[str] = []
            ids: list[Identifier] = []
            for r in grp:
                n = _name(r)
                if n and n != name:
                    low = (r.get("Alias Quality") or "").lower() == "low quality"
                    (weak if low else aliases).append(n)
                nls = clean(r.get("Name Non-Latin Script"))
                if nls:
                    aliases.append(nls)
                d = parse_date(clean(r.get("DOB")))
                if d and d not in dobs:
                    dobs.append(d)
                cnames += [clean(x) for x in (r.get("Nationality") or "").split(",")]
                cnames.append(clean(r.get("Country")))
                for col, kind in (
                    ("Passport Number", "passport"),
                    ("National Identification Number", "national_id"),
                ):
                    num = clean(r.get(col))
                    if num:
                        ident = Identifier(type=kind, number=num)
                        if ident not in ids:
                            ids.append(ident)
            yield Entity(
                id=f"uk:{gid}",
                list="uk",
                type=_TYPES.get(clean(primary.get("Group Type")).lower(), "unknown"),
                name=name,
                aliases=list(dict.fromkeys(aliases)),
                weak_aliases=list(dict.fromkeys(weak)),
                dates_of_birth=dobs,
                countries=countries([c.strip("() ") for c in cnames if c]),
                identifiers=ids,
                programmes=[p for p in [clean(primary.get("Regime"))] if p],
                listed_on=(
                    parse_date(clean(primary.get("Listed On"))) or DateSpec(start="1900")
                ).start
                if clean(primary.get("Listed On"))
                else None,
                source_id=gid,
            )

    return ParsedList(published, gen())
