"""ICAO 9303 machine-readable zone: parse, verify check digits, repair OCR confusions.

Formats: TD1 (3x30, ID cards), TD2 (2x36), TD3 (2x44, passports), MRV-A (2x44 visas) and
MRV-B (2x36 visas). Every check digit is verified (number, birth, expiry, optional/personal
number, composite). OCR confusions are repaired only where the field type forbids the read
character (a letter in a date, a digit in a name or country code) or where the check digit
proves that exactly one minimal substitution is right. Lines that gained or lost `<` are
re-aligned only by shifting filler runs, and the alignment chosen is the one the check digits
prove.

Edge cases handled: long document numbers (TD1/TD2: `<` in the check digit position, the
overflow and its check digit in the optional data), non-ISO country codes (`D<<`, `UTO`,
`XXA`...), `<` fillers in names, unknown dates (`<<` in day or month), `<` as the check digit
of an empty personal number.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anyascii import anyascii
from pydantic import BaseModel, Field

from shared.countries import ALPHA3_TO_ALPHA2

FORMATS: dict[str, tuple[int, int]] = {
    "TD1": (3, 30),
    "TD2": (2, 36),
    "TD3": (2, 44),
    "MRVA": (2, 44),
    "MRVB": (2, 36),
}

# Issuing states and nationalities an MRZ may hold: ISO 3166 alpha-3 with ICAO's own codes
# (shared/countries.py), and ICAO 9303 Part 3's codes that name no state: stateless persons
# and refugees, organisations, and the specimen state Utopia.
_ICAO_NON_STATES = {
    "XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "EUE", "XBA", "XIM", "XCC", "XCE",
    "XCO", "XEC", "XPO", "XOM", "XDC", "XES", "XMP", "UTO",
}  # fmt: skip
CODES = frozenset(ALPHA3_TO_ALPHA2) | _ICAO_NON_STATES

_WEIGHTS = (7, 3, 1)
_ALLOWED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")

# OCR confusions between letters and digits (both directions).
_TO_DIGIT = {
    "O": "0", "Q": "0", "D": "0", "U": "0", "I": "1", "L": "1", "T": "1", "Z": "2",
    "B": "8", "S": "5", "G": "6", "A": "4", "E": "8",
}  # fmt: skip
_TO_ALPHA = {"0": "O", "1": "I", "2": "Z", "8": "B", "5": "S", "6": "G", "4": "A", "7": "T"}
# Ambiguous pairs inside alphanumeric fields (document number, optional data).
# Only the classic OCR-B pairs: every extra alternative makes a chance match of the check
# digit (1 in 10) more likely, and a check digit cannot tell two such candidates apart.
_SWAPS = {
    "O": "0", "0": "O", "I": "1", "1": "I", "B": "8", "8": "B", "S": "5", "5": "S",
    "Z": "2", "2": "Z",
}  # fmt: skip
MAX_REPAIR_POSITIONS = 4  # more ambiguous characters than this: a unique match proves little


def known_code(raw: str) -> bool:
    """A three-character issuer/nationality field as read (digits a letter look-alike away
    from a code count, the field-type repair will turn them): one of `CODES`."""
    code = "".join(_TO_ALPHA.get(c, c) for c in raw)
    return code.replace("<", "") in CODES and len(code) == 3


def sex_ok(line2: str, n: int) -> bool:
    """The sex on the second line is M, F, X or `<` (or a look-alike the field-type repair
    turns into one)."""
    c = line2[7 if n == 30 else 20 : 8 if n == 30 else 21]
    return c in ("M", "F", "X", "<", "N", "H", "E", "P")


def nationality_slice(n: int) -> slice:
    """Where the nationality sits on the second line of a format `n` characters wide."""
    return slice(15, 18) if n == 30 else slice(10, 13)


def char_value(c: str) -> int:
    if c.isdigit():
        return ord(c) - 48
    if "A" <= c <= "Z":
        return ord(c) - 55
    return 0  # '<' and anything else


def check_digit(data: str) -> str:
    """ICAO 9303 check digit: weights 7-3-1, letters A=10..Z=35, '<'=0, modulo 10."""
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10)


def normalise_line(text: str) -> str:
    """Uppercase, drop spaces, map common OCR renderings of the filler to '<'."""
    t = text.upper().replace(" ", "").replace("«", "<<").replace("‹", "<").replace("く", "<")
    t = t.replace("(", "<").replace("[", "<").replace("{", "<")
    return "".join(c if c in _ALLOWED else _fold(c) for c in t)


def _fold(c: str) -> str:
    """A look-alike from another script (× for X, Cyrillic О, full-width digits) or '<'."""
    if c in "×✕╳":
        return "X"
    a = anyascii(c).upper()
    return a if len(a) == 1 and a in _ALLOWED else "<"


class CheckDigit(BaseModel):
    name: str
    valid: bool
    found: str
    expected: str


class Repair(BaseModel):
    field: str
    before: str
    after: str
    reason: str


class MrzResult(BaseModel):
    """A parsed MRZ, as API.md names its fields (dates ISO, names with spaces)."""

    format: str
    lines: list[str]
    checks_valid: bool
    document_type: str
    issuing_country: str
    document_number: str
    surname: str
    given_names: str
    nationality: str
    date_of_birth: str | None
    sex: str
    expiry_date: str | None
    optional_data: str
    optional_data_2: str = ""
    date_of_birth_raw: str = ""
    expiry_date_raw: str = ""
    checks: list[CheckDigit] = Field(default_factory=list)
    repairs: list[Repair] = Field(default_factory=list)
    ocr_lines: list[str] = Field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """The `data.mrz` object of the check result."""
        return self.model_dump(mode="json")


# ---------------------------------------------------------------------------------------
# Field layout


@dataclass(frozen=True)
class _Slot:
    name: str
    line: int
    start: int
    end: int
    kind: str  # alpha | num | alnum | name | sex | cd | cdf (check digit or '<')


def _layout(fmt: str) -> list[_Slot]:
    if fmt == "TD1":
        return [
            _Slot("document_type", 0, 0, 2, "alpha"),
            _Slot("issuing_country", 0, 2, 5, "alpha"),
            _Slot("document_number", 0, 5, 14, "alnum"),
            _Slot("document_number_cd", 0, 14, 15, "cdf"),
            _Slot("optional_data", 0, 15, 30, "alnum"),
            _Slot("date_of_birth", 1, 0, 6, "num"),
            _Slot("date_of_birth_cd", 1, 6, 7, "cd"),
            _Slot("sex", 1, 7, 8, "sex"),
            _Slot("expiry_date", 1, 8, 14, "num"),
            _Slot("expiry_date_cd", 1, 14, 15, "cd"),
            _Slot("nationality", 1, 15, 18, "alpha"),
            _Slot("optional_data_2", 1, 18, 29, "alnum"),
            _Slot("composite_cd", 1, 29, 30, "cd"),
            _Slot("name", 2, 0, 30, "name"),
        ]
    if fmt in ("TD2", "MRVB"):
        slots = _two_line_slots(36, "cdf")
        if fmt == "TD2":
            return slots + [
                _Slot("optional_data", 1, 28, 35, "alnum"),
                _Slot("composite_cd", 1, 35, 36, "cd"),
            ]
        return slots + [_Slot("optional_data", 1, 28, 36, "alnum")]
    # TD3 / MRVA
    slots = _two_line_slots(44, "cd")
    if fmt == "TD3":
        return slots + [
            _Slot("optional_data", 1, 28, 42, "alnum"),
            _Slot("optional_data_cd", 1, 42, 43, "cdf"),
            _Slot("composite_cd", 1, 43, 44, "cd"),
        ]
    return slots + [_Slot("optional_data", 1, 28, 44, "alnum")]


def _two_line_slots(width: int, number_cd: str) -> list[_Slot]:
    """The fields TD2/MRV-B (36) and TD3/MRV-A (44) share: the name fills line 1 after the
    issuer; line 2 starts with the number, nationality, birth date, sex and expiry."""
    return [
        _Slot("document_type", 0, 0, 2, "alpha"),
        _Slot("issuing_country", 0, 2, 5, "alpha"),
        _Slot("name", 0, 5, width, "name"),
        _Slot("document_number", 1, 0, 9, "alnum"),
        _Slot("document_number_cd", 1, 9, 10, number_cd),
        _Slot("nationality", 1, 10, 13, "alpha"),
        _Slot("date_of_birth", 1, 13, 19, "num"),
        _Slot("date_of_birth_cd", 1, 19, 20, "cd"),
        _Slot("sex", 1, 20, 21, "sex"),
        _Slot("expiry_date", 1, 21, 27, "num"),
        _Slot("expiry_date_cd", 1, 27, 28, "cd"),
    ]


def _composite_data(fmt: str, lines: list[str]) -> str | None:
    if fmt == "TD1":
        return lines[0][5:30] + lines[1][0:7] + lines[1][8:15] + lines[1][18:29]
    if fmt == "TD2":
        return lines[1][0:10] + lines[1][13:20] + lines[1][21:35]
    if fmt == "TD3":
        return lines[1][0:10] + lines[1][13:20] + lines[1][21:43]
    return None


# ---------------------------------------------------------------------------------------
# Check digits


@dataclass
class _Eval:
    checks: list[CheckDigit] = field(default_factory=list)
    document_number: str = ""
    optional_data: str = ""

    @property
    def valid_count(self) -> int:
        return sum(c.valid for c in self.checks)

    @property
    def all_valid(self) -> bool:
        return bool(self.checks) and all(c.valid for c in self.checks)


def _seg(lines: list[str], s: _Slot) -> str:
    return lines[s.line][s.start : s.end]


def _slots(fmt: str) -> dict[str, _Slot]:
    return {s.name: s for s in _layout(fmt)}


def _evaluate(fmt: str, lines: list[str]) -> _Eval:
    sl = _slots(fmt)
    ev = _Eval()
    number = _seg(lines, sl["document_number"])
    number_cd = _seg(lines, sl["document_number_cd"])
    optional = _seg(lines, sl["optional_data"])
    if fmt in ("TD1", "TD2") and number_cd == "<" and "<" not in number:
        # Long document number: overflow + its check digit open the optional data.
        overflow = optional.split("<", 1)[0]
        if len(overflow) >= 2:
            number = number + overflow[:-1]
            number_cd = overflow[-1]
            optional = optional[len(overflow) :]
    ev.document_number = number.replace("<", "")
    ev.optional_data = optional
    ev.checks.append(_cd("document_number", number, number_cd))
    ev.checks.append(
        _cd("date_of_birth", _seg(lines, sl["date_of_birth"]), _seg(lines, sl["date_of_birth_cd"]))
    )
    ev.checks.append(
        _cd("expiry_date", _seg(lines, sl["expiry_date"]), _seg(lines, sl["expiry_date_cd"]))
    )
    if fmt == "TD3":
        opt = _seg(lines, sl["optional_data"])
        found = _seg(lines, sl["optional_data_cd"])
        if found == "<" and set(opt) <= {"<"}:
            ev.checks.append(CheckDigit(name="optional_data", valid=True, found="<", expected="<"))
        else:
            ev.checks.append(_cd("optional_data", opt, found))
    comp = _composite_data(fmt, lines)
    if comp is not None:
        ev.checks.append(_cd("composite", comp, _seg(lines, sl["composite_cd"])))
    return ev


def _cd(name: str, data: str, found: str) -> CheckDigit:
    expected = check_digit(data)
    return CheckDigit(name=name, valid=found == expected, found=found, expected=expected)


# ---------------------------------------------------------------------------------------
# Format detection and alignment


def detect_format(lines: list[str]) -> str | None:
    """The format implied by the line count and lengths (tolerant of +-3 characters)."""
    if len(lines) == 3:
        return "TD1"
    if len(lines) != 2:
        return None
    length = max(len(x) for x in lines)  # the name line often loses its filler tail
    visa = lines[0][:1] == "V"
    if abs(length - 44) <= 4:
        return "MRVA" if visa else "TD3"
    if abs(length - 36) <= 4:
        return "MRVB" if visa else "TD2"
    return None


def _fit_name_line(line: str, n: int) -> str:
    if len(line) < n:
        return line + "<" * (n - len(line))
    if len(line) > n:
        # Drop extra fillers from the end first, then from the longest inner run.
        extra = len(line) - n
        stripped = line.rstrip("<")
        tail = len(line) - len(stripped)
        if tail >= extra:
            return line[: len(line) - extra]
        return line[:n]
    return line


def _length_variants(line: str, n: int, limit: int = 200) -> list[str]:
    """Ways to bring a data line to length n by growing/shrinking its `<` runs."""
    if len(line) == n:
        return [line]
    diff = n - len(line)
    runs = [(m.start(), m.end()) for m in _runs(line)]
    # Positions where a filler may be inserted or removed: inside runs, or at the end.
    anchors = sorted({s for s, _ in runs} | {len(line)})
    out: list[str] = []
    if abs(diff) > 3:
        return [_fit_name_line(line, n)]
    for combo in itertools.combinations_with_replacement(range(len(anchors)), abs(diff)):
        chars = list(line)
        ok = True
        # apply from the right so that indices stay valid
        for idx in sorted(combo, reverse=True):
            pos = anchors[idx]
            if diff > 0:
                chars.insert(pos, "<")
            else:
                if pos < len(chars) and chars[pos] == "<":
                    del chars[pos]
                else:
                    ok = False
        if ok:
            v = "".join(chars)
            if len(v) == n and v not in out:
                out.append(v)
        if len(out) >= limit:
            break
    if diff > 0:  # a missing character at the end is the most common truncation
        v = line + "<" * diff
        if v not in out:
            out.append(v)
    return out or [_fit_name_line(line, n)]


class _Run:
    def __init__(self, s: int, e: int) -> None:
        self._s, self._e = s, e

    def start(self) -> int:
        return self._s

    def end(self) -> int:
        return self._e


def _runs(line: str) -> list[_Run]:
    out: list[_Run] = []
    i = 0
    while i < len(line):
        if line[i] == "<":
            j = i
            while j < len(line) and line[j] == "<":
                j += 1
            out.append(_Run(i, j))
            i = j
        else:
            i += 1
    return out


# ---------------------------------------------------------------------------------------
# Character repairs


def _type_repairs(fmt: str, lines: list[str], repairs: list[Repair]) -> list[str]:
    """Repairs forced by the field type: digits in names/countries, letters in dates."""
    out = [list(x) for x in lines]
    for s in _layout(fmt):
        seg = "".join(out[s.line][s.start : s.end])
        if s.kind in ("num", "cd", "cdf"):
            new = "".join(_TO_DIGIT.get(c, c) if c != "<" else c for c in seg)
        elif s.kind == "alpha":
            new = "".join(_TO_ALPHA.get(c, c) for c in seg)
        elif s.kind == "name":
            new = _name_tail("".join(_TO_ALPHA.get(c, c) for c in seg))
        elif s.kind == "sex":
            new = {"N": "M", "H": "M", "E": "F", "P": "F"}.get(seg, seg)
            if new not in ("M", "F", "<", "X"):
                new = seg
        else:
            continue
        if new != seg:
            repairs.append(Repair(field=s.name, before=seg, after=new, reason="field type"))
            out[s.line][s.start : s.end] = list(new)
    return ["".join(x) for x in out]


_FILLER_LOOKALIKES = "CK"  # what a small or blurred `<` is read as


_INNER_RUN = re.compile(r"(?<!<)<{3,4}(?=[A-Z])")  # a joint miscounted by one or two


def _name_tail(seg: str) -> str:
    """A name field ends at its first run of three fillers (name parts are joined by one
    `<`, surname and given names by two): when all that follows is fillers and their
    look-alikes (C, K), the look-alikes are fillers; so after a second `<<`, which only
    the end of the secondary identifier can be (its parts are joined by one `<`). Three
    or four fillers followed by a name part are a miscounted joint: the surname/given-names
    joint `<<` when there is none before it, else a `<` between given names (the field
    keeps its length). A letter of another kind after a longer run is left alone (no guess)."""
    m = _INNER_RUN.search(seg)
    if m is not None and set(seg[m.end() :]) - {"<", *_FILLER_LOOKALIKES}:
        joint = "<" if "<<" in seg[: m.start()] else "<<"
        fixed = seg[: m.start()] + joint + seg[m.end() :]
        return _name_tail(fixed + "<" * (len(seg) - len(fixed)))
    end = seg.find("<<<")
    joint = seg.find("<<")
    second = seg.find("<<", joint + 2) if joint > 0 else -1
    if second > joint + 2 and (end < 0 or second < end):
        end = second  # the secondary identifier ends at its first `<<` (ICAO 9303)
    if end < 0:
        return seg
    tail = seg[end:]
    if set(tail) <= {"<", *_FILLER_LOOKALIKES}:
        return seg[:end] + "<" * len(tail)
    return seg


def _alnum_repairs(fmt: str, lines: list[str], repairs: list[Repair]) -> list[str]:
    """Letter/digit swaps in the document number / optional data proven by check digits."""
    sl = _slots(fmt)
    targets = [("document_number", "document_number")]
    if fmt == "TD3":
        targets.append(("optional_data", "optional_data"))
    for slot_name, check_name in targets:
        ev = _evaluate(fmt, lines)
        chk = next((c for c in ev.checks if c.name == check_name), None)
        if chk is None or chk.valid:
            continue
        s = sl[slot_name]
        seg = _seg(lines, s)
        # One look-alike swap, accepted only when it is the single candidate that verifies.
        # The composite digit adds nothing here (it weighs the number's characters exactly
        # like the number's own digit does), so the candidate set is kept small.
        alts: dict[int, str] = {i: _SWAPS[c] for i, c in enumerate(seg) if c in _SWAPS}
        if not alts or len(alts) > MAX_REPAIR_POSITIONS:
            continue
        best: list[str] = []
        for k in (1,):
            found: list[str] = []
            for combo in itertools.combinations(sorted(alts), k):
                for chars_sub in itertools.product(*(alts[i] for i in combo)):
                    chars = list(seg)
                    for i, ch in zip(combo, chars_sub, strict=True):
                        chars[i] = ch
                    cand = _replace(lines, s, "".join(chars))
                    cev = _evaluate(fmt, cand)
                    cchk = next(c for c in cev.checks if c.name == check_name)
                    comp = next((c for c in cev.checks if c.name == "composite"), None)
                    if cchk.valid and (comp is None or comp.valid):
                        found.append("".join(chars))
            if found:
                best = found
                break
        if len(best) == 1:
            repairs.append(Repair(field=slot_name, before=seg, after=best[0], reason="check digit"))
            lines = _replace(lines, s, best[0])
    return lines


def _replace(lines: list[str], s: _Slot, value: str) -> list[str]:
    out = list(lines)
    ln = out[s.line]
    out[s.line] = ln[: s.start] + value + ln[s.end :]
    return out


# ---------------------------------------------------------------------------------------
# Field decoding


def parse_date(raw: str, kind: str, today: date | None = None) -> str | None:
    """YYMMDD to ISO; None when unknown (`<`) or impossible. Birth dates are never future."""
    if len(raw) != 6 or not raw.isdigit():
        return None
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:6])
    today = today or date.today()
    if kind == "birth":
        year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    else:  # expiry: documents run at most ~30 years ahead; older ones are long expired
        year = 2000 + yy if 2000 + yy <= today.year + 30 else 1900 + yy
    try:
        return date(year, mm, dd).isoformat()
    except ValueError:
        return None


def split_name(field_text: str) -> tuple[str, str]:
    """Primary and secondary identifiers, fillers turned to spaces."""
    text = field_text.rstrip("<")
    if "<<" in text:
        primary, secondary = text.split("<<", 1)
    else:
        primary, secondary = text, ""
    clean = lambda s: " ".join(p for p in s.split("<") if p)  # noqa: E731
    return clean(primary), clean(secondary)


def _country(code: str) -> str:
    return code.replace("<", "") if code.startswith("D<") else code.rstrip("<")


def _decode(fmt: str, lines: list[str], ev: _Eval, today: date | None) -> dict[str, Any]:
    sl = _slots(fmt)
    surname, given = split_name(_seg(lines, sl["name"]))
    dob_raw = _seg(lines, sl["date_of_birth"])
    exp_raw = _seg(lines, sl["expiry_date"])
    sex = _seg(lines, sl["sex"])
    out: dict[str, Any] = {
        "document_type": _seg(lines, sl["document_type"]).replace("<", ""),
        "issuing_country": _country(_seg(lines, sl["issuing_country"])),
        "document_number": ev.document_number,
        "surname": surname,
        "given_names": given,
        "nationality": _country(_seg(lines, sl["nationality"])),
        "date_of_birth": parse_date(dob_raw, "birth", today),
        "date_of_birth_raw": dob_raw,
        "sex": "X" if sex in ("<", "X") else sex,
        "expiry_date": parse_date(exp_raw, "expiry", today),
        "expiry_date_raw": exp_raw,
        "optional_data": ev.optional_data.strip("<").replace("<", " ").strip(),
    }
    if fmt == "TD1":
        out["optional_data_2"] = _seg(lines, sl["optional_data_2"]).strip("<").replace("<", " ")
    return out


# ---------------------------------------------------------------------------------------
# Public API


class MrzError(ValueError):
    """The text is not an MRZ of any known format."""


def parse_mrz(
    text_or_lines: str | list[str],
    *,
    repair: bool = True,
    today: date | None = None,
    fmt: str | None = None,
) -> MrzResult:
    """Parse (and optionally repair) an MRZ given as lines or newline-separated text."""
    raw = text_or_lines.strip().splitlines() if isinstance(text_or_lines, str) else text_or_lines
    ocr = [normalise_line(x) for x in raw if x.strip()]
    fmt = fmt or detect_format(ocr)
    if fmt is None:
        raise MrzError(f"not an MRZ: {len(ocr)} line(s) of lengths {[len(x) for x in ocr]}")
    nlines, n = FORMATS[fmt]
    if len(ocr) != nlines:
        raise MrzError(f"{fmt} needs {nlines} lines, got {len(ocr)}")
    repairs: list[Repair] = []
    if not repair:
        if any(len(x) != n for x in ocr):
            raise MrzError(f"{fmt} lines must be {n} characters")
        lines = ocr
    else:
        lines = _best_alignment(fmt, ocr, repairs)
        lines = _alnum_repairs(fmt, lines, repairs)
    ev = _evaluate(fmt, lines)
    fields = _decode(fmt, lines, ev, today)
    return MrzResult(
        format=fmt,
        lines=lines,
        checks_valid=ev.all_valid,
        checks=ev.checks,
        repairs=repairs,
        ocr_lines=ocr,
        **fields,
    )


def _best_alignment(fmt: str, ocr: list[str], repairs: list[Repair]) -> list[str]:
    nlines, n = FORMATS[fmt]
    name_line = 2 if fmt == "TD1" else 0
    options: list[list[str]] = []
    for i, line in enumerate(ocr):
        if i == name_line:
            options.append([_fit_name_line(line, n)])
        else:
            options.append(_length_variants(line, n))
    best: tuple[int, list[str], list[Repair]] | None = None
    for combo in itertools.product(*options):
        rep: list[Repair] = []
        cand = _type_repairs(fmt, list(combo), rep)
        score = _evaluate(fmt, cand).valid_count
        if best is None or score > best[0]:
            best = (score, cand, rep)
    assert best is not None
    for i, (a, b) in enumerate(zip(ocr, combo_lines := best[1], strict=True)):
        if len(a) != n:
            repairs.append(Repair(field=f"line{i + 1}", before=a, after=b, reason="filler run"))
    del combo_lines
    repairs.extend(best[2])
    return best[1]


def find_mrz_in_text(lines: list[str], today: date | None = None) -> MrzResult | None:
    """Pick the best MRZ out of OCR text lines (any order of candidates, noise around).

    A group of lines counts as an MRZ only if its lines were read with fillers (`<`) and at
    least two check digits verify (or one, with a long filler run): printed text that merely
    turns into `<` after normalisation is not an MRZ.
    """
    fillers = ("<", "«", "く", "‹")
    cands = [normalise_line(x) for x in lines if any(f in x for f in fillers)]
    cands = [c for c in cands if len(c) >= 12]
    best: MrzResult | None = None
    best_key: tuple[int, int] = (-1, -1)
    for size in (3, 2):
        for i in range(len(cands) - size + 1):
            group = cands[i : i + size]
            try:
                res = parse_mrz(group, today=today)
            except MrzError:
                continue
            valid = sum(c.valid for c in res.checks)
            if valid < 2 and not (valid == 1 and max(g.count("<") for g in group) >= 8):
                continue
            key = (int(res.checks_valid), valid)
            if key > best_key:
                best, best_key = res, key
    return best


def repair_with_reading(res: MrzResult, field: str, value: str) -> MrzResult | None:
    """Use an independent reading (the printed visual zone) of a field whose MRZ check digit
    fails: accepted only if it makes that check digit and the composite verify."""
    if field != "document_number" or res.checks_valid:
        return None
    chk = next((c for c in res.checks if c.name == field), None)
    value = "".join(ch for ch in value.upper() if ch.isalnum())
    if chk is None or chk.valid or not value or len(value) > 9:
        return None
    s = _slots(res.format)["document_number"]
    lines = _replace(res.lines, s, (value + "<" * 9)[:9])
    ev = _evaluate(res.format, lines)
    if not all(c.valid for c in ev.checks if c.name in ("document_number", "composite")):
        return None
    fixed = parse_mrz(lines, repair=False, fmt=res.format)
    before = _seg(res.lines, s)
    fixed.repairs = [
        *res.repairs,
        Repair(field=field, before=before, after=_seg(lines, s), reason="visual zone"),
    ]
    fixed.ocr_lines = res.ocr_lines
    return fixed
