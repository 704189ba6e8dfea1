"""Helpers shared by the list loaders: parsed list shape, dates, countries, XML streaming."""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET  # noqa: S405 - operator-provided list files, expat >= 2.4
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from shared.aml.models import DateSpec, Entity

log = logging.getLogger(__name__)

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}


class LoadError(ValueError):
    """The file is not a valid list of the announced format."""


@dataclass
class ParsedList:
    """What a loader returns: the file's own publication date and its entities (lazily)."""

    published: str | None
    entities: Iterator[Entity]
    meta: dict = field(default_factory=dict)


def local(tag: str) -> str:
    """Tag without its XML namespace."""
    return tag.rsplit("}", 1)[-1]


def iter_elements(path: Path, wanted: set[str]) -> Iterator[tuple[str, ET.Element, dict]]:
    """Stream top-level records named in `wanted` (namespace-free), freeing memory as it goes.

    Yields (tag, element, root attributes)."""
    root_attrs: dict = {}
    depth = 0
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):  # noqa: S314
            if event == "start":
                if depth == 0:
                    root_attrs = {local(k): v for k, v in elem.attrib.items()}
                depth += 1
                continue
            depth -= 1
            tag = local(elem.tag)
            if tag in wanted:
                yield tag, elem, root_attrs
                elem.clear()
    except ET.ParseError as exc:
        raise LoadError(f"XML parse error: {exc}") from exc


def first_root_attrs(path: Path) -> dict:
    try:
        for _event, elem in ET.iterparse(path, events=("start",)):  # noqa: S314
            return {local(k): v for k, v in elem.attrib.items()}
    except ET.ParseError as exc:
        raise LoadError(f"XML parse error: {exc}") from exc
    return {}


def child(elem: ET.Element, name: str) -> ET.Element | None:
    for c in elem:
        if local(c.tag) == name:
            return c
    return None


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if local(c.tag) == name]


def grandchildren(elem: ET.Element, outer: str, inner: str) -> list[ET.Element]:
    """<outer><inner/>...</outer> children of `elem` (empty when `outer` is absent)."""
    box = child(elem, outer)
    return [] if box is None else children(box, inner)


def text(elem: ET.Element | None, name: str | None = None) -> str:
    if elem is None:
        return ""
    if name is not None:
        elem = child(elem, name)
        if elem is None:
            return ""
    return " ".join((elem.text or "").split())


def parse_date(value: str) -> DateSpec | None:
    """Dates as lists write them: 1964-07-17, 17/07/1964, 00/00/1964, 17 Jul 1964, 1964,
    circa 1964, 1958 to 1962, Jul 1964."""
    v = " ".join(value.replace("circa", "").replace("approximately", "").split()).strip(" .;")
    if not v:
        return None
    m = re.match(r"^(\d{4})\s*(?:to|-|–)\s*(\d{4})$", v)
    if m:
        return DateSpec(start=m.group(1), end=m.group(2))
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", v)
    if m:
        return _spec(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.match(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$", v)
    if m:
        return _spec(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = re.match(r"^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})$", v)
    if m and m.group(2).lower() in _MONTHS:
        return _spec(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))
    m = re.match(r"^([A-Za-z]{3})[a-z]*\.?\s+(\d{4})$", v)
    if m and m.group(1).lower() in _MONTHS:
        return _spec(int(m.group(2)), _MONTHS[m.group(1).lower()], 0)
    m = re.match(r"^(\d{4})$", v)
    if m:
        return DateSpec(start=m.group(1))
    return None


def _spec(y: int, mo: int, d: int) -> DateSpec | None:
    if not 1800 <= y <= 2100:
        return None
    if not 1 <= mo <= 12:
        return DateSpec(start=f"{y:04d}")
    if not 1 <= d <= 31:
        return DateSpec(start=f"{y:04d}-{mo:02d}")
    return DateSpec(start=f"{y:04d}-{mo:02d}-{d:02d}")


@lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """Country name or code → ISO 3166-1 alpha-2, None when unknown."""
    from shared.aml.loaders.country_names import to_alpha2

    v = value.strip()
    if not v:
        return None
    if len(v) == 2 and v.isalpha():
        return v.upper()
    return to_alpha2(v)


def countries(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        c = country_code(v)
        if c and c not in out:
            out.append(c)
    return out


def clean(value: str | None) -> str:
    return " ".join((value or "").split())
