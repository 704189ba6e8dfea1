"""A minimal ICAO 9303 MRZ splitter (TD1 / TD2 / TD3) with check digits, for DG1.

The full MRZ engine (OCR repair, visas, VIZ comparison) lives in `shared/documents/`; the chip
MRZ is machine-written, so a strict field splitter is all Passive Authentication needs.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from shared.nfc.errors import MalformedFile

_WEIGHTS = (7, 3, 1)
_ALLOWED = re.compile(r"^[A-Z0-9<]+$")
FORMAT_BY_LENGTH = {90: "TD1", 72: "TD2", 88: "TD3"}


def char_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - ord("A") + 10
    if c == "<":
        return 0
    raise ValueError(f"character {c!r} is not allowed in an MRZ")


def check_digit(field: str) -> str:
    """ICAO 9303 Part 3 check digit: weights 7-3-1, modulus 10."""
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


def _check(field: str, digit: str) -> bool:
    # A field filled with '<' may carry '<' (or 0) as its check digit.
    if digit == "<":
        return set(field) <= {"<"}
    return check_digit(field) == digit


def _date(yymmdd: str, kind: str, today: dt.date) -> str | None:
    if not yymmdd.isdigit():
        return None
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if kind == "birth":
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    else:
        year = 2000 + yy if yy < 70 else 1900 + yy
    try:
        return dt.date(year, mm, dd).isoformat()
    except ValueError:
        return None


def _names(field: str) -> tuple[str, str]:
    surname, _, given = field.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def _clean(field: str) -> str:
    return field.replace("<", " ").strip()


def split_lines(mrz: str) -> list[str]:
    text = mrz.replace("\r", "").replace("\n", "").replace(" ", "")
    fmt = FORMAT_BY_LENGTH.get(len(text))
    if fmt is None:
        raise MalformedFile(f"MRZ of {len(text)} characters is not TD1 (90), TD2 (72) or TD3 (88)")
    if not _ALLOWED.match(text):
        raise MalformedFile("MRZ contains characters outside A-Z, 0-9 and '<'")
    width = {"TD1": 30, "TD2": 36, "TD3": 44}[fmt]
    return [text[i : i + width] for i in range(0, len(text), width)]


def parse_mrz(mrz: str, today: dt.date | None = None) -> dict[str, Any]:
    """Split an MRZ into the API.md `mrz` fields, with each check digit's verdict."""
    today = today or dt.date.today()
    lines = split_lines(mrz)
    checks: dict[str, bool] = {}
    if len(lines) == 3:
        fmt = "TD1"
        l1, l2, l3 = lines
        number, number_cd, optional1 = l1[5:14], l1[14], l1[15:30]
        if number_cd == "<" and optional1[0] != "<":
            # Long document number: the rest and its check digit continue in optional data 1.
            tail = optional1.split("<", 1)[0]
            number, number_cd = number + tail[:-1], tail[-1]
            checks["document_number"] = _check(number, number_cd)
            optional1 = optional1[len(tail) :]
        else:
            checks["document_number"] = _check(number, number_cd)
        fields = {
            "document_type": _clean(l1[0:2]),
            "issuing_country": l1[2:5].replace("<", ""),
            "document_number": number.replace("<", ""),
            "date_of_birth": _date(l2[0:6], "birth", today),
            "sex": l2[7].replace("<", "X"),
            "expiry_date": _date(l2[8:14], "expiry", today),
            "nationality": l2[15:18].replace("<", ""),
            "optional_data": (_clean(optional1) + " " + _clean(l2[18:29])).strip(),
        }
        fields["surname"], fields["given_names"] = _names(l3)
        checks["date_of_birth"] = _check(l2[0:6], l2[6])
        checks["expiry_date"] = _check(l2[8:14], l2[14])
        composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
        checks["composite"] = _check(composite, l2[29])
    else:
        l1, l2 = lines
        fmt = "TD3" if len(l1) == 44 else "TD2"
        fields = {
            "document_type": _clean(l1[0:2]),
            "issuing_country": l1[2:5].replace("<", ""),
            "document_number": l2[0:9].replace("<", ""),
            "nationality": l2[10:13].replace("<", ""),
            "date_of_birth": _date(l2[13:19], "birth", today),
            "sex": l2[20].replace("<", "X"),
            "expiry_date": _date(l2[21:27], "expiry", today),
        }
        fields["surname"], fields["given_names"] = _names(l1[5:])
        checks["document_number"] = _check(l2[0:9], l2[9])
        checks["date_of_birth"] = _check(l2[13:19], l2[19])
        checks["expiry_date"] = _check(l2[21:27], l2[27])
        if fmt == "TD3":
            fields["optional_data"] = _clean(l2[28:42])
            checks["optional_data"] = _check(l2[28:42], l2[42])
            composite, composite_cd = l2[0:10] + l2[13:20] + l2[21:43], l2[43]
        else:
            fields["optional_data"] = _clean(l2[28:35])
            composite, composite_cd = l2[0:10] + l2[13:20] + l2[21:35], l2[35]
        checks["composite"] = _check(composite, composite_cd)
    return {
        "format": fmt,
        "lines": lines,
        "checks": checks,
        "checks_valid": all(checks.values()),
        **fields,
    }
