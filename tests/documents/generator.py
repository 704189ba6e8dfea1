"""Synthetic identity documents with known ground truth (no real document is ever used).

Renders TD3 passport data pages, TD1 ID cards (front with portrait, back with the 3-line
MRZ) and US driving licences (front with portrait, back with an AAMVA PDF417 barcode) on
guilloche-like backgrounds with the OCR-B font (Debian `fonts-ocr-b`; DejaVu Sans Mono when
missing), then "photographs" them: placed on a cluttered table, perspective, rotation of any
angle, 90/180/270 flips, blur, noise, JPEG, glare and low light.

The portrait is scikit-image's `astronaut` picture (NASA, public domain), varied per sample
(crop, scale, tint, mirror) so that a real face detector has a real face to find.

Usage: `make_sample("td3", "perspective", seed=1)` or `generate_set(300)`; `python -m
tests.documents.generator OUTDIR [N]` writes images and a `truth.json`.
"""

from __future__ import annotations

import io
import json
import math
import random
import sys
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

OCRB_PATHS = [
    "/usr/share/fonts/opentype/ocr-b/OCRB.otf",
    "/usr/share/fonts/truetype/ocr-b/OCRB.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
]
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SANS_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

KINDS = ("td3", "td1", "dl")
CONDITIONS = (
    "clean",
    "perspective",
    "rotation",
    "rot90",
    "rot180",
    "blur",
    "noise",
    "jpeg",
    "glare",
    "low_light",
)

SURNAMES = [
    "ERIKSSON",
    "MUSTERMANN",
    "MÜLLER",
    "DUBOIS",
    "ROSSI",
    "GARCÍA",
    "NOWAK",
    "JANSEN",
    "O'BRIEN",
    "SMITH",
    "JOHNSON",
    "BJÖRK",
    "KOWALSKI",
    "FERREIRA",
    "VAN DER BERG",
    "NGUYEN",
    "OKAFOR",
    "HERNÁNDEZ",
    "SCHRÖDER",
    "LEFÈVRE",
    "PETROVA",
    "ANDERSEN",
]
GIVEN = [
    "ANNA",
    "MARIA",
    "PETER",
    "JOHN",
    "ERIKA",
    "JEAN",
    "LUCA",
    "SOFÍA",
    "PIOTR",
    "EMMA",
    "NOAH",
    "OLIVIA",
    "LIAM",
    "AMÉLIE",
    "JOÃO",
    "CHLOÉ",
    "IVAN",
    "ZOË",
    "MARK",
    "LENA",
]
COUNTRIES = ["UTO", "D", "FRA", "NLD", "ITA", "ESP", "POL", "SWE", "IRL", "PRT", "AUT", "CAN"]
COUNTRY_NAMES = {
    "UTO": "UTOPIA",
    "D": "BUNDESREPUBLIK DEUTSCHLAND",
    "FRA": "RÉPUBLIQUE FRANÇAISE",
    "NLD": "KONINKRIJK DER NEDERLANDEN",
    "ITA": "REPUBBLICA ITALIANA",
    "ESP": "REINO DE ESPAÑA",
    "POL": "RZECZPOSPOLITA POLSKA",
    "SWE": "KONUNGARIKET SVERIGE",
    "IRL": "ÉIRE IRELAND",
    "PRT": "REPÚBLICA PORTUGUESA",
    "AUT": "REPUBLIK ÖSTERREICH",
    "CAN": "CANADA",
}
US_STATES = [
    ("CA", "636014"),
    ("NY", "636001"),
    ("TX", "636015"),
    ("FL", "636010"),
    ("WA", "636045"),
    ("IL", "636035"),
]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

_ICAO_TRANSLIT = {"Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS", "Å": "AA", "Ø": "OE", "Æ": "AE"}


# ---------------------------------------------------------------------------------------
# Ground truth


@dataclass
class Identity:
    surname: str
    given_names: str
    document_number: str
    nationality: str
    issuing_country: str
    date_of_birth: date
    expiry_date: date
    issue_date: date
    sex: str
    personal_number: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    iin: str = ""
    eyes: str = "BRO"
    height_in: int = 69


def mrz_name(text: str) -> str:
    """ICAO 9303 transliteration of a printed name to MRZ characters."""
    out = []
    for ch in text.upper():
        if ch in _ICAO_TRANSLIT:
            out.append(_ICAO_TRANSLIT[ch])
        elif "A" <= ch <= "Z":
            out.append(ch)
        elif ch in " -'":
            out.append("<" if ch != "'" else "")
        else:
            import unicodedata

            base = unicodedata.normalize("NFD", ch)[0]
            out.append(base if "A" <= base <= "Z" else "<")
    return "".join(out)


def _cd(data: str) -> str:
    """ICAO check digit, written independently of the engine on purpose."""
    total = 0
    for i, c in enumerate(data):
        v = int(c) if c.isdigit() else (ord(c) - 55 if c.isalpha() else 0)
        total += v * (7, 3, 1)[i % 3]
    return str(total % 10)


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def _names_field(ident: Identity, width: int) -> str:
    s = mrz_name(ident.surname) + "<<" + mrz_name(ident.given_names)
    return (s + "<" * width)[:width]


def _country3(c: str) -> str:
    return (c + "<<<")[:3]


def build_mrz(kind: str, ident: Identity) -> list[str]:
    """MRZ lines for TD3 (passport) or TD1 (card), with every check digit."""
    dob, exp = _yymmdd(ident.date_of_birth), _yymmdd(ident.expiry_date)
    if kind == "td3":
        l1 = "P<" + _country3(ident.issuing_country) + _names_field(ident, 39)
        num = (ident.document_number + "<" * 9)[:9]
        pn = (ident.personal_number + "<" * 14)[:14]
        pn_cd = _cd(pn) if ident.personal_number else "<"
        l2 = (
            num
            + _cd(num)
            + _country3(ident.nationality)
            + dob
            + _cd(dob)
            + ident.sex
            + exp
            + _cd(exp)
            + pn
            + pn_cd
        )
        l2 += _cd(l2[0:10] + l2[13:20] + l2[21:43])
        return [l1, l2]
    number = ident.document_number
    if len(number) > 9:  # long number: overflow + check digit in the optional data
        opt = (number[9:] + _cd(number) + "<" * 15)[:15]
        l1 = "I<" + _country3(ident.issuing_country) + number[:9] + "<" + opt
    else:
        num = (number + "<" * 9)[:9]
        l1 = "I<" + _country3(ident.issuing_country) + num + _cd(num) + "<" * 15
    l2 = dob + _cd(dob) + ident.sex + exp + _cd(exp) + _country3(ident.nationality) + "<" * 11
    l2 += _cd(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    l3 = _names_field(ident, 30)
    return [l1, l2, l3]


def random_identity(rng: random.Random, kind: str) -> Identity:
    today = date(2026, 1, 1)
    dob = date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 66))
    issue = today - timedelta(days=rng.randint(30, 365 * 8))
    expiry = issue + timedelta(days=365 * (10 if kind == "td3" else rng.choice([5, 8, 10])))
    if rng.random() < 0.08:
        expiry = today - timedelta(days=rng.randint(1, 900))  # some expired documents
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN) + ("" if rng.random() < 0.5 else " " + rng.choice(GIVEN))
    letters = "ABCDEFGHJKLMNPRTUVWXYZ"
    digits = "0123456789"
    if kind == "dl":
        state, iin = rng.choice(US_STATES)
        number = rng.choice(letters) + "".join(rng.choice(digits) for _ in range(7))
        return Identity(
            surname=surname,
            given_names=given,
            document_number=number,
            nationality="USA",
            issuing_country="USA",
            date_of_birth=dob,
            expiry_date=expiry,
            issue_date=issue,
            sex=rng.choice("MF"),
            street=f"{rng.randint(1, 9999)} {rng.choice(['MAIN', 'OAK', 'ELM', 'PINE'])} ST",
            city=rng.choice(["SPRINGFIELD", "RIVERSIDE", "FAIRVIEW", "MADISON"]),
            state=state,
            postal_code=f"{rng.randint(10000, 99999)}0000",
            iin=iin,
            eyes=rng.choice(["BRO", "BLU", "GRN", "HAZ"]),
            height_in=rng.randint(58, 78),
        )
    n = 9 if not (kind == "td1" and rng.random() < 0.15) else 12
    number = rng.choice(letters) + "".join(rng.choice(letters + digits) for _ in range(n - 1))
    country = rng.choice(COUNTRIES)
    pn = "".join(rng.choice(digits) for _ in range(10)) if rng.random() < 0.4 else ""
    return Identity(
        surname=surname,
        given_names=given,
        document_number=number,
        nationality=country,
        issuing_country=country,
        date_of_birth=dob,
        expiry_date=expiry,
        issue_date=issue,
        sex=rng.choice("MF"),
        personal_number=pn if kind == "td3" else "",
    )


# ---------------------------------------------------------------------------------------
# AAMVA PDF417 payload


def build_aamva(ident: Identity, version: int, subfile: str = "DL") -> bytes:
    """An AAMVA card design standard barcode payload (versions 1-10)."""
    us = lambda d: d.strftime("%m%d%Y")  # noqa: E731
    iso = lambda d: d.strftime("%Y%m%d")  # noqa: E731
    fmt_date = iso if version == 1 else us
    sex = {"M": "1", "F": "2"}[ident.sex]
    els: list[tuple[str, str]] = [("DAQ", ident.document_number)]
    if version == 1:
        els.append(("DAA", f"{ident.surname},{ident.given_names.replace(' ', ',')}"))
    elif version in (2, 3):
        els += [("DCS", ident.surname), ("DCT", ident.given_names.replace(" ", ","))]
    else:
        first, _, middle = ident.given_names.partition(" ")
        els += [("DCS", ident.surname), ("DAC", first), ("DAD", middle or "NONE")]
    els += [
        ("DBB", fmt_date(ident.date_of_birth)),
        ("DBA", fmt_date(ident.expiry_date)),
        ("DBD", fmt_date(ident.issue_date)),
        ("DBC", sex if version > 1 else ident.sex),
        ("DAG", ident.street),
        ("DAI", ident.city),
        ("DAJ", ident.state),
        ("DAK", ident.postal_code),
        ("DAY", ident.eyes),
        ("DAU", f"{ident.height_in:03d} IN"),
    ]
    if version >= 2:
        els += [("DCA", "C"), ("DCB", "NONE"), ("DCD", "NONE"), ("DCF", "0" + ident.iin[-4:])]
    if version >= 4:
        els += [("DCG", "USA"), ("DDE", "N"), ("DDF", "N"), ("DDG", "N")]
    body = subfile + "\n".join(k + v for k, v in els) + "\r"
    zsub = "ZC" + "ZCAGREEN\r"
    subs = [(subfile, body.encode("latin-1")), ("ZC", zsub.encode("latin-1"))]
    head = "@\n\x1e\rANSI " + ident.iin + f"{version:02d}"
    if version >= 2:
        head += "00"
    head += f"{len(subs):02d}"
    offset = len(head) + 10 * len(subs)
    desig = ""
    for name, data in subs:
        desig += f"{name}{offset:04d}{len(data):04d}"
        offset += len(data)
    return (head + desig).encode("latin-1") + b"".join(d for _, d in subs)


# ---------------------------------------------------------------------------------------
# Rendering


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=1)
def ocrb_path() -> str:
    for p in OCRB_PATHS:
        if Path(p).exists():
            return p
    raise FileNotFoundError("no OCR-B or DejaVu Sans Mono font (apt-get install fonts-ocr-b)")


@lru_cache(maxsize=1)
def _astronaut() -> np.ndarray:
    from skimage import data

    return data.astronaut()  # RGB 512x512, public domain (NASA)


_PORTRAIT: dict[str, Any] = {}  # a face photo given with --portrait


def use_portrait(path: Path | None) -> None:
    """Render every document with this face photo (RGB, the face roughly centred)."""
    _PORTRAIT.clear()
    if path is not None:
        _PORTRAIT["image"] = np.asarray(Image.open(path).convert("RGB"))


def _face_source() -> tuple[np.ndarray, int, int, int]:
    """The face photo, the face centre and a crop half-width."""
    if "image" in _PORTRAIT:
        img = _PORTRAIT["image"]
        if "face" not in _PORTRAIT:
            _PORTRAIT["face"] = _locate_face(img)
        cx, cy, half = _PORTRAIT["face"]
        return img, cx, cy, half
    # The astronaut's face sits around x 150-260, y 40-180.
    return _astronaut(), 205, 115, 110


def _locate_face(img: np.ndarray) -> tuple[int, int, int]:
    """Centre and crop half-width around the photo's largest face (YuNet, as the engine)."""
    from shared.faces.detect import detect_faces

    faces = detect_faces(np.ascontiguousarray(img[:, :, ::-1]))
    if not faces:
        raise SystemExit("no face found in the --portrait photo")
    x, y, w, h = faces[0].box
    return int(x + w / 2), int(y + h * 0.55), int(w * 1.05)


def selfie(rng: random.Random, size: int = 640) -> Image.Image:
    """A selfie of the document's face: the whole photo, reframed, slightly rotated, with
    its own light (for trying face_match and passive_liveness on generated documents)."""
    img, cx, cy, half = _face_source()
    h, w = img.shape[:2]
    r = int(half * rng.uniform(1.6, 2.0))
    box = (max(0, cx - r), max(0, cy - r), min(w, cx + r), min(h, cy + r))
    face = Image.fromarray(img).crop(box).rotate(rng.uniform(-6, 6), resample=Image.BICUBIC)
    face = face.resize((size, int(size * face.height / face.width)), Image.LANCZOS)
    gain = rng.uniform(0.9, 1.12)
    arr = np.clip(np.asarray(face, dtype=np.float32) * gain, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def portrait(rng: random.Random, w: int, h: int) -> Image.Image:
    img, fx, fy, base = _face_source()
    # Crop around the face with a random margin.
    cx, cy = fx + rng.randint(-10, 10), fy + rng.randint(-8, 8)
    half_w = rng.randint(int(base * 0.86), int(base * 1.14))
    half_h = int(half_w * h / w)
    x0, y0 = max(0, cx - half_w), max(0, cy - int(half_h * 0.9))
    crop = img[y0 : y0 + 2 * half_h, x0 : x0 + 2 * half_w]
    p = Image.fromarray(crop).resize((w, h), Image.LANCZOS)
    if rng.random() < 0.5:
        p = p.transpose(Image.FLIP_LEFT_RIGHT)
    if rng.random() < 0.3:
        p = p.convert("L").convert("RGB")
    tint = np.array([rng.uniform(0.9, 1.1) for _ in range(3)])
    arr = np.clip(np.asarray(p, dtype=np.float32) * tint, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def guilloche(w: int, h: int, rng: random.Random, base: tuple[int, int, int]) -> Image.Image:
    img = Image.new("RGB", (w, h), base)
    d = ImageDraw.Draw(img)
    t = np.linspace(0, 2 * math.pi, 600)
    for _ in range(18):
        big_r, r, dd = rng.uniform(50, 140), rng.uniform(5, 40), rng.uniform(10, 80)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        k = (big_r - r) / r
        xs = cx + (big_r - r) * np.cos(t * 7) + dd * np.cos(k * t * 7)
        ys = cy + (big_r - r) * np.sin(t * 7) - dd * np.sin(k * t * 7)
        col = tuple(int(c * rng.uniform(0.8, 0.95)) for c in base)
        d.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=col, width=1)
    for y in range(0, h, 6):  # fine wave lines
        xs = np.arange(0, w, 4)
        ys = y + 2.0 * np.sin(xs / rng.uniform(15, 30))
        col = tuple(int(c * 0.93) for c in base)
        d.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=col, width=1)
    return img


def _draw_mrz(
    img: Image.Image, lines: list[str], left: int, bottom: int, width: int, pitch_h: float
) -> None:
    d = ImageDraw.Draw(img)
    n = len(lines[0])
    size = 10
    path = ocrb_path()
    while _font(path, size + 1).getlength("<" * n) <= width:
        size += 1
    f = _font(path, size)
    y = bottom - int(pitch_h * len(lines))
    for line in lines:
        d.text((left, y), line, fill=(20, 20, 25), font=f)
        y += int(pitch_h)


def _viz_date(d: date, style: str) -> str:
    if style == "td3":
        return f"{d.day:02d} {MONTHS[d.month - 1]} {d.year}"
    if style == "us":
        return d.strftime("%m/%d/%Y")
    return d.strftime("%d.%m.%Y")


def _field(d: ImageDraw.ImageDraw, x: int, y: int, label: str, value: str, size: int) -> None:
    d.text((x, y), label, fill=(70, 70, 110), font=_font(SANS, max(9, int(size * 0.55))))
    d.text((x, y + int(size * 0.7)), value, fill=(15, 15, 20), font=_font(SANS_BOLD, size))


def render_td3(
    ident: Identity, rng: random.Random, viz: Identity | None = None
) -> tuple[Image.Image, dict[str, Any]]:
    v = viz or ident
    w, h = 1000, 704  # 125 x 88 mm at 8 px/mm
    img = guilloche(w, h, rng, (rng.randint(215, 240), rng.randint(220, 240), 235))
    d = ImageDraw.Draw(img)
    d.text((40, 22), "PASSPORT  PASSEPORT", fill=(40, 40, 100), font=_font(SANS_BOLD, 26))
    d.text(
        (520, 26),
        COUNTRY_NAMES.get(ident.issuing_country, ident.issuing_country),
        fill=(40, 40, 100),
        font=_font(SANS, 20),
    )
    px, py, pw, ph = 40, 90, 250, 320
    img.paste(portrait(rng, pw, ph), (px, py))
    x, y, s = 320, 80, 24
    _field(d, x, y, "Type", "P", s)
    _field(d, x + 120, y, "Code", v.issuing_country, s)
    _field(d, x + 300, y, "Passport No.", v.document_number, s)
    _field(d, x, y + 55, "Surname / Nom", v.surname, s)
    _field(d, x, y + 110, "Given names / Prénoms", v.given_names, s)
    _field(d, x, y + 165, "Nationality / Nationalité", v.nationality, s)
    _field(d, x, y + 220, "Date of birth", _viz_date(v.date_of_birth, "td3"), s)
    _field(d, x + 330, y + 220, "Sex", v.sex, s)
    _field(d, x, y + 275, "Date of issue", _viz_date(v.issue_date, "td3"), s)
    _field(d, x + 330, y + 275, "Date of expiry", _viz_date(v.expiry_date, "td3"), s)
    lines = build_mrz("td3", ident)
    _draw_mrz(img, lines, 45, h - 40, w - 90, 58)
    return img, {"mrz": lines, "portrait_box": [px, py, pw, ph], "size": [w, h]}


def render_td1(
    ident: Identity, rng: random.Random, viz: Identity | None = None
) -> tuple[Image.Image, Image.Image, dict]:
    v = viz or ident
    w, h = 856, 540  # 85.6 x 54 mm at 10 px/mm
    base = (rng.randint(220, 240), 235, rng.randint(215, 235))
    front = guilloche(w, h, rng, base)
    d = ImageDraw.Draw(front)
    d.text((30, 20), "IDENTITY CARD", fill=(30, 60, 60), font=_font(SANS_BOLD, 30))
    d.text(
        (420, 28),
        COUNTRY_NAMES.get(ident.issuing_country, ident.issuing_country)[:26],
        fill=(30, 60, 60),
        font=_font(SANS, 18),
    )
    px, py, pw, ph = 30, 90, 230, 290
    front.paste(portrait(rng, pw, ph), (px, py))
    x, s = 290, 26
    _field(d, x, 85, "Surname", v.surname, s)
    _field(d, x, 150, "Given names", v.given_names, s)
    _field(d, x, 215, "Sex", v.sex, s)
    _field(d, x + 110, 215, "Nationality", v.nationality, s)
    _field(d, x, 280, "Date of birth", _viz_date(v.date_of_birth, "eu"), s)
    _field(d, x, 345, "Document No.", v.document_number, s)
    _field(d, x, 410, "Date of expiry", _viz_date(v.expiry_date, "eu"), s)
    back = guilloche(w, h, rng, base)
    db = ImageDraw.Draw(back)
    _field(db, 30, 30, "Date of issue", _viz_date(ident.issue_date, "eu"), 24)
    _field(db, 30, 95, "Authority", "CITY HALL", 24)
    lines = build_mrz("td1", ident)
    _draw_mrz(back, lines, 30, h - 25, w - 60, 62)
    return front, back, {"mrz": lines, "portrait_box": [px, py, pw, ph], "size": [w, h]}


def render_dl(
    ident: Identity, rng: random.Random, version: int, viz: Identity | None = None
) -> tuple[Image.Image, Image.Image, dict]:
    import zxingcpp

    v = viz or ident
    w, h = 856, 540
    front = guilloche(w, h, rng, (235, rng.randint(225, 240), rng.randint(200, 225)))
    d = ImageDraw.Draw(front)
    d.text(
        (30, 18), f"{ident.state}  DRIVER LICENSE", fill=(120, 30, 30), font=_font(SANS_BOLD, 32)
    )
    px, py, pw, ph = 30, 90, 230, 290
    front.paste(portrait(rng, pw, ph), (px, py))
    x, s = 290, 24
    _field(d, x, 80, "DL", v.document_number, s + 4)
    _field(d, x + 300, 80, "EXP", _viz_date(v.expiry_date, "us"), s)
    _field(d, x, 140, "LN", v.surname, s)
    _field(d, x, 195, "FN", v.given_names, s)
    d.text((x, 250), ident.street, fill=(15, 15, 20), font=_font(SANS, 20))
    d.text(
        (x, 276),
        f"{ident.city}, {ident.state} {ident.postal_code[:5]}",
        fill=(15, 15, 20),
        font=_font(SANS, 20),
    )
    _field(d, x, 315, "DOB", _viz_date(v.date_of_birth, "us"), s)
    _field(d, x + 240, 315, "SEX", v.sex, s)
    _field(d, x, 375, "ISS", _viz_date(v.issue_date, "us"), s)
    _field(d, x + 240, 375, "EYES", v.eyes, s)
    payload = build_aamva(ident, version)
    bc = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.PDF417)
    bimg = Image.fromarray(np.asarray(zxingcpp.write_barcode_to_image(bc, scale=2)))
    back = guilloche(w, h, rng, (235, 235, 225))
    bw = w - 80
    bh = min(int(bimg.height * bw / bimg.width), h - 120)
    back.paste(bimg.convert("RGB").resize((bw, bh), Image.NEAREST), (40, 60))
    ImageDraw.Draw(back).text(
        (40, 20), "Licensed to drive class C vehicles", fill=(40, 40, 40), font=_font(SANS, 18)
    )
    return (
        front,
        back,
        {
            "aamva": payload.decode("latin-1"),
            "aamva_version": version,
            "portrait_box": [px, py, pw, ph],
            "size": [w, h],
        },
    )


# ---------------------------------------------------------------------------------------
# Photographing


def _table(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    base = rng.integers(60, 200, size=3)
    grad = np.linspace(0.8, 1.15, w)[None, :, None] * np.linspace(0.9, 1.1, h)[:, None, None]
    bg = np.clip(base[None, None, :] * grad + rng.normal(0, 6, (h, w, 3)), 0, 255)
    bg = bg.astype(np.uint8)
    for _ in range(int(rng.integers(2, 7))):  # clutter: pens, papers, cups
        col = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        if rng.random() < 0.5:
            cv2.line(
                bg,
                (x, y),
                (x + int(rng.integers(-300, 300)), y + int(rng.integers(-80, 80))),
                col,
                int(rng.integers(3, 12)),
            )
        else:
            cv2.circle(bg, (x, y), int(rng.integers(20, 90)), col, -1)
    return cv2.GaussianBlur(bg, (5, 5), 0)


def photograph(doc: Image.Image, condition: str, seed: int, out_size=(1280, 800)) -> np.ndarray:
    """Place a rendered document in a photo of a table under the given condition (BGR)."""
    rng = np.random.default_rng(seed)
    src = cv2.cvtColor(np.asarray(doc.convert("RGB")), cv2.COLOR_RGB2BGR)
    h, w = src.shape[:2]
    W, H = out_size
    if condition == "clean":  # flat scan: document fills most of the frame
        scale = min(W * 0.92 / w, H * 0.92 / h)
        angle, persp = 0.0, 0.0
    else:
        scale = min(W / w, H / h) * float(rng.uniform(0.72, 0.86))
        angle = float(rng.uniform(-4, 4))
        persp = 0.03
    if condition == "perspective":
        persp = float(rng.uniform(0.06, 0.12))
    if condition == "rotation":
        angle = float(rng.uniform(-35, 35))
        scale *= 0.82
    dw, dh = w * scale, h * scale
    cx, cy = W / 2 + rng.uniform(-0.04, 0.04) * W, H / 2 + rng.uniform(-0.04, 0.04) * H
    corners = np.array([[-dw / 2, -dh / 2], [dw / 2, -dh / 2], [dw / 2, dh / 2], [-dw / 2, dh / 2]])
    corners += rng.uniform(-persp, persp, corners.shape) * np.array([dw, dh])
    a = math.radians(angle)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    dst = (corners @ rot.T + np.array([cx, cy])).astype(np.float32)
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), dst)
    table = _table(W, H, rng)
    warped = cv2.warpPerspective(src, m, (W, H), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (W, H))
    out = np.where(mask[..., None] > 127, warped, table)
    if condition == "blur":
        k = int(rng.choice([5, 7]))
        out = cv2.GaussianBlur(out, (k, k), 0)
    elif condition == "noise":
        out = np.clip(out + rng.normal(0, 14, out.shape), 0, 255).astype(np.uint8)
    elif condition == "glare":
        gx, gy = rng.uniform(0.3, 0.7) * W, rng.uniform(0.2, 0.5) * H
        yy, xx = np.mgrid[0:H, 0:W]
        g = np.exp(-(((xx - gx) / (W * 0.12)) ** 2 + ((yy - gy) / (H * 0.1)) ** 2))
        out = np.clip(out + 200 * g[..., None], 0, 255).astype(np.uint8)
    elif condition == "low_light":
        out = np.clip(out * rng.uniform(0.3, 0.42) + rng.normal(0, 4, out.shape), 0, 255)
        out = out.astype(np.uint8)
    if condition == "rot90":
        out = cv2.rotate(out, cv2.ROTATE_90_CLOCKWISE)
    elif condition == "rot180":
        out = cv2.rotate(out, cv2.ROTATE_180)
    else:
        out = np.ascontiguousarray(out)
    return out


def encode(img_bgr: np.ndarray, condition: str, seed: int) -> bytes:
    quality = 35 if condition == "jpeg" else 90
    ok, buf = cv2.imencode(".jpg", img_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


# ---------------------------------------------------------------------------------------
# Samples


@dataclass
class Sample:
    kind: str
    condition: str
    seed: int
    front: bytes
    back: bytes | None
    truth: dict[str, Any] = field(default_factory=dict)


def truth_fields(ident: Identity) -> dict[str, str]:
    return {
        "surname": mrz_name(ident.surname).replace("<", " ").strip(),
        "given_names": mrz_name(ident.given_names).replace("<", " ").strip(),
        "document_number": ident.document_number,
        "nationality": ident.nationality,
        "issuing_country": ident.issuing_country,
        "date_of_birth": ident.date_of_birth.isoformat(),
        "expiry_date": ident.expiry_date.isoformat(),
        "sex": ident.sex,
    }


def make_sample(
    kind: str,
    condition: str,
    seed: int,
    tamper: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    aamva_version: int | None = None,
) -> Sample:
    """One document. `changes` alter the identity (e.g. an expired date); `tamper` alters
    only the printed visual zone (the MRZ/barcode keep the true values)."""
    rng = random.Random(seed)
    ident = random_identity(rng, kind)
    if changes:
        ident = replace(ident, **changes)
    viz = replace(ident, **tamper) if tamper else None
    truth: dict[str, Any] = {"fields": truth_fields(ident), "identity": _jsonable(asdict(ident))}
    back_img = None
    if kind == "td3":
        front_img, meta = render_td3(ident, rng, viz)
    elif kind == "td1":
        front_img, back_img, meta = render_td1(ident, rng, viz)
    else:
        version = aamva_version or rng.randint(1, 10)
        front_img, back_img, meta = render_dl(ident, rng, version, viz)
    truth.update(meta)
    front = encode(photograph(front_img, condition, seed), condition, seed)
    back = None
    if back_img is not None:
        back = encode(photograph(back_img, condition, seed + 7919), condition, seed)
    return Sample(kind=kind, condition=condition, seed=seed, front=front, back=back, truth=truth)


def generate_set(n: int, seed: int = 1000) -> list[Sample]:
    """n samples cycling through kinds and conditions (deterministic)."""
    out = []
    combos = [(k, c) for c in CONDITIONS for k in KINDS]
    for i in range(n):
        kind, cond = combos[i % len(combos)]
        out.append(make_sample(kind, cond, seed + i))
    return out


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in d.items()}


def to_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def blur_pil(img: Image.Image, r: float) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(r))


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(
        prog="python -m tests.documents.generator",
        description="Render synthetic identity documents (passports, ID cards, driving "
        "licences) with their ground truth (truth.json).",
    )
    p.add_argument("outdir", type=Path, help="folder for the images and truth.json")
    p.add_argument("count", type=int, nargs="?", default=30, help="how many samples (30)")
    p.add_argument(
        "--portrait",
        type=Path,
        help="a face photo (JPEG/PNG, face roughly centred) for the documents' portrait "
        "instead of scikit-image's astronaut",
    )
    p.add_argument(
        "--selfie",
        action="store_true",
        help="also write <stem>_selfie.jpg: a selfie of the same face, for face_match",
    )
    args = p.parse_args(argv)
    use_portrait(args.portrait)
    args.outdir.mkdir(parents=True, exist_ok=True)
    index = []
    for s in generate_set(args.count):
        stem = f"{s.seed}_{s.kind}_{s.condition}"
        (args.outdir / f"{stem}_front.jpg").write_bytes(s.front)
        if s.back:
            (args.outdir / f"{stem}_back.jpg").write_bytes(s.back)
        if args.selfie:
            buf = io.BytesIO()
            selfie(random.Random(s.seed)).save(buf, "JPEG", quality=90)
            (args.outdir / f"{stem}_selfie.jpg").write_bytes(buf.getvalue())
        index.append({"stem": stem, "kind": s.kind, "condition": s.condition, **s.truth})
    (args.outdir / "truth.json").write_text(json.dumps(index, indent=1, ensure_ascii=False))
    print(f"wrote {args.count} samples to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
