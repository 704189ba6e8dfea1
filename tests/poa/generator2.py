"""A second, independent proof-of-address generator: a check on `tests/poa/generator.py`.

Nothing is shared with the first generator. Here:
- PDFs are written by hand (PDF 1.4, base-14 fonts, WinAnsi text), not with reportlab;
- photos are drawn directly with Pillow and DejaVu fonts (not rendered from the PDF), then
  put on a table, lit unevenly, tilted, blurred and JPEG-compressed;
- issuers are invented and none is in `shared/poa/issuers.py`, so the type must come from
  the document's own wording;
- wording, label spelling, label placement (same line / above / table), the order of the
  issue and due dates, page size, margins, fonts and where the recipient block sits are
  drawn from parameters, for US, UK, DE, FR, ES, NL and IE.

Every document is fictitious (invented people, addresses and issuers). `corpus(n, seed)`
returns `Doc2`s with their ground truth; bench/poa and tests/poa use it.
"""

from __future__ import annotations

import io
import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.poa.pdf_bytes import assemble_pdf

TODAY = date(2026, 11, 20)
COUNTRIES = ("US", "UK", "DE", "FR", "ES", "NL", "IE")
TYPES = ("utility", "telecom", "bank", "card", "tax", "insurance")

# ------------------------------------------------------------------ wording per country/type
# title choices, body lines (type wording), and the labels of the dates

WORDING: dict[str, dict[str, dict[str, list[str]]]] = {
    "en": {
        "utility": {
            "title": ["Your energy bill", "Electricity and gas statement", "Water services bill"],
            "body": [
                "Electricity used 412 kWh",
                "Standing charge 31 days",
                "Meter reading (actual)",
                "Gas supply charges",
                "Wastewater collection",
            ],
        },
        "telecom": {
            "title": ["Your monthly bill", "Mobile bill", "Your airtime bill", "Broadband bill"],
            "body": [
                "Airtime plan 30GB",
                "Calls, texts and data",
                "Bundle allowance used",
                "Roaming charges",
                "Handset instalment",
                "Fibre broadband 500Mb",
            ],
        },
        "bank": {
            "title": ["Checking account statement", "Current account statement"],
            "body": [
                "Beginning balance",
                "Deposits and additions",
                "Debit card purchases",
                "Card purchase  Grocer",
                "ATM withdrawals",
                "Ending balance",
                "Routing number 021000021",
            ],
        },
        "card": {
            "title": ["Credit card statement", "Your card statement"],
            "body": [
                "Previous balance",
                "Purchases",
                "Minimum payment due",
                "Credit limit",
                "APR on purchases 24.99%",
            ],
        },
        "tax": {
            "title": ["Property tax bill", "Council tax bill", "Notice of assessment"],
            "body": [
                "Assessed value",
                "Tax year 2026",
                "Band C property",
                "Tax rate per 1,000",
                "Amount payable by instalments",
            ],
        },
        "insurance": {
            "title": ["Home insurance renewal", "Car insurance schedule"],
            "body": [
                "Policy schedule",
                "Annual premium",
                "Insured property",
                "Excess",
                "Cover start",
            ],
        },
        "issue": ["Bill date", "Statement date", "Date of issue", "Issued", "Date"],
        "due": ["Payment due", "Please pay by", "Due date", "Direct debit on"],
    },
    "de": {
        "utility": {
            "title": ["Ihre Stromrechnung", "Jahresabrechnung Strom und Gas"],
            "body": ["Verbrauch 2.150 kWh", "Grundpreis", "Zählerstand alt/neu", "Abschlag"],
        },
        "telecom": {
            "title": ["Ihre Mobilfunkrechnung", "Rechnung Festnetz und Internet"],
            "body": ["Tarif Allnet 20 GB", "Grundgebühr", "Datenvolumen", "Verbindungen"],
        },
        "bank": {
            "title": ["Kontoauszug Girokonto", "Kontoauszug"],
            "body": ["Alter Kontostand", "Gutschriften", "Kartenzahlung", "Neuer Kontostand"],
        },
        "card": {
            "title": ["Kreditkartenabrechnung", "Ihre Kreditkarte: Abrechnung"],
            "body": ["Kreditrahmen", "Umsätze", "Mindestbetrag", "Saldo Vormonat"],
        },
        "tax": {
            "title": ["Grundsteuerbescheid", "Bescheid über Grundbesitzabgaben"],
            "body": ["Stadtkasse", "Steuermessbetrag", "Hebesatz", "Kassenzeichen"],
        },
        "insurance": {
            "title": ["Versicherungsschein", "Beitragsrechnung Hausrat"],
            "body": ["Versicherungsnehmer", "Jahresbeitrag", "Versicherungsbeginn"],
        },
        "issue": ["Rechnungsdatum", "Datum", "Bescheiddatum", "Erstellt am"],
        "due": ["Fällig am", "Zahlbar bis", "Abbuchung am"],
    },
    "fr": {
        "utility": {
            "title": ["Votre facture d'énergie", "Facture d'électricité", "Facture d'eau"],
            "body": ["Consommation 1 830 kWh", "Abonnement", "Relevé de compteur", "Gaz naturel"],
        },
        "telecom": {
            "title": ["Votre facture mobile", "Facture Box internet"],
            "body": ["Forfait 100 Go", "Appels et SMS illimités", "Internet fibre", "Options"],
        },
        "bank": {
            "title": ["Relevé de compte courant", "Relevé de compte"],
            "body": ["Ancien solde", "Virement reçu", "Paiement par carte", "Nouveau solde"],
        },
        "card": {
            "title": ["Relevé de carte de crédit", "Relevé de votre carte"],
            "body": ["Plafond", "Opérations carte", "Montant minimum"],
        },
        "tax": {
            "title": ["Avis de taxe foncière", "Avis d'impôt"],
            "body": ["Direction générale des finances publiques", "Base d'imposition", "Taux"],
        },
        "insurance": {
            "title": ["Avis d'échéance assurance habitation", "Attestation d'assurance"],
            "body": ["Cotisation annuelle", "Garanties", "Contrat multirisque"],
        },
        "issue": ["Date de facture", "Facture du", "Date d'émission", "Édité le", "Date"],
        "due": ["Date limite de paiement", "À payer avant le", "Prélèvement le"],
    },
    "es": {
        "utility": {
            "title": ["Factura de electricidad", "Su factura de luz", "Factura de agua"],
            "body": ["Consumo 320 kWh", "Término de potencia", "Lectura del contador"],
        },
        "telecom": {
            "title": ["Factura de telefonía móvil", "Su factura de fibra y móvil"],
            "body": ["Tarifa 50 GB", "Llamadas ilimitadas", "Fibra 600 Mb", "Cuota mensual"],
        },
        "bank": {
            "title": ["Extracto de cuenta corriente", "Extracto de movimientos"],
            "body": ["Saldo anterior", "Transferencia recibida", "Compra con tarjeta", "Saldo"],
        },
        "card": {
            "title": ["Extracto de tarjeta de crédito"],
            "body": ["Límite de crédito", "Movimientos de la tarjeta", "Pago mínimo"],
        },
        "tax": {
            "title": [
                "Recibo del Impuesto sobre Bienes Inmuebles",
                "Recibo de tasa de basuras",
                "Impuesto de vehículos",
            ],
            "body": [
                "Padrón municipal",
                "Referencia catastral",
                "Ejercicio 2026",
                "Recaudación municipal",
                "Valor catastral",
            ],
        },
        "insurance": {
            "title": ["Recibo de seguro de hogar", "Póliza de seguro"],
            "body": ["Prima anual", "Tomador", "Coberturas"],
        },
        "issue": ["Fecha de factura", "Fecha de emisión", "Fecha"],
        "due": ["Fecha de cargo", "Fecha límite de pago", "Vencimiento"],
    },
    "nl": {
        "utility": {
            "title": ["Uw energierekening", "Jaarnota stroom en gas"],
            "body": ["Verbruik 2.300 kWh", "Vastrecht", "Meterstand", "Netbeheerkosten"],
        },
        "telecom": {
            "title": ["Uw factuur mobiel", "Factuur internet en tv"],
            "body": ["Bundel 20 GB", "Abonnementskosten", "Bellen en sms", "Glasvezel"],
        },
        "bank": {
            "title": ["Rekeningafschrift betaalrekening"],
            "body": ["Beginsaldo", "Bijschrijving", "Betaalpas aankoop", "Eindsaldo"],
        },
        "card": {
            "title": ["Creditcardoverzicht"],
            "body": ["Bestedingslimiet", "Uitgaven creditcard", "Minimaal te betalen"],
        },
        "tax": {
            "title": ["Aanslag gemeentelijke belastingen", "Aanslag onroerendezaakbelasting"],
            "body": ["Gemeente", "WOZ-waarde", "Afvalstoffenheffing", "Rioolheffing"],
        },
        "insurance": {
            "title": ["Polisblad woonverzekering"],
            "body": ["Premie per jaar", "Verzekerde", "Dekking"],
        },
        "issue": ["Factuurdatum", "Datum", "Dagtekening"],
        "due": ["Vervaldatum", "Uiterlijk betalen op", "Incasso op"],
    },
}
LANG = {"US": "en", "UK": "en", "IE": "en", "DE": "de", "FR": "fr", "ES": "es", "NL": "nl"}

# invented issuers (none is in the engine's known list): prefix + suffix per type
ISSUER_PARTS = {
    "utility": (["Brightwell", "Norder", "Calder", "Solvane", "Aquilo"], ["Energy", "Power"]),
    "telecom": (["Kestrel", "Ripple", "Zephyr", "Lumo", "Orbis"], ["Mobile", "Connect"]),
    "bank": (["Harbor", "Alder", "Meridian", "Fenwick"], ["Bank", "Savings"]),
    "card": (["Halcyon", "Vireo", "Corvid"], ["Card Services", "Credit"]),
    "tax": ([], []),  # the town's own administration, see TAX_ISSUER
    "insurance": (["Bastion", "Greyfield", "Lindqvist"], ["Assurance", "Mutual"]),
}

TAX_ISSUER = {
    "US": ["City of {t}", "{t} County Treasurer"],
    "UK": ["{t} City Council", "Council of {t}"],
    "IE": ["{t} City Council", "{t} County Council"],
    "DE": ["Stadt {t}", "Stadtverwaltung {t}"],
    "FR": ["Ville de {t}", "Mairie de {t}"],
    "ES": ["Ayuntamiento de {t}", "Excmo. Ayuntamiento de {t}"],
    "NL": ["Gemeente {t}", "Belastingsamenwerking {t}"],
}

FIRST = ["Amara", "Tobias", "Ines", "Callum", "Mireille", "Joost", "Lucía", "Declan", "Greta"]
LAST = ["Okafor", "Brennan", "Lindqvist", "Moreau", "Van Dijk", "Castell", "Hartmann", "Quinn"]
TOWNS = {
    "US": [("Dayton", "OH", "454"), ("Tacoma", "WA", "984"), ("Albany", "NY", "122")],
    "UK": [("Leeds", "LS6"), ("Bristol", "BS7"), ("Norwich", "NR2")],
    "IE": [("Galway", "H91"), ("Cork", "T12"), ("Limerick", "V94")],
    "DE": [("Kassel", "341"), ("Bremen", "281"), ("Leipzig", "041")],
    "FR": [("Rennes", "350"), ("Nantes", "440"), ("Dijon", "210")],
    "ES": [("Sevilla", "410"), ("Zaragoza", "500"), ("Murcia", "300")],
    "NL": [("Haarlem", "20"), ("Zwolle", "80"), ("Delft", "26")],
}
STREETS = {
    "US": ["Linden Avenue", "Cedar Street", "Harbor Drive"],
    "UK": ["Mill Lane", "Kingsway", "Ashgrove Road"],
    "IE": ["Shop Street", "Eyre Square", "Dock Road"],
    "DE": ["Ahornweg", "Marktstraße", "Am Lindenhof"],
    "FR": ["rue des Tanneurs", "avenue Jean Jaurès", "boulevard Voltaire"],
    "ES": ["Calle Feria", "Avenida de la Paz", "Calle Real"],
    "NL": ["Zijlweg", "Oude Gracht", "Molenstraat"],
}


@dataclass
class Truth2:
    country: str
    doc_type: str
    issuer: str
    issue_date: date
    due_date: date
    name: str
    address_lines: list[str]
    postcode: str
    house_number: str
    media: str  # text_pdf / photo
    layout: dict


@dataclass
class Doc2:
    data: bytes
    truth: Truth2


# ------------------------------------------------------------------ content


def _address(rng: random.Random, country: str) -> tuple[list[str], str, str, str]:
    num = str(rng.randint(2, 220))
    street = rng.choice(STREETS[country])
    if country == "US":
        town, st, zp = rng.choice(TOWNS["US"])
        pc = zp + f"{rng.randint(0, 99):02d}"
        lines = [f"{num} {street}"]
        if rng.random() < 0.3:
            lines.append(f"Apt {rng.randint(1, 40)}")
        return lines + [f"{town}, {st} {pc}"], pc, num, town
    if country in ("UK", "IE"):
        town, out = rng.choice(TOWNS[country])
        pc = (
            f"{out} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTUWXYZ')}"
            if country == "UK"
            else f"{out} {rng.choice('ACDEFHKN')}{rng.randint(100, 999)}"
        )
        lines = [f"{num} {street}"]
        if rng.random() < 0.5:
            return lines + [town, pc], pc, num, town
        return lines + [f"{town} {pc}"], pc, num, town
    if country == "NL":
        town, pre = rng.choice(TOWNS["NL"])
        pc = f"{pre}{rng.randint(10, 99)} {rng.choice('ABCDEGHJKL')}{rng.choice('MNPRSTVWXZ')}"
        city = town.upper() if rng.random() < 0.4 else town
        return [f"{street} {num}", f"{pc} {city}"], pc, num, town
    town, pre = rng.choice(TOWNS[country])
    pc = f"{pre}{rng.randint(0, 99):02d}"
    if country == "FR":
        return [f"{num} {street}", f"{pc} {town.upper()}"], pc, num, town
    if country == "ES":
        unit = rng.choice(["", f", {rng.randint(1, 8)}º {rng.choice('ABCD')}"])
        return [f"{street}, {num}{unit}", f"{pc} {town}"], pc, num, town
    return [f"{street} {num}", f"{pc} {town}"], pc, num, town


def _date_text(d: date, country: str, rng: random.Random) -> str:
    lang = LANG[country]
    months = {
        "en": "January February March April May June July August September October November "
        "December",
        "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
        "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre "
        "décembre",
        "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
        "diciembre",
        "nl": "januari februari maart april mei juni juli augustus september oktober november "
        "december",
    }[lang].split()
    m = months[d.month - 1]
    if country == "US":
        return rng.choice([f"{d.month:02d}/{d.day:02d}/{d.year}", f"{m} {d.day}, {d.year}"])
    if lang == "en":
        return rng.choice([f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day} {m} {d.year}"])
    if lang == "de":
        return rng.choice([f"{d.day:02d}.{d.month:02d}.{d.year}", f"{d.day}. {m} {d.year}"])
    if lang == "es":
        return rng.choice([f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day} de {m} de {d.year}"])
    if lang == "nl":
        return rng.choice([f"{d.day:02d}-{d.month:02d}-{d.year}", f"{d.day} {m} {d.year}"])
    return rng.choice([f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day} {m} {d.year}"])


def _issuer(rng: random.Random, doc_type: str, country: str, town: str) -> str:
    pre, suf = ISSUER_PARTS[doc_type]
    if doc_type == "tax":
        return rng.choice(TAX_ISSUER[country]).format(t=town)
    return f"{rng.choice(pre)} {rng.choice(suf)}"


def make_truth(
    rng: random.Random,
    country: str | None = None,
    doc_type: str | None = None,
    issuer: str | None = None,
    wording: dict | None = None,
) -> Truth2:
    """`wording` may fix the title, body lines and date labels: {"title": ..., "body": [...],
    "issue": ..., "due": ...}."""
    country = country or rng.choice(COUNTRIES)
    doc_type = doc_type or rng.choice(TYPES)
    lines, pc, num, town = _address(rng, country)
    issue = TODAY - timedelta(days=rng.randint(3, 70))
    return Truth2(
        country=country,
        doc_type=doc_type,
        issuer=issuer or _issuer(rng, doc_type, country, town),
        issue_date=issue,
        due_date=issue + timedelta(days=rng.randint(10, 40)),
        name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        address_lines=lines,
        postcode=pc,
        house_number=num,
        media="text_pdf",
        layout={
            "letter": country == "US" or rng.random() < 0.1,
            "margin": rng.uniform(14, 28),  # mm
            "recipient_right": rng.random() < 0.45,
            "recipient_y": rng.uniform(45, 70),  # mm from the top
            "due_first": rng.random() < 0.5,
            "label_above": rng.random() < 0.35,
            "font": rng.choice(["Helvetica", "Times-Roman"]),
            "size": rng.uniform(9, 11.5),
            "band": rng.random() < 0.5,
            **(wording or {}),
        },
    )


# ------------------------------------------------------------------ page as drawing operations


@dataclass
class _Op:
    x: float  # mm from the left
    y: float  # mm from the top (baseline)
    text: str
    size: float
    bold: bool = False


def layout(t: Truth2, rng: random.Random) -> tuple[tuple[float, float], list[_Op], list]:
    """The page (mm) and its text and rectangles, from the truth's layout parameters."""
    lay = t.layout
    page = (215.9, 279.4) if lay["letter"] else (210.0, 297.0)
    m, s = lay["margin"], lay["size"]
    w = WORDING[LANG[t.country]]
    ops: list[_Op] = []
    rects = []
    if lay["band"]:
        rects.append((0, 0, page[0], 12, (0.85, 0.9, 0.95)))
    ops.append(_Op(m, 22, t.issuer, s * 2.0, True))
    ops.append(_Op(m, 28, f"Customer service {rng.randint(100, 999)} {rng.randint(1000, 9999)}", s))
    rx = page[0] * 0.55 if lay["recipient_right"] else m
    ry = lay["recipient_y"]
    honor = rng.choice(["", "", "Mr ", "Ms ", "M. ", "Sr. "]) if t.country != "DE" else ""
    for i, line in enumerate([honor + t.name] + t.address_lines):
        ops.append(_Op(rx, ry + i * s * 0.5, line, s * 1.05))
    # the date block on the other side
    dx = m if lay["recipient_right"] else page[0] * 0.58
    dates = [
        (lay.get("issue") or rng.choice(w["issue"]), _date_text(t.issue_date, t.country, rng)),
        (lay.get("due") or rng.choice(w["due"]), _date_text(t.due_date, t.country, rng)),
    ]
    if lay["due_first"]:
        dates.reverse()
    y = ry
    for label, value in dates:
        if lay["label_above"]:
            ops.append(_Op(dx, y, label, s * 0.9, True))
            ops.append(_Op(dx, y + s * 0.45, value, s))
            y += s * 1.1
        else:
            ops.append(_Op(dx, y, f"{label}: {value}", s))
            y += s * 0.55
    ops.append(_Op(dx, y + 2, f"Ref. {rng.randint(10**7, 10**8 - 1)}", s))
    wt = w[t.doc_type]
    y = max(ry + 6 * s * 0.5, y) + 18
    ops.append(_Op(m, y, lay.get("title") or rng.choice(wt["title"]), s * 1.5, True))
    y += s * 0.9
    body = lay.get("body") or rng.sample(wt["body"], k=min(len(wt["body"]), rng.randint(3, 5)))
    for line in body:
        amount = f"{rng.uniform(3, 250):.2f}".replace(".", "," if LANG[t.country] != "en" else ".")
        ops.append(_Op(m, y, line, s))
        ops.append(_Op(page[0] - m - 25, y, amount, s))
        y += s * 0.6
    rects.append((m, y - s * 0.3, page[0] - 2 * m, 0.3, (0.4, 0.4, 0.4)))
    ops.append(_Op(m, page[1] - 12, "Fictitious document for software testing.", s * 0.7))
    return page, ops, rects


# ------------------------------------------------------------------ a PDF written by hand

_PT = 72 / 25.4


def _pdf_text(s: str) -> bytes:
    b = s.encode("cp1252", "replace")
    return b.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def write_pdf(page: tuple[float, float], ops: list[_Op], rects: list, font: str) -> bytes:
    pw, ph = page[0] * _PT, page[1] * _PT
    content = bytearray()
    for x, y, w, h, (r, g, b) in rects:
        content += f"{r:.2f} {g:.2f} {b:.2f} rg {x * _PT:.1f} {ph - (y + h) * _PT:.1f} ".encode()
        content += f"{w * _PT:.1f} {h * _PT:.1f} re f\n".encode()
    content += b"0 0 0 rg\n"
    for op in ops:
        f = "/F2" if op.bold else "/F1"
        content += f"BT {f} {op.size:.1f} Tf {op.x * _PT:.1f} {ph - op.y * _PT:.1f} Td (".encode()
        content += _pdf_text(op.text) + b") Tj ET\n"
    stream = zlib.compress(bytes(content))
    bold = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold"}[font]
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.1f} {ph:.1f}] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>".encode(),
        f"<< /Type /Font /Subtype /Type1 /BaseFont /{bold} /Encoding /WinAnsiEncoding >>".encode(),
        b"<< /Producer (Billing run 4.2) /CreationDate (D:20261101090000Z) >>",
    ]
    return assemble_pdf(objs, extra_trailer=b"/Info 7 0 R ", version=b"1.4")


# ------------------------------------------------------------------ a photo drawn with Pillow

_FONTS = "/usr/share/fonts/truetype/dejavu/"


def draw_page(page: tuple[float, float], ops: list[_Op], rects: list, px_per_mm: float):
    w, h = int(page[0] * px_per_mm), int(page[1] * px_per_mm)
    img = Image.new("RGB", (w, h), (250, 249, 245))
    d = ImageDraw.Draw(img)
    for x, y, rw, rh, (r, g, b) in rects:
        d.rectangle(
            [x * px_per_mm, y * px_per_mm, (x + rw) * px_per_mm, (y + rh) * px_per_mm],
            fill=(int(r * 255), int(g * 255), int(b * 255)),
        )
    cache: dict[tuple[int, bool], ImageFont.FreeTypeFont] = {}
    for op in ops:
        px = max(8, int(op.size / _PT * px_per_mm))
        key = (px, op.bold)
        if key not in cache:
            name = "DejaVuSans-Bold.ttf" if op.bold else "DejaVuSans.ttf"
            cache[key] = ImageFont.truetype(_FONTS + name, px)
        d.text(
            (op.x * px_per_mm, op.y * px_per_mm),
            op.text,
            fill=(20, 20, 25),
            font=cache[key],
            anchor="ls",
        )
    return img


def photograph(img: Image.Image, rng: random.Random) -> bytes:
    """On a wooden-ish table, tilted, unevenly lit, slightly out of focus, JPEG."""
    import cv2

    a = np.asarray(img, dtype=np.float32)
    h, w = a.shape[:2]
    pad = int(w * rng.uniform(0.05, 0.12))
    nrng = np.random.default_rng(rng.randrange(2**31))
    bg = np.zeros((h + 2 * pad, w + 2 * pad, 3), np.float32)
    grain = cv2.GaussianBlur(
        nrng.normal(0, 1, (bg.shape[0], bg.shape[1])).astype(np.float32), (0, 0), 6
    )
    base = np.array([rng.uniform(60, 140), rng.uniform(70, 120), rng.uniform(90, 160)])
    bg[:] = base + 25 * grain[..., None]
    bg[pad : pad + h, pad : pad + w] = a
    angle = rng.uniform(-6, 6)
    m = cv2.getRotationMatrix2D((bg.shape[1] / 2, bg.shape[0] / 2), angle, 1.0)
    src = np.float32([[0, 0], [bg.shape[1], 0], [bg.shape[1], bg.shape[0]], [0, bg.shape[0]]])
    k = 0.04 * bg.shape[1]
    dst = src + np.float32([[rng.uniform(-k, k), rng.uniform(-k, k)] for _ in range(4)])
    p = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpAffine(bg, m, (bg.shape[1], bg.shape[0]), borderMode=cv2.BORDER_REFLECT)
    out = cv2.warpPerspective(out, p, (bg.shape[1], bg.shape[0]), borderMode=cv2.BORDER_REFLECT)
    yy, xx = np.mgrid[0 : out.shape[0], 0 : out.shape[1]].astype(np.float32)
    cx, cy = rng.uniform(0, out.shape[1]), rng.uniform(0, out.shape[0])
    light = 1.05 - rng.uniform(0.1, 0.3) * np.hypot(xx - cx, yy - cy) / max(out.shape)
    out = out * light[..., None] * rng.uniform(0.85, 1.0)
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.0))
    out += nrng.normal(0, rng.uniform(1.5, 4), out.shape)
    scale = rng.uniform(0.75, 1.0)
    out = cv2.resize(
        np.clip(out, 0, 255).astype(np.uint8),
        None,
        fx=scale,
        fy=scale,
        interpolation=cv2.INTER_AREA,
    )
    buf = io.BytesIO()
    Image.fromarray(out[..., ::-1].copy()).save(buf, "JPEG", quality=rng.randint(62, 92))
    return buf.getvalue()


# ------------------------------------------------------------------ documents and corpus


def make(rng: random.Random, media: str = "text_pdf", **kw) -> Doc2:
    t = make_truth(rng, **kw)
    t.media = media
    page, ops, rects = layout(t, rng)
    if media == "photo":
        return Doc2(photograph(draw_page(page, ops, rects, rng.uniform(5.2, 6.2)), rng), t)
    return Doc2(write_pdf(page, ops, rects, t.layout["font"]), t)


def corpus(n: int, seed: int = 21, photo_share: float = 0.35) -> list[Doc2]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        country = COUNTRIES[i % len(COUNTRIES)]
        doc_type = TYPES[(i // len(COUNTRIES)) % len(TYPES)]
        media = "photo" if rng.random() < photo_share else "text_pdf"
        out.append(make(rng, media, country=country, doc_type=doc_type))
    return out
