"""A second, independent generator of identity documents (test data only).

Written separately from `tests/documents/generator.py` (no code or layout shared) so that the
document engine is measured on layouts it was not developed on. Every layout choice is drawn
from parameters per sample:

- formats TD3 (passport, 2x44), TD2 (2x36), TD1 (3x30, MRZ on the back of the card),
  MRV-A (2x44 visa) and MRV-B (2x36 visa), with their own ICAO 9303 encoder below;
- MRZ character pitch (font size), left margin, distance to the bottom edge (down to a
  tight 1.5 mm), page size and aspect, portrait left or right, field font sizes, field
  labels in one of eight languages, bilingual, or no labels at all, five date styles;
- backgrounds: gradients with interference rosettes or speckle (not the other generator's
  guilloche), portraits from the real photos in `tests/faces/data/` (public domain).

Capture conditions (`CONDITIONS`): clean, tight crop (the MRZ runs to the image edge),
textured background (wood, fabric, dark cloth), 3-D tilt up to 35 degrees, any in-plane
rotation, glare spots, JPEG quality 20-35, 480-pixel captures, motion blur, low light, and
small flat scans 300-580 px wide.

Usage: `make_sample("td1", "tight_crop", seed=3)` -> Sample(front, back, truth) with
`truth["mrz"]` (lines) and `truth["fields"]`, or `python -m tests.documents.generator2 OUT N`.
"""

from __future__ import annotations

import io
import json
import math
import random
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path("/usr/share/fonts")
FACES = Path(__file__).resolve().parent.parent / "faces" / "data"

KINDS = ("td3", "td1", "td2", "mrva", "mrvb")
KIND_WEIGHTS = (4, 3, 1, 1, 1)
CONDITIONS = (
    "clean",
    "tight_crop",
    "textured_bg",
    "perspective35",
    "any_rotation",
    "glare_spots",
    "jpeg20",
    "small480",
    "motion_blur",
    "low_light",
    "small_scan",
)

# (MRZ lines, characters per line, page width mm, page height mm)
GEOMETRY = {
    "td3": (2, 44, 125.0, 88.0),
    "mrva": (2, 44, 120.0, 80.0),
    "td2": (2, 36, 105.0, 74.0),
    "mrvb": (2, 36, 105.0, 74.0),
    "td1": (3, 30, 85.6, 54.0),
}

PEOPLE_SURNAMES = [
    "Øberg",
    "Nguyễn",
    "Wiśniewska",
    "O'Connor",
    "Van der Berg",
    "Saint-Exupéry",
    "Kowalczyk",
    "Fernández López",
    "Papadopoulou",
    "Horváth",
    "Björklund",
    "Jääskeläinen",
    "Dvořák",
    "Mäkinen",
    "Costa",
    "Petrov",
    "Yilmaz",
    "Andersen",
    "Lindqvist",
    "Moreau",
    "Rossi",
    "Schulze",
    "Nowak",
    "Silva",
    "Kim",
    "Li",
    "Abara",
    "Okafor",
    "Hussain",
    "Delacroix",
]
PEOPLE_GIVEN = [
    "Zoë",
    "José María",
    "Ingrid",
    "Łukasz",
    "Aoife",
    "Jean-Luc",
    "Sørina",
    "Ömer",
    "Ana",
    "Tomasz",
    "Eleni",
    "Kristóf",
    "Hanna Liisa",
    "Matteo",
    "Chiara",
    "Amara",
    "Yusuf",
    "Pieter",
    "Émilie",
    "Nils",
    "Olga",
    "Chen",
    "Farah",
    "Bruno",
    "Ida",
    "Ren",
    "Maja",
]
STATES = {
    "D": ("de", "BUNDESREPUBLIK DEUTSCHLAND"),
    "FRA": ("fr", "RÉPUBLIQUE FRANÇAISE"),
    "ESP": ("es", "REINO DE ESPAÑA"),
    "ITA": ("it", "REPUBBLICA ITALIANA"),
    "NLD": ("nl", "KONINKRIJK DER NEDERLANDEN"),
    "POL": ("pl", "RZECZPOSPOLITA POLSKA"),
    "PRT": ("pt", "REPÚBLICA PORTUGUESA"),
    "GBR": ("en", "UNITED KINGDOM"),
    "IRL": ("en", "ÉIRE IRELAND"),
    "SWE": ("en", "SVERIGE SWEDEN"),
    "UTO": ("en", "UTOPIA"),
    "CAN": ("fr", "CANADA"),
}
LABELS = {
    "en": (
        "Surname",
        "Given names",
        "Document No.",
        "Nationality",
        "Date of birth",
        "Sex",
        "Date of expiry",
    ),
    "fr": (
        "Nom",
        "Prénoms",
        "N° du document",
        "Nationalité",
        "Date de naissance",
        "Sexe",
        "Date d'expiration",
    ),
    "de": (
        "Name",
        "Vornamen",
        "Dokumentennummer",
        "Staatsangehörigkeit",
        "Geburtsdatum",
        "Geschlecht",
        "Gültig bis",
    ),
    "es": (
        "Apellidos",
        "Nombre",
        "Núm. documento",
        "Nacionalidad",
        "Fecha de nacimiento",
        "Sexo",
        "Fecha de caducidad",
    ),
    "it": (
        "Cognome",
        "Nome",
        "N. documento",
        "Cittadinanza",
        "Data di nascita",
        "Sesso",
        "Scadenza",
    ),
    "nl": (
        "Naam",
        "Voornamen",
        "Documentnummer",
        "Nationaliteit",
        "Geboortedatum",
        "Geslacht",
        "Geldig tot",
    ),
    "pl": (
        "Nazwisko",
        "Imiona",
        "Nr dokumentu",
        "Obywatelstwo",
        "Data urodzenia",
        "Płeć",
        "Data ważności",
    ),
    "pt": (
        "Apelido",
        "Nome",
        "N.º documento",
        "Nacionalidade",
        "Data de nascimento",
        "Sexo",
        "Válido até",
    ),
}
KEYS = (
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "date_of_birth",
    "sex",
    "expiry_date",
)
MONTHS3 = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
TODAY = date(2026, 1, 1)


# ---------------------------------------------------------------------------------------
# ICAO 9303 encoding (independent implementation)


def icao_chars(name: str) -> str:
    """Printed name -> MRZ characters (ICAO transliteration, separators as '<')."""
    special = {
        "Ä": "AE",
        "Ö": "OE",
        "Ü": "UE",
        "ß": "SS",
        "Ø": "OE",
        "Å": "AA",
        "Æ": "AE",
        "Ł": "L",
        "Đ": "D",
        "Þ": "TH",
    }
    out = ""
    for ch in name.upper():
        if ch in special:
            out += special[ch]
        elif ch in " -":
            out += "<"
        elif ch == "'":
            continue
        else:
            base = unicodedata.normalize("NFKD", ch)[:1]
            out += base if base.isascii() and base.isalpha() else ""
    return out


def digit_of(text: str) -> str:
    weights = (7, 3, 1)
    acc = 0
    for pos, ch in enumerate(text):
        if ch.isdigit():
            val = ord(ch) - 48
        elif "A" <= ch <= "Z":
            val = ord(ch) - 55
        else:
            val = 0
        acc += val * weights[pos % 3]
    return str(acc % 10)


def pad(text: str, n: int) -> str:
    return text[:n].ljust(n, "<")


@dataclass
class Person:
    surname: str
    given: str
    number: str
    issuer: str
    nationality: str
    birth: date
    expiry: date
    sex: str
    optional: str
    doc_code: str


def name_field(p: Person, n: int) -> str:
    return pad(icao_chars(p.surname) + "<<" + icao_chars(p.given), n)


def encode_mrz(kind: str, p: Person) -> list[str]:
    dob, exp = p.birth.strftime("%y%m%d"), p.expiry.strftime("%y%m%d")
    num = pad(p.number, 9)
    nat, iss = pad(p.nationality, 3), pad(p.issuer, 3)
    if kind == "td1":
        a = p.doc_code + iss + num + digit_of(num) + pad(p.optional, 15)
        b = dob + digit_of(dob) + p.sex + exp + digit_of(exp) + nat + "<" * 11
        b += digit_of(a[5:30] + b[0:7] + b[8:15] + b[18:29])
        return [a, b, name_field(p, 30)]
    width = GEOMETRY[kind][1]
    first = p.doc_code + iss + name_field(p, width - 5)
    core = num + digit_of(num) + nat + dob + digit_of(dob) + p.sex + exp + digit_of(exp)
    if kind == "td3":
        opt = pad(p.optional, 14)
        second = core + opt + (digit_of(opt) if p.optional else "<")
        second += digit_of(second[0:10] + second[13:20] + second[21:43])
    elif kind == "td2":
        second = core + pad(p.optional, 7)
        second += digit_of(second[0:10] + second[13:20] + second[21:35])
    else:  # visas: no composite digit
        second = core + pad(p.optional, width - len(core))
    return [first, second]


def draw_person(rng: random.Random, kind: str) -> Person:
    issuer = rng.choice(list(STATES))
    nationality = issuer if rng.random() < 0.85 else rng.choice(list(STATES))
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    style = rng.random()
    if style < 0.4:
        number = "".join(rng.choice(letters + "0123456789") for _ in range(9))
    elif style < 0.7:
        number = rng.choice(letters) + "".join(rng.choice("0123456789") for _ in range(8))
    else:
        number = "".join(rng.choice("0123456789") for _ in range(rng.choice((8, 9))))
    birth = date(1942, 1, 1) + timedelta(days=rng.randrange(0, 65 * 365))
    expiry = TODAY + timedelta(days=rng.randrange(-400, 10 * 365))
    surname = rng.choice(PEOPLE_SURNAMES)
    given = rng.choice(PEOPLE_GIVEN)
    width = {"td1": 30, "td3": 39, "mrva": 39, "td2": 31, "mrvb": 31}[kind]
    while len(icao_chars(surname) + "<<" + icao_chars(given)) > width:
        given = rng.choice(PEOPLE_GIVEN)
    opt = ""
    if rng.random() < 0.4:
        n = {"td3": 11, "td1": 10, "td2": 6, "mrva": 12, "mrvb": 6}[kind]
        opt = "".join(rng.choice("0123456789") for _ in range(rng.randint(4, n)))
    if kind in ("mrva", "mrvb"):
        code = "V<"
    elif kind == "td3":
        code = rng.choice(("P<", "P<", "PP"))
    else:
        code = rng.choice(("I<", "ID", "IR"))
    return Person(
        surname, given, number, issuer, nationality, birth, expiry, rng.choice("MFMF<"), opt, code
    )


# ---------------------------------------------------------------------------------------
# Fonts, portraits, backgrounds


@cache
def font_file(kind: str) -> str:
    ocr = sorted(FONT_DIR.glob("**/OCRB*")) + sorted(FONT_DIR.glob("**/ocr-b*/*"))
    choices = {
        "mrz": [str(p) for p in ocr] + [str(FONT_DIR / "truetype/dejavu/DejaVuSansMono.ttf")],
        "sans": [str(FONT_DIR / "truetype/dejavu/DejaVuSansCondensed.ttf")],
        "bold": [str(FONT_DIR / "truetype/dejavu/DejaVuSansCondensed-Bold.ttf")],
        "serif": [str(FONT_DIR / "truetype/dejavu/DejaVuSerif.ttf")],
    }
    for f in choices[kind]:
        if Path(f).is_file():
            return f
    raise FileNotFoundError(f"no {kind} font")


@lru_cache(maxsize=64)
def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_file(kind), size)


def mrz_font_for_pitch(pitch: float) -> ImageFont.FreeTypeFont:
    probe = font("mrz", 100)
    adv = probe.getlength("<" * 20) / 20 / 100
    return font("mrz", max(6, int(round(pitch / adv))))


@lru_cache(maxsize=8)
def _face_photo(name: str) -> np.ndarray:
    img = cv2.imread(str(FACES / name))
    if img is None:
        raise FileNotFoundError(FACES / name)
    return img


def face_names() -> list[str]:
    return sorted(p.name for p in FACES.glob("*.jpg") if "partial" not in p.name)


def portrait_image(rng: random.Random, w: int, h: int, grey: bool) -> Image.Image:
    src = _face_photo(rng.choice(face_names()))
    sh, sw = src.shape[:2]
    ar = w / h
    # head and shoulders: the faces in these photos sit in the upper middle
    ch = int(sh * rng.uniform(0.5, 0.7))
    cw = min(sw, int(ch * ar))
    ch = int(cw / ar)
    x = int(np.clip((sw - cw) / 2 + rng.uniform(-0.08, 0.08) * sw, 0, sw - cw))
    y = int(rng.uniform(0.0, 0.12) * sh)
    crop = cv2.resize(src[y : y + ch, x : x + cw], (w, h), interpolation=cv2.INTER_AREA)
    if grey:
        crop = cv2.cvtColor(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return Image.fromarray(crop[:, :, ::-1])


def security_background(rng: random.Random, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c0 = np.array([rng.randint(200, 250) for _ in range(3)], np.float32)
    c1 = np.array([rng.randint(185, 245) for _ in range(3)], np.float32)
    t = (xx / w * rng.uniform(0.3, 1.0) + yy / h * rng.uniform(0.0, 0.7))[..., None]
    t = np.clip(t, 0, 1)
    img = c0 * (1 - t) + c1 * t
    style = rng.choice(("rosette", "speckle", "waves"))
    if style == "rosette":
        cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        r = np.hypot(xx - cx, yy - cy)
        a = np.arctan2(yy - cy, xx - cx)
        pat = np.sin(r / rng.uniform(3, 7) + rng.randint(5, 12) * a)
    elif style == "waves":
        pat = np.sin(xx / rng.uniform(4, 9) + 6 * np.sin(yy / rng.uniform(20, 60)))
    else:
        nrng = np.random.default_rng(rng.randrange(1 << 30))
        pat = cv2.GaussianBlur(nrng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.5)
        pat = pat / (np.abs(pat).max() + 1e-6)
    tint = np.array([rng.randint(-30, 10) for _ in range(3)], np.float32)
    img = img + (pat[..., None] > 0.6) * tint
    return np.clip(img, 0, 255).astype(np.uint8)


def date_text(d: date, style: int) -> str:
    if style == 0:
        return f"{d.day:02d} {MONTHS3[d.month - 1]} {d.year}"
    if style == 1:
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if style == 2:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == 3:
        return f"{d.day:02d} {MONTHS3[d.month - 1]} {d.strftime('%y')}"
    return d.isoformat()


# ---------------------------------------------------------------------------------------
# Layout


@dataclass
class Page:
    image: Image.Image
    mrz_box: tuple[int, int, int, int] | None  # x0, y0, x1, y1 on the page
    portrait_box: tuple[int, int, int, int] | None = None  # x, y, w, h on the page


def _viz_values(p: Person, rng: random.Random) -> dict[str, str]:
    ds = rng.randrange(5)
    sex = {"M": "M", "F": "F", "<": "X"}[p.sex]
    return {
        "surname": p.surname.upper(),
        "given_names": p.given.upper() if rng.random() < 0.8 else p.given,
        "document_number": p.number,
        "nationality": p.nationality if rng.random() < 0.6 else STATES[p.nationality][1],
        "date_of_birth": date_text(p.birth, ds),
        "sex": sex,
        "expiry_date": date_text(p.expiry, ds),
    }


def layout_page(kind: str, p: Person, rng: random.Random, side: str) -> Page:
    """Draw one side. side: 'data' (portrait, fields and, except TD1, the MRZ), 'back'
    (TD1 card back: the MRZ and a few lines of text)."""
    nlines, width, wmm, hmm = GEOMETRY[kind]
    ppm = rng.uniform(9.0, 13.0)  # pixels per mm
    w, h = int(wmm * ppm), int(hmm * ppm)
    bg = security_background(rng, w, h)
    img = Image.fromarray(bg)
    d = ImageDraw.Draw(img)
    lang, state = STATES[p.issuer]
    mrz_box = None
    portrait_box = None
    ink = tuple(rng.randint(0, 45) for _ in range(3))
    # header band
    hdr = font(rng.choice(("bold", "serif")), int(ppm * rng.uniform(2.6, 3.6)))
    title_y = int(ppm * rng.uniform(2, 4))
    d.text((int(ppm * rng.uniform(3, 25)), title_y), state, font=hdr, fill=ink)
    if side == "data" or kind != "td1":
        has_mrz = kind != "td1"
        # MRZ geometry first: everything else lives above it
        if has_mrz:
            pitch_mm = rng.uniform(2.3, 2.65) if width == 44 else rng.uniform(2.4, 2.75)
            if width * pitch_mm > wmm - 3:
                pitch_mm = (wmm - 3) / width
            mf = mrz_font_for_pitch(pitch_mm * ppm)
            line_h = int(ppm * rng.uniform(3.6, 4.6))
            bottom = int(ppm * rng.uniform(1.5, 6.0))
            left = int(ppm * rng.uniform(1.0, max(1.2, wmm - width * pitch_mm - 1.0)))
            y0 = h - bottom - nlines * line_h
            mrz_top = y0
        else:
            mrz_top = h - int(ppm * 4)
        # portrait
        pw = int(ppm * rng.uniform(24, 34) * (0.8 if kind == "td1" else 1.0))
        ph = int(pw * 1.28)
        top = title_y + hdr.size + int(ppm * rng.uniform(2, 5))
        ph = min(ph, mrz_top - top - int(ppm * 2))
        pw = int(ph / 1.28)
        right_side = rng.random() < 0.3
        px = w - pw - int(ppm * rng.uniform(3, 8)) if right_side else int(ppm * rng.uniform(3, 8))
        img.paste(portrait_image(rng, pw, ph, grey=rng.random() < 0.4), (px, top))
        portrait_box = (px, top, pw, ph)
        # fields in a column next to the portrait
        fx0 = int(ppm * 4) if right_side else px + pw + int(ppm * rng.uniform(4, 9))
        fx1 = px - int(ppm * 3) if right_side else w - int(ppm * 3)
        labels_mode = rng.choice(("lang", "lang", "bilingual", "none"))
        vs = _viz_values(p, rng)
        lab = LABELS[lang]
        eng = LABELS["en"]
        lsize = int(ppm * rng.uniform(1.4, 2.0))
        vsize = int(ppm * rng.uniform(2.2, 3.2))
        vfont = font(rng.choice(("bold", "sans", "serif")), vsize)
        lfont = font("sans", lsize)
        y = top
        gap = (mrz_top - top - int(ppm * 2)) / 7
        two_col = gap < (lsize + vsize) * 1.15
        if two_col:
            gap = (mrz_top - top - int(ppm * 2)) / 4
        for i, key in enumerate(KEYS):
            col = (i >= 4) if two_col else False
            row = (i - 4 if col else i) if two_col else i
            x = fx0 + (int((fx1 - fx0) * 0.5) if col else 0)
            y = int(top + row * gap)
            if labels_mode != "none":
                text = lab[i] if labels_mode == "lang" else f"{lab[i]} / {eng[i]}"
                if lang == "en" and labels_mode == "bilingual":
                    text = f"{lab[i]} / {LABELS['fr'][i]}"
                d.text((x, y), text, font=lfont, fill=(80, 80, 90))
                y += int(lsize * 1.15)
            value = vs[key]
            while vfont.getlength(value) > (fx1 - x) and len(value) > 3:
                value = value[:-1]
            d.text((x, y), value, font=vfont, fill=ink)
        if has_mrz:
            lines = encode_mrz(kind, p)
            for k, line in enumerate(lines):
                d.text((left, y0 + k * line_h), line, font=mf, fill=(10, 10, 10))
            x1 = left + int(mf.getlength(lines[0]))
            mrz_box = (left, y0, x1, y0 + nlines * line_h)
    else:  # TD1 back
        pitch_mm = rng.uniform(2.45, 2.75)
        mf = mrz_font_for_pitch(pitch_mm * ppm)
        line_h = int(ppm * rng.uniform(3.6, 4.6))
        bottom = int(ppm * rng.uniform(1.5, 5.0))
        left = int(ppm * rng.uniform(1.0, max(1.2, wmm - width * pitch_mm - 1.0)))
        y0 = h - bottom - nlines * line_h
        sf = font("sans", int(ppm * rng.uniform(1.8, 2.5)))
        for k, txt in enumerate(
            (
                "Address / Adresse",
                f"{rng.randint(1, 99)} Main Street",
                f"Issued {date_text(p.expiry - timedelta(days=3650), 1)}",
            )
        ):
            d.text((int(ppm * 5), int(ppm * (12 + 5 * k))), txt, font=sf, fill=ink)
        lines = encode_mrz(kind, p)
        # the MRZ band is often printed on a white strip
        d.rectangle((0, y0 - int(ppm * 1.5), w, h), fill=(246, 246, 244))
        for k, line in enumerate(lines):
            d.text((left, y0 + k * line_h), line, font=mf, fill=(10, 10, 10))
        mrz_box = (left, y0, left + int(mf.getlength(lines[0])), y0 + nlines * line_h)
    # rounded corners: cut to transparent later by the capture (mask)
    return Page(img, mrz_box, portrait_box)


# ---------------------------------------------------------------------------------------
# Capture


def _surface(rng: random.Random, w: int, h: int, kind: str) -> np.ndarray:
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    if kind == "wood":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        g = np.sin(yy / rng.uniform(6, 14) + 3 * np.sin(xx / rng.uniform(60, 140)))
        g = g + nrng.normal(0, 0.3, (h, w))
        base = np.array([40, 80, 130], np.float32) * rng.uniform(0.7, 1.3)
        out = base[None, None, :] * (1 + 0.25 * g[..., None])
    elif kind == "fabric":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        g = np.sign(np.sin(xx / 2.5)) * np.sign(np.sin(yy / 2.5))
        base = np.array([rng.randint(60, 200) for _ in range(3)], np.float32)
        out = base[None, None, :] * (1 + 0.12 * g[..., None]) + nrng.normal(0, 8, (h, w, 3))
    elif kind == "dark":
        out = np.full((h, w, 3), rng.randint(15, 45), np.float32) + nrng.normal(0, 6, (h, w, 3))
    else:  # plain desk with soft shading
        base = np.array([rng.randint(120, 230) for _ in range(3)], np.float32)
        shade = np.linspace(rng.uniform(0.8, 1.0), rng.uniform(0.9, 1.1), w)[None, :, None]
        out = base[None, None, :] * shade + nrng.normal(0, 4, (h, w, 3))
    return np.clip(out, 0, 255).astype(np.uint8)


def _tilt_quad(w: int, h: int, rx: float, ry: float, f: float) -> np.ndarray:
    """Corners of a w x h page rotated rx, ry (radians) about its centre, pinhole-projected."""
    pts = np.array(
        [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]], np.float64
    )
    cx, sx, cy, sy = math.cos(rx), math.sin(rx), math.cos(ry), math.sin(ry)
    rot_x = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    rot_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    p3 = pts @ (rot_y @ rot_x).T
    z = p3[:, 2] + f
    return np.stack([p3[:, 0] * f / z, p3[:, 1] * f / z], axis=1)


def capture(page: Page, condition: str, rng: random.Random) -> np.ndarray:
    doc = cv2.cvtColor(np.asarray(page.image), cv2.COLOR_RGB2BGR)
    h, w = doc.shape[:2]
    if condition == "tight_crop":
        x0, y0, x1, y1 = page.mrz_box or (0, 0, w, h)
        right = min(w, x1 + rng.randint(1, 6))
        bottom = min(h, y1 + rng.randint(2, 8))
        left = max(0, rng.randint(0, max(0, x0 - 2)) if rng.random() < 0.5 else 0)
        return doc[:bottom, left:right].copy()
    if condition == "small_scan":
        tw = rng.randint(300, 580)
        s = tw / w
        return cv2.resize(doc, (tw, int(h * s)), interpolation=cv2.INTER_AREA)
    # place the page on a surface through a homography
    out_w = rng.choice((1280, 1440, 1600, 1920))
    out_h = int(out_w / rng.uniform(1.3, 1.8))
    surface = {"textured_bg": rng.choice(("wood", "fabric", "dark"))}.get(condition, "desk")
    canvas = _surface(rng, out_w, out_h, surface)
    fill = rng.uniform(0.55, 0.85)
    if condition == "perspective35":
        ang = math.radians(rng.uniform(20, 35))
        share = rng.uniform(0, 1)
        rx = ang * share * rng.choice((-1, 1))
        ry = ang * (1 - share) * rng.choice((-1, 1))
    else:
        rx, ry = math.radians(rng.uniform(-6, 6)), math.radians(rng.uniform(-6, 6))
    quad = _tilt_quad(w, h, rx, ry, f=max(w, h) * rng.uniform(1.4, 2.5))
    if condition == "any_rotation":
        a = math.radians(rng.uniform(0, 360))
    else:
        a = math.radians(rng.uniform(-4, 4))
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    quad = quad @ rot.T
    span = quad.max(axis=0) - quad.min(axis=0)
    scale = min(out_w * fill / span[0], out_h * fill / span[1])
    quad = quad * scale
    lo = quad.min(axis=0)
    room = np.array([out_w, out_h]) - (quad.max(axis=0) - lo)
    quad = quad - lo + np.array([rng.uniform(0.1, 0.9) * room[0], rng.uniform(0.1, 0.9) * room[1]])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    warped = cv2.warpPerspective(doc, m, (out_w, out_h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (out_w, out_h))
    # a soft shadow under the card
    shadow = cv2.GaussianBlur(mask, (0, 0), 9).astype(np.float32)[..., None] / 255.0
    img = (canvas.astype(np.float32) * (1 - 0.35 * shadow)).astype(np.uint8)
    img = np.where(mask[..., None] > 127, warped, img)
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    if condition == "glare_spots":
        f = img.astype(np.float32)
        yy, xx = np.mgrid[0:out_h, 0:out_w]
        for _ in range(rng.randint(1, 3)):
            cx, cy = rng.uniform(0.2, 0.8) * out_w, rng.uniform(0.2, 0.8) * out_h
            sx, sy = rng.uniform(25, 90), rng.uniform(15, 60)
            g = np.exp(-(((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2))
            f = f + (255 - f) * (0.75 * g)[..., None]
        img = np.clip(f, 0, 255).astype(np.uint8)
    elif condition == "motion_blur":
        n = rng.randint(5, 13)
        k = np.zeros((n, n), np.float32)
        k[n // 2, :] = 1.0 / n
        rm = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), rng.uniform(0, 180), 1.0)
        k = cv2.warpAffine(k, rm, (n, n))
        img = cv2.filter2D(img, -1, k / max(k.sum(), 1e-6))
    elif condition == "low_light":
        f = (img.astype(np.float32) / 255.0) ** rng.uniform(1.6, 2.2) * rng.uniform(0.5, 0.75)
        f = f * np.array([rng.uniform(0.8, 1.0), 1.0, rng.uniform(0.9, 1.15)])
        img = np.clip(f * 255 + nrng.normal(0, 5, f.shape), 0, 255).astype(np.uint8)
    if condition == "small480":
        s = 480 / max(out_w, out_h)
        img = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    # mild sensor noise for every photo
    img = np.clip(img.astype(np.int16) + nrng.normal(0, 2.0, img.shape).astype(np.int16), 0, 255)
    return img.astype(np.uint8)


def to_bytes(img: np.ndarray, condition: str, rng: random.Random) -> bytes:
    if condition == "jpeg20":
        q = rng.randint(20, 35)
    elif condition in ("small_scan", "tight_crop") and rng.random() < 0.5:
        ok, buf = cv2.imencode(".png", img)
        return buf.tobytes()
    else:
        q = rng.randint(75, 95)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, q])
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


def _truth(kind: str, p: Person) -> dict[str, Any]:
    return {
        "mrz": encode_mrz(kind, p),
        "fields": {
            "surname": icao_chars(p.surname).replace("<", " ").strip(),
            "given_names": icao_chars(p.given).replace("<", " ").strip(),
            "document_number": p.number,
            "nationality": p.nationality,
            "issuing_country": p.issuer,
            "date_of_birth": p.birth.isoformat(),
            "expiry_date": p.expiry.isoformat(),
            "sex": p.sex if p.sex != "<" else "X",
        },
    }


def make_sample(kind: str, condition: str, seed: int) -> Sample:
    rng = random.Random(f"g2-{kind}-{condition}-{seed}")
    person = draw_person(rng, kind)
    front_page = layout_page(kind, person, rng, "data")
    front = to_bytes(capture(front_page, condition, rng), condition, rng)
    back = None
    if kind == "td1":
        back_page = layout_page(kind, person, rng, "back")
        back = to_bytes(capture(back_page, condition, rng), condition, rng)
    return Sample(kind, condition, seed, front, back, _truth(kind, person))


def combos() -> list[tuple[str, str]]:
    kinds = [k for k, n in zip(KINDS, KIND_WEIGHTS, strict=True) for _ in range(n)]
    return [(kinds[i % len(kinds)], c) for i in range(len(kinds)) for c in CONDITIONS]


def sample_at(i: int, seed: int = 0) -> Sample:
    """The i-th sample of the bench set: conditions cycle fastest, kinds by weight."""
    cond = CONDITIONS[i % len(CONDITIONS)]
    kinds = [k for k, n in zip(KINDS, KIND_WEIGHTS, strict=True) for _ in range(n)]
    kind = kinds[(i // len(CONDITIONS) + i) % len(kinds)]
    return make_sample(kind, cond, seed + i)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("gen2_out")
    n = int(argv[1]) if len(argv) > 1 else 22
    out.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i in range(n):
        s = sample_at(i)
        stem = f"{i:03d}_{s.kind}_{s.condition}"
        ext = ".png" if s.front[:4] == b"\x89PNG" else ".jpg"
        (out / f"{stem}_front{ext}").write_bytes(s.front)
        if s.back:
            (out / f"{stem}_back{ext}").write_bytes(s.back)
        truth[stem] = s.truth
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return 0


def png(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img[:, :, ::-1]).save(buf, "PNG")
    return buf.getvalue()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
