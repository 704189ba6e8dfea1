"""Postal addresses: parsing lines into components (US, UK, NL, DE/FR/ES/IT and other
4/5-digit postcode countries), normalising abbreviations, and comparing component-wise."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from anyascii import anyascii
from rapidfuzz import fuzz

US_STATES = set(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "VI",
        "GU",
    ]
)
COUNTRY_NAMES = {
    "united states": "US",
    "usa": "US",
    "united kingdom": "UK",
    "uk": "UK",
    "great britain": "UK",
    "england": "UK",
    "scotland": "UK",
    "wales": "UK",
    "deutschland": "DE",
    "germany": "DE",
    "france": "FR",
    "espana": "ES",
    "spain": "ES",
    "nederland": "NL",
    "netherlands": "NL",
    "italia": "IT",
    "italy": "IT",
    "belgique": "BE",
    "belgie": "BE",
    "osterreich": "AT",
    "oesterreich": "AT",
    "austria": "AT",
    "schweiz": "CH",
    "suisse": "CH",
    "portugal": "PT",
}

_UK_PC = re.compile(r"\b((?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[A-Z]{2})\b")
_US_CITY_ZIP = re.compile(
    r"^(?P<city>[A-Za-z][A-Za-z .'-]*?)[,\s]+(?P<state>[A-Z]{2})\.?[,\s]*(?P<zip>\d{5})(?:-\d{4})?$"
)
_NL_PC = re.compile(r"^(?P<pc>\d{4}\s?[A-Z]{2})\b\s*(?P<city>[^\d].*)?$")
_NL_PC_GLUED = re.compile(
    r"^(?P<pc>\d{4}\s?[A-Z]{2})(?P<city>[A-Z]{3}.*)$"
)  # OCR: "1016 GVAMSTERDAM"
_EU5_PC = re.compile(r"^(?:[A-Z]{1,2}\s?-\s?)?(?P<pc>\d{5})\s*(?P<city>[^\d,].*)$")
_EU4_PC = re.compile(r"^(?:[A-Z]{1,2}\s?-\s?)?(?P<pc>\d{4})\s+(?P<city>[^\d,].*)$")

_UNIT_WORDS = (
    r"apt|apartment|appartement|appt|unit|suite|ste|flat|fl|floor|rm|room|bldg|"
    r"building|bat|batiment|etage|piso|puerta|planta|wohnung|whg|app|#"
)
_UNIT_LINE = re.compile(
    rf"^(?:(?:{_UNIT_WORDS})\.?\s*#?\s*[\w/-]+|\d{{1,2}}\s?[ºª°]\s?-?\s?\w{{0,3}}"
    rf"(?:\s?[ºª°])?)$",
    re.I,
)
_UNIT_TAIL = re.compile(rf"[\s,]+(?P<unit>(?:{_UNIT_WORDS})\.?\s*#?\s*[\w/-]+)$", re.I)
_UNIT_HEAD = re.compile(rf"^(?P<unit>(?:{_UNIT_WORDS})\.?\s*#?\s*[\w/-]+)[\s,]+(?=\d)", re.I)
_ES_UNIT = re.compile(r"[\s,]+(?P<unit>\d{1,2}\s?[ºª°oa]\s?-?\s?[\w]{0,3}(?:\s?[ºª°])?)$", re.I)
_NUM_FIRST = re.compile(
    r"^(?P<num>\d{1,6}(?:\s?[A-Za-z](?![a-z]))?(?:\s?(?:bis|ter|quater)\b)?)"
    r"(?:[\s,]+)(?P<street>[^\d].*)$",
    re.I,
)
_NUM_LAST = re.compile(
    r"^(?P<street>[^\d].*?)[\s,]+(?:n[oº°]\.?\s*)?(?P<num>\d{1,5}[A-Za-z]?)"
    r"(?:\s?[-/]\s?(?P<sub>[\w]{1,4}))?(?:\s+(?P<letter>[A-Za-z]))?$",
    re.I,
)

_ABBR = {
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "avn": "avenue",
    "rd": "road",
    "pkwy": "parkway",
    "pky": "parkway",
    "blvd": "boulevard",
    "bd": "boulevard",
    "bvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "pl": "place",
    "hwy": "highway",
    "sq": "square",
    "cres": "crescent",
    "cr": "crescent",
    "ter": "terrace",
    "terr": "terrace",
    "cir": "circle",
    "trl": "trail",
    "cl": "close",
    "gdns": "gardens",
    "mt": "mount",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
    "r": "rue",
    "all": "allee",
    "ch": "chemin",
    "imp": "impasse",
    "fbg": "faubourg",
    "c": "calle",
    "cl.": "calle",
    "avda": "avenida",
    "pza": "plaza",
    "pso": "paseo",
    "po": "paseo",
    "ctra": "carretera",
    "pg": "passeig",
    "plein": "plein",
    "ln.": "lane",
}
_STOP = {
    "de",
    "la",
    "del",
    "des",
    "du",
    "le",
    "les",
    "l",
    "d",
    "of",
    "the",
    "el",
    "van",
    "der",
    "den",
    "di",
    "da",
    "am",
    "an",
    "im",
    "y",
}
_UNIT_STRIP = re.compile(rf"\b(?:{_UNIT_WORDS.replace('|#', '')}|no|n)\b\.?|[#ºª°.,\s-]", re.I)


@dataclass
class Address:
    house_number: str = ""
    street: str = ""
    unit: str = ""
    postcode: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def complete(self) -> bool:
        return bool(self.street and self.postcode and (self.city or self.country == "UK"))


def _clean(line: str) -> str:
    return " ".join(line.replace("\u00a0", " ").split()).strip(" ,;")


def match_postcode_line(line: str, hint: str | None = None) -> tuple[str, str, str, str] | None:
    """(postcode, city, state, country) if the line is a postcode/city line."""
    s = _clean(line)
    u = s.upper()
    m = _US_CITY_ZIP.match(s)
    if m and m.group("state") in US_STATES:
        return m.group("zip"), m.group("city").strip(" ,"), m.group("state"), "US"
    m = _NL_PC.match(u) or (_NL_PC_GLUED.match(u) if hint == "NL" else None)
    if m and hint not in ("US", "UK"):
        pc = m.group("pc").replace(" ", "")
        pc = f"{pc[:4]} {pc[4:]}"
        city = s[len(m.group("pc")) :].strip(" ,") if m.group("city") else ""
        if not city or city[:1].isalpha():
            return pc, city, "", "NL"
    m = _UK_PC.search(u)
    if m and (m.end() == len(u.rstrip()) or hint == "UK") and re.search(r"[A-Z]", m.group(1)[:2]):
        pc = m.group(1)
        pc = pc if " " in pc else f"{pc[:-3]} {pc[-3:]}"
        city = s[: m.start()].strip(" ,")
        if not city or not re.search(r"\d", city):
            return pc, city, "", "UK"
    m = _EU5_PC.match(s)
    if m and m.group("city")[:1].isalpha():
        return m.group("pc"), m.group("city").strip(" ,"), "", hint or ""
    m = _EU4_PC.match(s)
    if m and m.group("city")[:1].isalpha() and hint not in ("US", "UK"):
        return m.group("pc"), m.group("city").strip(" ,"), "", hint or ""
    return None


def parse_street(line: str) -> tuple[str, str, str] | None:
    """(house_number, street, unit) if the line looks like a street line."""
    s = _clean(line).rstrip(" ,;°º.")
    unit = ""
    m = _UNIT_HEAD.match(s)
    if m:
        unit, s = m.group("unit"), s[m.end() :]
    m = _UNIT_TAIL.search(s)
    if m:
        unit, s = m.group("unit"), s[: m.start()]
    m = _ES_UNIT.search(s)
    if m and re.search(r"\d", s[: m.start()]):
        unit, s = m.group("unit"), s[: m.start()]
    m = _NUM_FIRST.match(s)
    if m and len(m.group("street")) >= 3 and re.search(r"[A-Za-z]{2}", m.group("street")):
        return m.group("num").replace(" ", ""), m.group("street").strip(" ,"), unit
    m = _NUM_LAST.match(s)
    if m and re.search(r"[A-Za-z]{3}", m.group("street")):
        sub = m.group("sub") or m.group("letter") or ""
        num = m.group("num").replace(" ", "")
        return num, m.group("street").strip(" ,"), unit or sub
    return None


def parse_lines(lines: list[str], hint: str | None = None) -> Address | None:
    """Parse an address block (street line(s) then postcode/city); None if not an address."""
    lines = [_clean(x) for x in lines if _clean(x)]
    country = ""
    if lines and anyascii(lines[-1]).lower().strip(" .") in COUNTRY_NAMES:
        country = COUNTRY_NAMES[anyascii(lines[-1]).lower().strip(" .")]
        lines = lines[:-1]
    pc_idx = None
    pc = None
    for i in range(len(lines) - 1, -1, -1):
        pc = match_postcode_line(lines[i], hint or country or None)
        if pc:
            pc_idx = i
            break
    if pc_idx is None or pc is None:
        return None
    postcode, city, state, c2 = pc
    addr = Address(postcode=postcode, city=city, state=state, country=c2 or country or (hint or ""))
    start = pc_idx
    # UK: the town often sits on its own line above the postcode
    if not city and pc_idx >= 1 and not parse_street(lines[pc_idx - 1]):
        addr.city = lines[pc_idx - 1]
        start = pc_idx - 1
    street_idx = None
    for j in range(start - 1, max(-1, start - 4), -1):
        if _UNIT_LINE.match(lines[j]):
            addr.unit = addr.unit or lines[j]
            continue
        st = parse_street(lines[j])
        if st:
            addr.house_number, addr.street, unit = st
            addr.unit = unit or addr.unit
            street_idx = j
            break
    if street_idx is None:
        return None
    # a unit on its own line just above or below the street line
    for k in (street_idx - 1, street_idx + 1):
        if 0 <= k < start and k != street_idx and _UNIT_LINE.match(lines[k]) and not addr.unit:
            addr.unit = lines[k]
    first = street_idx
    if street_idx - 1 >= 0 and addr.unit and lines[street_idx - 1] == addr.unit:
        first = street_idx - 1
    addr.lines = lines[first : pc_idx + 1]
    addr.city = addr.city.strip(" ,")
    return addr


def parse_freeform(text: str, hint: str | None = None) -> Address | None:
    """A declared address in one string ('12 Main St, Apt 4, Springfield, IL 62704')."""
    parts = [p.strip() for p in re.split(r"[\n;]|,", text) if p.strip()]
    if not parts:
        return None
    # glue US "City, ST 12345" back together
    candidates = [parts]
    joined: list[str] = []
    i = 0
    while i < len(parts):
        if i + 1 < len(parts) and re.match(r"^[A-Z]{2}\s+\d{5}", parts[i + 1]):
            joined.append(f"{parts[i]}, {parts[i + 1]}")
            i += 2
            continue
        joined.append(parts[i])
        i += 1
    candidates.insert(0, joined)
    # a number alone after a street ("Calle Mayor, 5") belongs to the street
    glued: list[str] = []
    for p in joined:
        if glued and re.fullmatch(r"\d{1,5}\s?[A-Za-z]?", p) and not re.search(r"\d", glued[-1]):
            glued[-1] = f"{glued[-1]} {p}"
        else:
            glued.append(p)
    candidates.insert(0, glued)
    for cand in candidates:
        a = parse_lines(cand, hint)
        if a:
            # anything between street and postcode not used is a unit (ES "3º B", "Apt 4")
            return a
    return None


# --------------------------------------------------------------------------- comparison


def norm_street(s: str) -> str:
    t = anyascii(s).lower()
    t = t.replace("strasse", " strasse").replace("straat", " straat").replace("weg", " weg")
    t = re.sub(r"(?<=[a-z])str\b\.?", " strasse", t)
    t = t.replace("c/", "calle ").replace("º", "").replace("ª", "")
    toks = re.split(r"[^a-z0-9]+", t)
    out = []
    for tok in toks:
        if not tok:
            continue
        tok = _ABBR.get(tok, tok)
        if tok == "street" and out and out[-1] not in ("street",) and "strasse" in t:
            tok = "strasse"
        if tok in _STOP:
            continue
        out.append(tok)
    return " ".join(out)


def norm_unit(s: str) -> str:
    if re.search(r"[ºª°]", s):
        # Spanish floor/door ordinals: "5º 2ª", read by OCR as "5° 2a"
        s = re.sub(r"(\d)\s*[ºª°ao](?![a-z])", r"\1", s)
    return _UNIT_STRIP.sub("", anyascii(s).lower()).upper()


def norm_postcode(s: str) -> str:
    return re.sub(r"[\s-]", "", s.upper())[:8]


def norm_city(s: str) -> str:
    t = anyascii(s).lower()
    t = re.sub(r"\bcedex\b.*$", "", t)
    return " ".join(re.split(r"[^a-z0-9]+", t)).strip()


@dataclass
class AddressMatch:
    score: float
    matched: bool
    components: dict[str, dict[str, object]]


def compare(doc: Address, expected: Address, threshold: float = 0.8) -> AddressMatch:
    """Component-wise comparison; a conflicting postcode or house number fails outright."""
    comp: dict[str, dict[str, object]] = {}
    weights = {"postcode": 0.3, "house_number": 0.25, "street": 0.3, "city": 0.1, "unit": 0.05}
    total = 0.0
    got = 0.0
    hard_fail = False

    def add(name: str, sim: float | None, ok: bool) -> None:
        nonlocal total, got
        comp[name] = {
            "document": getattr(doc, name),
            "expected": getattr(expected, name),
            "similarity": None if sim is None else round(sim, 3),
            "match": ok,
        }
        if sim is None:
            return
        total += weights[name]
        got += weights[name] * sim

    def exact(name: str, a: str, b: str) -> None:
        """A component that must agree once normalised: a conflict fails the match."""
        nonlocal hard_fail
        ok = a == b
        hard_fail |= not ok
        add(name, 1.0 if ok else 0.0, ok)

    if doc.postcode and expected.postcode:
        a, b = norm_postcode(doc.postcode), norm_postcode(expected.postcode)
        if expected.country == "US" or doc.country == "US":
            a, b = a[:5], b[:5]
        exact("postcode", a, b)
    else:
        add("postcode", None, True)
    if doc.house_number and expected.house_number:
        a = re.sub(r"[^0-9a-z]", "", anyascii(doc.house_number).lower())
        b = re.sub(r"[^0-9a-z]", "", anyascii(expected.house_number).lower())
        exact("house_number", a, b)
    else:
        add("house_number", None, True)
    if doc.street and expected.street:
        a, b = norm_street(doc.street), norm_street(expected.street)
        sim = (
            max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))
            / 100
        )
        add("street", sim, sim >= 0.85)
    else:
        add("street", None, True)
    if doc.city and expected.city:
        a, b = norm_city(doc.city), norm_city(expected.city)
        sim = (
            max(fuzz.ratio(a, b), fuzz.partial_ratio(a, b) if min(len(a), len(b)) >= 4 else 0) / 100
        )
        add("city", sim, sim >= 0.85)
    else:
        add("city", None, True)
    ua, ub = norm_unit(doc.unit), norm_unit(expected.unit)
    if ua and ub:
        exact("unit", ua, ub)
    elif ub and not ua:
        # the declared flat is missing on the document: weaker proof, not a conflict
        add("unit", 0.5, False)
    else:
        add("unit", None, True)
    score = got / total if total else 0.0
    matched = (not hard_fail) and score >= threshold and total >= 0.5
    return AddressMatch(score=round(score, 3), matched=matched, components=comp)
