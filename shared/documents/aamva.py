"""AAMVA DL/ID card design standard (PDF417 on North American licences), versions 1-10.

Parses the raw barcode bytes: header (`@` LF RS CR, `ANSI ` or `AAMVA`, issuer
identification number, AAMVA version, jurisdiction version from v2, number of entries),
subfile designators (type, offset, length) and the data elements of the `DL`/`ID` subfile.
Version differences handled: v1 full name `DAA` (`LAST,FIRST,MIDDLE`) and CCYYMMDD dates;
v2-v3 `DCT` given names; v4+ `DAC`/`DAD`; US dates MMDDCCYY, Canadian CCYYMMDD; sex 1/2/9
or M/F. Jurisdictions that write bad offsets are handled by scanning for the subfile type.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

SEX = {"1": "M", "2": "F", "9": "X", "M": "M", "F": "F", "X": "X"}


class AamvaError(ValueError):
    pass


class AamvaRecord(BaseModel):
    version: int
    jurisdiction_version: int | None
    iin: str
    subfile_type: str
    elements: dict[str, str]
    surname: str = ""
    given_names: str = ""
    document_number: str = ""
    date_of_birth: str | None = None
    expiry_date: str | None = None
    issue_date: str | None = None
    sex: str = ""
    address: dict[str, str] = Field(default_factory=dict)
    country: str = ""

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"elements"}) | {
            "element_ids": sorted(self.elements)
        }


def _date(raw: str, version: int, country: str) -> str | None:
    raw = re.sub(r"\D", "", raw or "")
    if len(raw) != 8:
        return None
    iso_first = version == 1 or country == "CAN"
    orders = [(raw[0:4], raw[4:6], raw[6:8]), (raw[4:8], raw[0:2], raw[2:4])]
    if not iso_first:
        orders.reverse()
    for y, m, d in orders:
        try:
            return date(int(y), int(m), int(d)).isoformat()
        except ValueError:
            continue
    return None


def _digits(s: str) -> bool:
    """ASCII digits only: `str.isdigit()` also accepts '¹²³', which `int()` refuses."""
    return s.isascii() and s.isdigit()


def parse_aamva(data: bytes) -> AamvaRecord:
    text = data.decode("latin-1")
    start = text.find("@")
    if start < 0:
        raise AamvaError("no compliance indicator '@'")
    text = text[start:]
    m = re.search(r"(ANSI |AAMVA)(\d{6})(\d{2})", text)
    if not m:
        raise AamvaError("no ANSI/AAMVA header")
    iin, version = m.group(2), int(m.group(3))
    pos = m.end()
    jversion: int | None = None
    if version >= 2:
        jversion = int(text[pos : pos + 2]) if _digits(text[pos : pos + 2]) else None
        pos += 2
    entries = int(text[pos : pos + 2]) if _digits(text[pos : pos + 2]) else 1
    pos += 2
    designators = []
    for i in range(entries):
        d = text[pos + 10 * i : pos + 10 * i + 10]
        if len(d) == 10 and _digits(d[2:]):
            designators.append((d[:2], int(d[2:6]), int(d[6:10])))
    body = None
    sub_type = ""
    for typ, off, length in designators:
        if typ in ("DL", "ID"):
            chunk = text[off : off + length]
            if chunk.startswith(typ):
                body, sub_type = chunk[2:], typ
            else:  # bad offset: scan for the subfile type after the designators
                k = text.find(typ + "DAQ", pos) if "DAQ" in text else text.find(typ, pos + 10)
                if k >= 0:
                    body, sub_type = text[k + 2 :], typ
            break
    if body is None:
        k = max(text.find("DLDAQ"), text.find("IDDAQ"), text.find("DLDCA"), text.find("DLDAA"))
        if k < 0:
            raise AamvaError("no DL/ID subfile")
        body, sub_type = text[k + 2 :], text[k : k + 2]
    body = body.split("\r", 1)[0]
    elements: dict[str, str] = {}
    for part in re.split(r"[\n\x1e]", body):
        part = part.strip("\r ")
        if len(part) >= 3 and re.fullmatch(r"[A-Z]{3}", part[:3]):
            elements.setdefault(part[:3], part[3:].strip())
    if "DAQ" not in elements and "DAA" not in elements and "DCS" not in elements:
        raise AamvaError("no AAMVA data elements")
    country = elements.get("DCG", "USA" if iin.startswith("636") and iin < "636060" else "")
    rec = AamvaRecord(
        version=version, jurisdiction_version=jversion, iin=iin, subfile_type=sub_type,
        elements=elements, country=country,
    )  # fmt: skip
    surname = elements.get("DCS") or elements.get("DAB", "")
    given = ""
    if elements.get("DAC") or elements.get("DAD"):
        given = " ".join(
            x for x in (elements.get("DAC", ""), elements.get("DAD", "")) if x and x != "NONE"
        )
    elif elements.get("DCT"):
        given = " ".join(p for p in re.split(r"[ ,]", elements["DCT"]) if p)
    if not surname and elements.get("DAA"):
        parts = [p.strip() for p in re.split(r"[,$]", elements["DAA"]) if p.strip()]
        surname, given = parts[0], " ".join(parts[1:])
    rec.surname, rec.given_names = surname.strip(), given.strip()
    rec.document_number = elements.get("DAQ", "")
    rec.date_of_birth = _date(elements.get("DBB", ""), version, country)
    rec.expiry_date = _date(elements.get("DBA", ""), version, country)
    rec.issue_date = _date(elements.get("DBD", ""), version, country)
    rec.sex = SEX.get(elements.get("DBC", "")[:1], "")
    rec.address = {
        k: v
        for k, v in {
            "street": elements.get("DAG", ""),
            "city": elements.get("DAI", ""),
            "state": elements.get("DAJ", ""),
            "postal_code": elements.get("DAK", ""),
        }.items()
        if v
    }
    return rec
