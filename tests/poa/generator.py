"""Synthetic proof-of-address documents with known ground truth (reportlab, BSD).

Every document is fictitious: invented holders and addresses, issuer names used only as
labels, and a footer saying the file is synthetic. The generator makes
- text PDFs: utility, bank/card statements, tax/government letters, telecom and insurance
  documents for US, UK, DE, FR, ES and NL, in the local language and date formats;
- scanned/photographed versions: the page rendered with pypdfium2, warped, noised, blurred
  and JPEG-compressed (as an image, or wrapped in an image-only PDF);
- forged variants: an incremental update that paints a white box and new text over a field,
  a re-export with an editor's producer string, an image with new text pasted over a field,
  and edited photos (pasted patch, recompressed, EXIF software tag).

`make_corpus(n, seed)` returns `Sample`s; bench/poa and tests/poa use it.
"""

from __future__ import annotations

import io
import random
import re
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

TODAY = date(2026, 11, 20)

# --------------------------------------------------------------------------- vocabulary

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
}

COUNTRY_LANG = {"US": "en", "UK": "en", "DE": "de", "FR": "fr", "ES": "es", "NL": "nl"}

ISSUERS: dict[str, dict[str, list[str]]] = {
    "US": {
        "utility": ["Pacific Gas and Electric Company", "Con Edison", "Duke Energy"],
        "telecom": ["Verizon", "AT&T", "Comcast Xfinity"],
        "bank": ["JPMorgan Chase Bank", "Wells Fargo", "Bank of America"],
        "tax": ["Internal Revenue Service"],
        "insurance": ["State Farm", "Allstate"],
    },
    "UK": {
        "utility": ["British Gas", "Thames Water", "Octopus Energy"],
        "telecom": ["BT", "Vodafone UK", "Virgin Media"],
        "bank": ["Barclays Bank", "HSBC UK", "Lloyds Bank"],
        "tax": ["HM Revenue & Customs"],
        "insurance": ["Aviva", "Direct Line"],
    },
    "DE": {
        "utility": ["Vattenfall Europe Sales", "E.ON Energie Deutschland", "Stadtwerke München"],
        "telecom": ["Deutsche Telekom", "Vodafone GmbH", "O2 Telefónica"],
        "bank": ["Sparkasse KölnBonn", "Deutsche Bank", "Commerzbank"],
        "tax": ["Finanzamt München"],
        "insurance": ["Allianz Versicherungs-AG", "HUK-COBURG"],
    },
    "FR": {
        "utility": ["EDF", "Engie", "Veolia Eau"],
        "telecom": ["Orange", "SFR", "Bouygues Telecom"],
        "bank": ["BNP Paribas", "Société Générale", "Crédit Agricole"],
        "tax": ["Direction générale des Finances publiques"],
        "insurance": ["AXA France", "MAIF"],
    },
    "ES": {
        "utility": ["Iberdrola", "Endesa", "Canal de Isabel II"],
        "telecom": ["Movistar", "Vodafone España"],
        "bank": ["BBVA", "CaixaBank", "Banco Santander"],
        "tax": ["Agencia Tributaria"],
        "insurance": ["Mapfre", "Mutua Madrileña"],
    },
    "NL": {
        "utility": ["Eneco", "Vattenfall", "Vitens"],
        "telecom": ["KPN", "Odido"],
        "bank": ["ING Bank", "Rabobank", "ABN AMRO"],
        "tax": ["Belastingdienst"],
        "insurance": ["Centraal Beheer", "Nationale-Nederlanden"],
    },
}

TITLES = {
    "en": {
        "utility": "Your electricity bill",
        "telecom": "Your monthly bill",
        "bank": "Account statement",
        "tax": "Tax notice",
        "insurance": "Insurance policy renewal",
        "card": "Credit card statement",
    },
    "de": {
        "utility": "Ihre Stromrechnung",
        "telecom": "Ihre Mobilfunkrechnung",
        "bank": "Kontoauszug",
        "tax": "Steuerbescheid",
        "insurance": "Versicherungsschein",
        "card": "Kreditkartenabrechnung",
    },
    "fr": {
        "utility": "Votre facture d'électricité",
        "telecom": "Votre facture mobile",
        "bank": "Relevé de compte",
        "tax": "Avis d'impôt",
        "insurance": "Avis d'échéance assurance habitation",
        "card": "Relevé de carte bancaire",
    },
    "es": {
        "utility": "Su factura de electricidad",
        "telecom": "Su factura de telefonía móvil",
        "bank": "Extracto de cuenta",
        "tax": "Notificación tributaria",
        "insurance": "Recibo de seguro de hogar",
        "card": "Extracto de tarjeta de crédito",
    },
    "nl": {
        "utility": "Uw energierekening",
        "telecom": "Uw mobiele factuur",
        "bank": "Rekeningafschrift",
        "tax": "Aanslag inkomstenbelasting",
        "insurance": "Polisblad verzekering",
        "card": "Creditcardoverzicht",
    },
}

LABELS = {
    "en": {
        "date": ["Bill date", "Statement date", "Date of issue", "Invoice date"],
        "account": ["Account number", "Customer number", "Reference"],
        "due": "Payment due",
        "period": "Billing period",
        "total": "Total amount due",
        "holder": "Account holder",
        "balance": "Closing balance",
        "meter": "Meter number",
    },
    "de": {
        "date": ["Rechnungsdatum", "Datum", "Ausstellungsdatum"],
        "account": ["Kundennummer", "Vertragskonto", "Vertragsnummer"],
        "due": "Fällig am",
        "period": "Abrechnungszeitraum",
        "total": "Gesamtbetrag",
        "holder": "Kontoinhaber",
        "balance": "Neuer Kontostand",
        "meter": "Zählernummer",
    },
    "fr": {
        "date": ["Date de facture", "Date d'émission", "Date"],
        "account": ["N° client", "Référence client", "N° de contrat"],
        "due": "À payer avant le",
        "period": "Période de facturation",
        "total": "Montant total TTC",
        "holder": "Titulaire du compte",
        "balance": "Nouveau solde",
        "meter": "N° de compteur",
    },
    "es": {
        "date": ["Fecha de emisión", "Fecha de factura", "Fecha"],
        "account": ["Nº de cliente", "Nº de contrato", "Referencia"],
        "due": "Fecha de cargo",
        "period": "Periodo de facturación",
        "total": "Total a pagar",
        "holder": "Titular",
        "balance": "Saldo final",
        "meter": "Nº de contador",
    },
    "nl": {
        "date": ["Factuurdatum", "Datum", "Dagtekening"],
        "account": ["Klantnummer", "Contractnummer", "Referentie"],
        "due": "Vervaldatum",
        "period": "Periode",
        "total": "Totaal te betalen",
        "holder": "Rekeninghouder",
        "balance": "Nieuw saldo",
        "meter": "Meternummer",
    },
}

NAMES = {
    "US": (
        [
            "James",
            "Mary",
            "Robert",
            "Patricia",
            "Michael",
            "Jennifer",
            "David",
            "Linda",
            "Carlos",
            "Mei",
            "Aisha",
            "Kevin",
        ],
        [
            "Smith",
            "Johnson",
            "Williams",
            "Brown",
            "Garcia",
            "Miller",
            "Davis",
            "Rodriguez",
            "Nguyen",
            "Patel",
            "O'Connor",
            "Thompson",
        ],
    ),
    "UK": (
        [
            "Oliver",
            "Amelia",
            "George",
            "Isla",
            "Harry",
            "Emily",
            "Thomas",
            "Sophie",
            "Rhys",
            "Siobhan",
            "Priya",
            "Callum",
        ],
        [
            "Taylor",
            "Evans",
            "Wilson",
            "Roberts",
            "Walker",
            "Wright",
            "Hughes",
            "Edwards",
            "McDonald",
            "Khan",
            "Davies",
            "Fitzgerald",
        ],
    ),
    "DE": (
        [
            "Lukas",
            "Anna",
            "Jürgen",
            "Sophie",
            "Maximilian",
            "Lena",
            "Björn",
            "Marie",
            "Jörg",
            "Käthe",
            "Felix",
            "Hannah",
        ],
        [
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weiß",
            "Becker",
            "Schäfer",
            "Köhler",
            "Hoffmann",
            "Groß",
            "Krüger",
            "Wagner",
        ],
    ),
    "FR": (
        [
            "Jean",
            "Marie",
            "François",
            "Céline",
            "Hélène",
            "Louis",
            "Chloé",
            "Élodie",
            "Jérôme",
            "Inès",
            "Théo",
            "Gaëlle",
        ],
        [
            "Martin",
            "Bernard",
            "Dubois",
            "Lefèvre",
            "Moreau",
            "Girard",
            "Faure",
            "Rousseau",
            "Bonnet",
            "Lambert",
            "Fontaine",
            "Chevalier",
        ],
    ),
    "ES": (
        [
            "José",
            "María",
            "Jesús",
            "Lucía",
            "Álvaro",
            "Sofía",
            "Íñigo",
            "Paula",
            "Raúl",
            "Begoña",
            "Sergio",
            "Nuria",
        ],
        [
            "García López",
            "Fernández Ruiz",
            "Martínez Sánchez",
            "Núñez Pérez",
            "Gómez Díaz",
            "Muñoz Romero",
            "Jiménez Ortega",
            "Sáez Navarro",
            "Iglesias Castro",
        ],
    ),
    "NL": (
        [
            "Daan",
            "Emma",
            "Sem",
            "Julia",
            "Lucas",
            "Tess",
            "Bram",
            "Fenna",
            "Joost",
            "Anouk",
            "Ruben",
            "Sanne",
        ],
        [
            "de Vries",
            "Jansen",
            "van den Berg",
            "Bakker",
            "Visser",
            "Smit",
            "de Jong",
            "van Dijk",
            "Mulder",
            "Bos",
            "Vermeulen",
            "Hendriks",
        ],
    ),
}

HONORIFIC = {
    "US": ["", "Mr.", "Ms."],
    "UK": ["", "Mr", "Mrs", "Ms"],
    "DE": ["", "Herrn", "Frau"],
    "FR": ["", "M.", "Mme"],
    "ES": ["", "D.", "Dña."],
    "NL": ["", "Dhr.", "Mevr."],
}

US_CITIES = [
    ("Springfield", "IL", "627"),
    ("Austin", "TX", "787"),
    ("Portland", "OR", "972"),
    ("Columbus", "OH", "432"),
    ("Denver", "CO", "802"),
    ("Raleigh", "NC", "276"),
    ("San Jose", "CA", "951"),
    ("Albany", "NY", "122"),
]
US_STREETS = [
    ("Maple", "Avenue", "Ave"),
    ("Oak", "Street", "St"),
    ("Lakeview", "Drive", "Dr"),
    ("Riverside", "Parkway", "Pkwy"),
    ("Sunset", "Boulevard", "Blvd"),
    ("Cedar", "Lane", "Ln"),
    ("Washington", "Road", "Rd"),
    ("Highland", "Court", "Ct"),
    ("Elm", "Place", "Pl"),
]
UK_TOWNS = [
    ("London", "SW1A", "2AA"),
    ("Manchester", "M14", "5QT"),
    ("Leeds", "LS6", "1BN"),
    ("Bristol", "BS8", "4RT"),
    ("Edinburgh", "EH3", "9DR"),
    ("Cardiff", "CF10", "3AT"),
    ("Oxford", "OX2", "6HA"),
    ("Glasgow", "G12", "8QQ"),
]
UK_STREETS = [
    "Kingsley Road",
    "Victoria Street",
    "Church Lane",
    "Park Avenue",
    "Mill Close",
    "Station Road",
    "Queens Drive",
    "Highfield Crescent",
    "Abbey Gardens",
]
DE_TOWNS = [
    ("10115", "Berlin"),
    ("80331", "München"),
    ("50667", "Köln"),
    ("20095", "Hamburg"),
    ("60311", "Frankfurt am Main"),
    ("70173", "Stuttgart"),
    ("04109", "Leipzig"),
    ("01067", "Dresden"),
]
DE_STREETS = [
    "Lindenstraße",
    "Hauptstraße",
    "Goethestraße",
    "Bahnhofstraße",
    "Schillerweg",
    "Am Marktplatz",
    "Berliner Allee",
    "Rosenweg",
    "Kastanienallee",
]
FR_TOWNS = [
    ("75002", "Paris"),
    ("69002", "Lyon"),
    ("13001", "Marseille"),
    ("31000", "Toulouse"),
    ("33000", "Bordeaux"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("59000", "Lille"),
]
FR_STREETS = [
    "rue de la République",
    "avenue Victor Hugo",
    "boulevard Voltaire",
    "rue des Lilas",
    "place Bellecour",
    "rue Saint-Antoine",
    "allée des Tilleuls",
    "chemin des Vignes",
    "quai de la Loire",
]
ES_TOWNS = [
    ("28014", "Madrid"),
    ("08001", "Barcelona"),
    ("46001", "Valencia"),
    ("41001", "Sevilla"),
    ("29001", "Málaga"),
    ("48001", "Bilbao"),
    ("50001", "Zaragoza"),
]
ES_STREETS = [
    "Calle de Alcalá",
    "Calle Mayor",
    "Avenida de la Constitución",
    "Paseo de Gracia",
    "Calle Real",
    "Avenida del Puerto",
    "Plaza de España",
    "Calle San Vicente",
]
NL_TOWNS = [
    ("1016 GV", "Amsterdam"),
    ("3011 AD", "Rotterdam"),
    ("3511 LX", "Utrecht"),
    ("2511 CV", "Den Haag"),
    ("5611 AZ", "Eindhoven"),
    ("9711 LM", "Groningen"),
    ("6811 CJ", "Arnhem"),
]
NL_STREETS = [
    "Prinsengracht",
    "Keizersgracht",
    "Oudegracht",
    "Lange Voorhout",
    "Stationsplein",
    "Dorpsstraat",
    "Kerkstraat",
    "Molenweg",
    "Beukenlaan",
]

EDITOR_PRODUCERS = [
    "Adobe Photoshop 25.1 (Windows)",
    "PDFescape Online",
    "iLovePDF",
    "Sejda PDF Editor",
    "PDF-XChange Editor 10.1",
    "Smallpdf.com",
    "Foxit PDF Editor 12.1",
    "PDFelement 10",
]
BENIGN_PRODUCERS = [
    "ReportLab PDF Library",
    "SAP NetWeaver 7.50",
    "Apache FOP Version 2.9",
    "iText 7.2.5 (AGPL-version)",
    "Microsoft Reporting Services PDF Rendering Extension",
    "Oracle BI Publisher 12.2.1.4.0",
    "OpenText Exstream 16.6",
]


@dataclass
class Truth:
    country: str
    doc_type: str
    issuer: str
    issue_date: date
    name: str  # without honorific
    address_lines: list[str]
    address: dict[str, str]  # components
    account_refs: list[str]
    kind: str = "text_pdf"  # text_pdf / scan_pdf / photo
    forged: bool = False
    forgery: str | None = None
    edited_field: str | None = None
    pages: int = 1
    layout: dict[str, Any] = field(default_factory=dict, repr=False)

    def public(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "doc_type": self.doc_type,
            "issuer": self.issuer,
            "issue_date": self.issue_date.isoformat(),
            "name": self.name,
            "address_lines": self.address_lines,
            "address": self.address,
            "account_refs": self.account_refs,
            "kind": self.kind,
            "forged": self.forged,
            "forgery": self.forgery,
            "edited_field": self.edited_field,
        }


@dataclass
class Sample:
    data: bytes
    media: str  # pdf / jpeg / png
    truth: Truth


# --------------------------------------------------------------------------- helpers


def fmt_date(d: date, country: str, rng: random.Random) -> str:
    lang = COUNTRY_LANG[country]
    month = MONTHS[lang][d.month - 1]
    if country == "US":
        styles = [
            f"{month} {d.day}, {d.year}",
            f"{d.month:02d}/{d.day:02d}/{d.year}",
            f"{month[:3]} {d.day:02d}, {d.year}",
        ]
    elif country == "UK":
        styles = [
            f"{d.day} {month} {d.year}",
            f"{d.day:02d}/{d.month:02d}/{d.year}",
            f"{d.day:02d} {month[:3]} {d.year}",
        ]
    elif country == "DE":
        styles = [f"{d.day:02d}.{d.month:02d}.{d.year}", f"{d.day}. {month} {d.year}"]
    elif country == "FR":
        styles = [f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day} {month} {d.year}"]
    elif country == "ES":
        styles = [f"{d.day:02d}/{d.month:02d}/{d.year}", f"{d.day} de {month} de {d.year}"]
    else:
        styles = [f"{d.day:02d}-{d.month:02d}-{d.year}", f"{d.day} {month} {d.year}"]
    if rng.random() < 0.08:
        return d.isoformat()
    return rng.choice(styles)


def money(v: float, country: str) -> str:
    if country == "US":
        return f"${v:,.2f}"
    if country == "UK":
        return f"£{v:,.2f}"
    s = f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{s} €"


def make_address(rng: random.Random, country: str) -> tuple[list[str], dict[str, str]]:
    if country == "US":
        num = str(rng.randint(10, 9899))
        base, long_t, short_t = rng.choice(US_STREETS)
        city, state, zip3 = rng.choice(US_CITIES)
        zipc = f"{zip3}{rng.randint(0, 99):02d}"
        stype = rng.choice([long_t, short_t])
        unit = rng.choice(
            [
                "",
                "",
                f"Apt {rng.randint(1, 40)}{rng.choice('ABC')}",
                f"Unit {rng.randint(1, 300)}",
                f"Suite {rng.randint(100, 450)}",
            ]
        )
        street_line = f"{num} {base} {stype}" + (f" {unit}" if unit else "")
        lines = [street_line, f"{city}, {state} {zipc}"]
        comp = {
            "house_number": num,
            "street": f"{base} {long_t}",
            "unit": unit,
            "city": city,
            "state": state,
            "postcode": zipc,
            "country": "US",
        }
    elif country == "UK":
        num = str(rng.randint(1, 240))
        street = rng.choice(UK_STREETS)
        town, out, inn = rng.choice(UK_TOWNS)
        unit = rng.choice(["", "", f"Flat {rng.randint(1, 12)}"])
        lines = ([unit] if unit else []) + [
            f"{num} {street}",
            town.upper() if rng.random() < 0.3 else town,
            f"{out} {inn}",
        ]
        comp = {
            "house_number": num,
            "street": street,
            "unit": unit,
            "city": town,
            "state": "",
            "postcode": f"{out} {inn}",
            "country": "UK",
        }
    elif country == "DE":
        num = str(rng.randint(1, 180)) + rng.choice(["", "", "", "a", "b"])
        street = rng.choice(DE_STREETS)
        plz, city = rng.choice(DE_TOWNS)
        lines = [f"{street} {num}", f"{plz} {city}"]
        comp = {
            "house_number": num,
            "street": street,
            "unit": "",
            "city": city,
            "state": "",
            "postcode": plz,
            "country": "DE",
        }
    elif country == "FR":
        num = str(rng.randint(1, 150)) + rng.choice(["", "", "", " bis"])
        street = rng.choice(FR_STREETS)
        cp, city = rng.choice(FR_TOWNS)
        unit = rng.choice(["", "", f"Appartement {rng.randint(1, 60)}"])
        lines = [f"{num} {street}"] + ([unit] if unit else []) + [f"{cp} {city.upper()}"]
        comp = {
            "house_number": num.replace(" ", ""),
            "street": street,
            "unit": unit,
            "city": city,
            "state": "",
            "postcode": cp,
            "country": "FR",
        }
    elif country == "ES":
        num = str(rng.randint(1, 220))
        street = rng.choice(ES_STREETS)
        cp, city = rng.choice(ES_TOWNS)
        unit = rng.choice(
            [
                "",
                f"{rng.randint(1, 9)}º {rng.choice('ABCD')}",
                f"{rng.randint(1, 9)}º {rng.randint(1, 4)}ª",
            ]
        )
        lines = [f"{street}, {num}" + (f", {unit}" if unit else ""), f"{cp} {city}"]
        comp = {
            "house_number": num,
            "street": street,
            "unit": unit,
            "city": city,
            "state": "",
            "postcode": cp,
            "country": "ES",
        }
    else:
        num = str(rng.randint(1, 400)) + rng.choice(["", "", "-2", " A", "-H"])
        street = rng.choice(NL_STREETS)
        pc, city = rng.choice(NL_TOWNS)
        lines = [f"{street} {num}", f"{pc} {city.upper() if rng.random() < 0.4 else city}"]
        house, _, unit = num.replace(" ", "-").partition("-")
        comp = {
            "house_number": house,
            "street": street,
            "unit": unit,
            "city": city,
            "state": "",
            "postcode": pc,
            "country": "NL",
        }
    return lines, comp


def iban(rng: random.Random, country: str) -> str:
    cc = {"DE": "DE", "FR": "FR", "ES": "ES", "NL": "NL", "UK": "GB"}[country]
    if cc == "DE":
        bban = "".join(str(rng.randint(0, 9)) for _ in range(18))
    elif cc == "NL":
        bban = rng.choice(["INGB", "RABO", "ABNA"]) + "".join(
            str(rng.randint(0, 9)) for _ in range(10)
        )
    elif cc == "GB":
        bban = rng.choice(["BARC", "HBUK", "LOYD"]) + "".join(
            str(rng.randint(0, 9)) for _ in range(14)
        )
    elif cc == "FR":
        bban = "".join(str(rng.randint(0, 9)) for _ in range(23))
    else:
        bban = "".join(str(rng.randint(0, 9)) for _ in range(20))
    rearr = bban + cc + "00"
    num = "".join(str(int(c, 36)) for c in rearr)
    check = 98 - int(num) % 97
    raw = f"{cc}{check:02d}{bban}"
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


# --------------------------------------------------------------------------- PDF document


class _Doc:
    """Draws one document and records where the key fields are (for forgeries)."""

    def __init__(self, rng: random.Random, truth: Truth, producer: str) -> None:
        self.rng = rng
        self.t = truth
        self.buf = io.BytesIO()
        self.size = LETTER if truth.country == "US" else A4
        self.c = canvas.Canvas(self.buf, pagesize=self.size, pageCompression=1)
        self.c.setProducer(producer)
        self.c.setCreator(producer.split(" ")[0])
        self.c.setTitle(TITLES[COUNTRY_LANG[truth.country]][truth.doc_type])
        self.font = rng.choice(["Helvetica", "Times-Roman"])
        self.bold = {"Helvetica": "Helvetica-Bold", "Times-Roman": "Times-Bold"}[self.font]
        self.W, self.H = self.size

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float = 9.5,
        bold: bool = False,
        key: str | None = None,
        right: bool = False,
    ) -> None:
        font = self.bold if bold else self.font
        self.c.setFont(font, size)
        w = self.c.stringWidth(s, font, size)
        if right:
            x = x - w
        self.c.drawString(x, y, s)
        if key:
            self.t.layout.setdefault(key, []).append(
                {"x": x, "y": y, "w": w, "size": size, "font": font, "text": s}
            )


def _period(issue: date) -> tuple[date, date]:
    end = issue - timedelta(days=issue.day + 1)
    start = end.replace(day=1)
    return start, end


def render_pdf(truth: Truth, rng: random.Random, producer: str) -> bytes:
    d = _Doc(rng, truth, producer)
    c = d.c
    lang = COUNTRY_LANG[truth.country]
    lab = LABELS[lang]
    W, H = d.W, d.H
    left = 56
    # issuer header
    c.setFillColorRGB(
        *rng.choice([(0.05, 0.2, 0.5), (0.6, 0.1, 0.1), (0.1, 0.4, 0.2), (0.2, 0.2, 0.2)])
    )
    c.rect(0, H - 18, W, 18, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    header_right = rng.random() < 0.4
    if header_right:
        d.text(W - left, H - 60, truth.issuer, size=17, bold=True, right=True, key="issuer")
    else:
        d.text(left, H - 60, truth.issuer, size=17, bold=True, key="issuer")
    street, city = _issuer_address(truth.country, rng)
    d.text(
        left if not header_right else W - left,
        H - 74,
        f"{street} · {city}",
        size=7.5,
        right=header_right,
    )
    # recipient window block
    hon = rng.choice(HONORIFIC[truth.country])
    name_line = f"{hon} {truth.name}".strip()
    if rng.random() < 0.15:
        name_line = name_line.upper()
    y = H - 150
    d.text(left, y, name_line, size=10.5, key="name")
    for i, line in enumerate(truth.address_lines):
        d.text(left, y - 14 * (i + 1), line, size=10.5, key="address" if i == 0 else f"address{i}")
    # information box on the right
    box_x = W * 0.58
    by = H - 140
    date_label = rng.choice(lab["date"])
    issue_s = fmt_date(truth.issue_date, truth.country, rng)
    info: list[tuple[str, str, str | None]] = [(date_label, issue_s, "date")]
    info.append((lab["account"][0], truth.account_refs[0], "account"))
    if len(truth.account_refs) > 1:
        info.append(("IBAN", truth.account_refs[1], "iban"))
    if truth.doc_type == "utility":
        info.append((lab["meter"], f"{rng.randint(10**7, 10**8 - 1)}", None))
    start, end = _period(truth.issue_date)
    if truth.doc_type in ("utility", "telecom", "card", "bank"):
        fmt = "%m/%d/%Y" if truth.country == "US" else "%d.%m.%Y"
        info.append((lab["period"], f"{start.strftime(fmt)} - {end.strftime(fmt)}", None))
    for label, value, key in info:
        d.text(box_x, by, f"{label}:", size=8.5)
        if d.c.stringWidth(f"{label}: ", d.font, 8.5) + d.c.stringWidth(value, d.font, 8.5) > (
            W - left - box_x
        ):
            by -= 11
        d.text(W - left, by, value, size=8.5, right=True, key=key)
        by -= 13
    # title
    ty = H - 260
    d.text(left, ty, TITLES[lang][truth.doc_type], size=14, bold=True)
    if truth.doc_type in ("bank", "card"):
        d.text(left, ty - 16, f"{lab['holder']}: {truth.name}", size=9.5, key="holder")
    # body table
    ty -= 40
    rows = _body_rows(truth, rng, start)
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.line(left, ty + 12, W - left, ty + 12)
    total = 0.0
    for desc, amount in rows:
        d.text(left, ty, desc, size=9)
        d.text(W - left, ty, money(amount, truth.country), size=9, right=True)
        total += amount
        ty -= 14
    c.line(left, ty + 8, W - left, ty + 8)
    total_label = lab["balance"] if truth.doc_type in ("bank", "card") else lab["total"]
    d.text(left, ty - 6, total_label, size=10.5, bold=True)
    d.text(
        W - left,
        ty - 6,
        money(abs(total), truth.country),
        size=10.5,
        bold=True,
        right=True,
        key="amount",
    )
    due = truth.issue_date + timedelta(days=rng.choice([14, 21, 28]))
    if truth.doc_type not in ("bank",):
        d.text(left, ty - 24, f"{lab['due']}: {fmt_date(due, truth.country, rng)}", size=9)
    # footer
    c.setFont(d.font, 6.5)
    c.setFillColorRGB(0.35, 0.35, 0.35)
    c.drawString(left, 40, f"{truth.issuer} · {street} · {city}")
    c.drawString(left, 31, "Synthetic test document generated by idmesh - not a real bill.")
    c.showPage()
    if truth.pages > 1:
        c.setFont(d.font, 9)
        yy = H - 80
        for i in range(30):
            c.drawString(
                left,
                yy,
                f"{fmt_date(start + timedelta(days=i % 28), truth.country, rng)}"
                f"   Transaction {rng.randint(1000, 9999)}   "
                f"{money(rng.uniform(2, 300), truth.country)}",
            )
            yy -= 14
        c.showPage()
    c.save()
    stamp = truth.issue_date.strftime("D:%Y%m%d080000").encode()
    return re.sub(
        rb"/(CreationDate|ModDate) \(D:\d{14}",
        lambda m: b"/" + m.group(1) + b" (" + stamp,
        d.buf.getvalue(),
    )


def _issuer_address(country: str, rng: random.Random) -> tuple[str, str]:
    return {
        "US": ("PO Box 997300", "Sacramento, CA 95899"),
        "UK": ("PO Box 4805", "Worthing BN11 9QY"),
        "DE": ("Postfach 10 12 20", "20008 Hamburg"),
        "FR": ("TSA 20012", "41975 Blois Cedex 9"),
        "ES": ("Apartado de Correos 61017", "28080 Madrid"),
        "NL": ("Postbus 1000", "3000 BA Rotterdam"),
    }[country]


BODY_WORDS = {
    "en": {
        "utility": ["Standing charge", "Energy used (kWh)", "Climate change levy", "VAT"],
        "telecom": ["Line rental", "Data add-on", "Calls and texts", "Broadband"],
        "bank": ["Opening balance", "Card purchase", "Direct debit", "Transfer in", "Interest"],
        "card": ["Card purchase", "Minimum payment", "Interest charged", "Cash withdrawal"],
        "tax": ["Tax assessed", "Payments on account", "Balance to pay"],
        "insurance": ["Annual premium", "Insurance premium tax", "Policy excess"],
    },
    "de": {
        "utility": ["Grundpreis", "Arbeitspreis Strom", "Zählermiete", "MwSt."],
        "telecom": ["Grundgebühr", "Datenvolumen", "Festnetz Flatrate", "Verbindungen"],
        "bank": ["Alter Kontostand", "Kartenzahlung", "Lastschrift", "Gutschrift", "Zinsen"],
        "card": ["Kartenumsatz", "Kreditkarte Jahresgebühr", "Auslandseinsatz", "Zinsen"],
        "tax": ["Festgesetzte Einkommensteuer", "Solidaritätszuschlag", "Vorauszahlungen"],
        "insurance": ["Beitrag Hausrat", "Versicherungsteuer", "Beitrag Haftpflicht"],
    },
    "fr": {
        "utility": ["Abonnement", "Consommation électricité", "Contribution CTA", "TVA"],
        "telecom": ["Forfait mobile", "Options", "Communications", "Internet box"],
        "bank": ["Ancien solde", "Paiement carte", "Prélèvement", "Virement reçu", "Intérêts"],
        "card": ["Paiement carte", "Retrait carte", "Cotisation carte", "Intérêts"],
        "tax": ["Impôt sur le revenu", "Prélèvements sociaux", "Acomptes versés"],
        "insurance": ["Cotisation annuelle", "Taxe assurance", "Garantie habitation"],
    },
    "es": {
        "utility": ["Término fijo potencia", "Término de energía", "Alquiler contador", "IVA"],
        "telecom": ["Cuota mensual fibra", "Bono de datos", "Llamadas", "Fibra óptica"],
        "bank": ["Saldo anterior", "Compra con tarjeta", "Recibo domiciliado", "Transferencia"],
        "card": ["Compra con tarjeta", "Disposición en cajero", "Cuota tarjeta", "Intereses"],
        "tax": ["Cuota íntegra", "Retenciones", "Resultado de la liquidación"],
        "insurance": ["Prima neta", "Impuestos y recargos", "Seguro de hogar"],
    },
    "nl": {
        "utility": ["Vaste leveringskosten", "Verbruik stroom", "Netbeheerkosten", "BTW"],
        "telecom": ["Abonnement", "Databundel", "Bellen en sms", "Internet"],
        "bank": ["Vorig saldo", "Pinbetaling", "Incasso", "Overboeking", "Rente"],
        "card": ["Creditcard aankoop", "Geldopname", "Jaarkosten creditcard", "Rente"],
        "tax": ["Inkomstenbelasting", "Premie volksverzekeringen", "Heffingskorting"],
        "insurance": ["Premie inboedel", "Assurantiebelasting", "Premie aansprakelijkheid"],
    },
}


def _body_rows(truth: Truth, rng: random.Random, start: date) -> list[tuple[str, float]]:
    words = BODY_WORDS[COUNTRY_LANG[truth.country]][truth.doc_type]
    n = rng.randint(3, 6)
    return [(rng.choice(words), round(rng.uniform(3, 180), 2)) for _ in range(n)]


def make_truth(
    rng: random.Random, country: str | None = None, doc_type: str | None = None, today: date = TODAY
) -> Truth:
    country = country or rng.choice(list(ISSUERS))
    doc_type = doc_type or rng.choice(
        ["utility", "utility", "bank", "telecom", "tax", "insurance", "card"]
    )
    issuer_type = "bank" if doc_type == "card" else doc_type
    issuer = rng.choice(ISSUERS[country][issuer_type])
    first, last = NAMES[country]
    name = f"{rng.choice(first)} {rng.choice(last)}"
    lines, comp = make_address(rng, country)
    age_days = rng.choice([rng.randint(1, 80), rng.randint(1, 80), rng.randint(100, 400)])
    issue = today - timedelta(days=age_days)
    refs = [f"{rng.randint(10**9, 10**10 - 1)}"]
    if country != "US" and doc_type in ("bank", "card"):
        refs.append(iban(rng, country))
    return Truth(
        country=country,
        doc_type=doc_type,
        issuer=issuer,
        issue_date=issue,
        name=name,
        address_lines=lines,
        address=comp,
        account_refs=refs,
        pages=2 if doc_type == "bank" and rng.random() < 0.3 else 1,
    )


def make_document(rng: random.Random, **kw: Any) -> tuple[bytes, Truth]:
    truth = make_truth(rng, **kw)
    return render_pdf(truth, rng, rng.choice(BENIGN_PRODUCERS)), truth


# --------------------------------------------------------------------------- scans / photos


def render_page(pdf: bytes, dpi: int = 150) -> Image.Image:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        img = page.render(scale=dpi / 72).to_pil().convert("RGB")
        page.close()
        return img
    finally:
        doc.close()


def photograph(img: Image.Image, rng: random.Random, strength: float = 1.0) -> Image.Image:
    """Perspective warp, lighting gradient, blur and sensor noise."""
    import cv2

    a = np.asarray(img.convert("RGB"), dtype=np.float32)
    h, w = a.shape[:2]
    pad = int(0.04 * w)
    canvas_bg = np.full((h + 2 * pad, w + 2 * pad, 3), rng.uniform(60, 120), np.float32)
    canvas_bg[pad : pad + h, pad : pad + w] = a
    H2, W2 = canvas_bg.shape[:2]
    j = 0.025 * w * strength
    src = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    dst = src + np.float32([[rng.uniform(-j, j), rng.uniform(-j, j)] for _ in range(4)])
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(canvas_bg, m, (W2, H2), borderMode=cv2.BORDER_REPLICATE)
    yy, xx = np.mgrid[0:H2, 0:W2].astype(np.float32)
    grad = (
        1.0 - 0.18 * strength * (xx / W2 * rng.uniform(0.3, 1) + yy / H2 * rng.uniform(0.3, 1)) / 2
    )
    warped *= grad[..., None]
    warped = cv2.GaussianBlur(warped, (0, 0), 0.5 + 0.5 * strength * rng.random())
    warped += np.random.default_rng(rng.randint(0, 2**31)).normal(0, 4 * strength, warped.shape)
    return Image.fromarray(np.clip(warped, 0, 255).astype(np.uint8))


def jpeg_bytes(
    img: Image.Image, quality: int, exif_software: str | None = None, camera: bool = True
) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if camera:
        exif[0x010F] = "Google"  # Make
        exif[0x0110] = "Pixel 7"  # Model
    if exif_software:
        exif[0x0131] = exif_software
    img.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def image_pdf(img: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    w, h = img.size
    c = canvas.Canvas(buf, pagesize=(w * 72 / 150, h * 72 / 150))
    c.setProducer("Canon iR-ADV C5535 PDF")
    jb = io.BytesIO()
    img.save(jb, "JPEG", quality=quality)
    jb.seek(0)
    c.drawImage(ImageReader(jb), 0, 0, w * 72 / 150, h * 72 / 150)
    c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------- forgeries

PDF_FONTS_FOR_FORGERY = ["Helvetica", "Courier", "Times-Roman", "Helvetica-Oblique"]


def _edit_value(truth: Truth, rng: random.Random, fld: str) -> tuple[str, Truth]:
    """A new value for a field; returns the text drawn and the truth as the forger wants it."""
    if fld == "name":
        first, last = NAMES[truth.country]
        new = f"{rng.choice(first)} {rng.choice(last)}"
        while new == truth.name:
            new = f"{rng.choice(first)} {rng.choice(last)}"
        return new, replace(truth, name=new)
    if fld == "address":
        lines, comp = make_address(rng, truth.country)
        new = lines[0] if not comp.get("unit") or truth.country != "UK" else lines[1]
        return new, truth
    if fld == "date":
        nd = TODAY - timedelta(days=rng.randint(3, 40))
        return fmt_date(nd, truth.country, rng), replace(truth, issue_date=nd)
    return money(rng.uniform(5, 60), truth.country), truth


def _pick_field(truth: Truth, rng: random.Random) -> str:
    return rng.choice(["name", "address", "date", "amount"])


def forge_incremental(
    pdf: bytes, truth: Truth, rng: random.Random, producer: str | None = None
) -> tuple[bytes, Truth]:
    """Append an incremental update: a white box over a field and new text on top."""
    fld = _pick_field(truth, rng)
    new_text, new_truth = _edit_value(truth, rng, fld)
    spot = truth.layout[fld][0]
    font = rng.choice(PDF_FONTS_FOR_FORGERY)
    size = spot["size"]
    x, y = spot["x"], spot["y"]
    if spot["x"] + spot["w"] > 400 and fld in ("date", "amount", "account"):
        # right-aligned values: keep the right edge
        from reportlab.pdfbase.pdfmetrics import stringWidth

        x = spot["x"] + spot["w"] - stringWidth(new_text, font, size)
    ops = (
        f"q 1 1 1 rg {spot['x'] - 1:.2f} {y - size * 0.25:.2f} {spot['w'] + 2:.2f} "
        f"{size * 1.15:.2f} re f Q\nBT /FX1 {size:.2f} Tf 0 0 0 rg {x:.2f} {y:.2f} Td "
        f"({_pdf_str(new_text)}) Tj ET\n"
    ).encode("cp1252", "replace")
    out = append_incremental_update(pdf, ops, font, producer=producer)
    ft = replace(
        new_truth, forged=True, forgery="incremental_overlay", edited_field=fld, layout=truth.layout
    )
    return out, ft


def _pdf_str(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def append_incremental_update(
    pdf: bytes, content: bytes, base_font: str, producer: str | None = None
) -> bytes:
    """Write an incremental update by hand: new content stream, font, page and info objects."""
    text = pdf.decode("latin-1")
    page_m = re.search(r"(\d+) 0 obj\s*<<((?:(?!endobj).)*?)/Type /Page\s*>>\s*endobj", text, re.S)
    assert page_m, "no page object"
    page_num = int(page_m.group(1))
    body = page_m.group(2)
    contents = re.search(r"/Contents (\d+) 0 R", body).group(1)
    parent = re.search(r"/Parent (\d+) 0 R", body).group(1)
    mediabox = re.search(r"/MediaBox \[([^\]]*)\]", body).group(1)
    fontdict_ref = re.search(r"/Font (\d+) 0 R", body).group(1)
    fontdict = re.search(rf"\n{fontdict_ref} 0 obj\s*<<(.*?)>>\s*endobj", text, re.S).group(1)
    size = int(re.search(r"/Size (\d+)", text.split("trailer")[-1]).group(1))
    root = re.search(r"/Root (\d+) 0 R", text).group(1)
    info = re.search(r"/Info (\d+) 0 R", text).group(1)
    prev = int(re.findall(r"startxref\s+(\d+)", text)[-1])
    info_body = re.search(rf"\n{info} 0 obj\s*<<(.*?)>>\s*endobj", text, re.S).group(1)
    n_stream, n_font, n_fdict = size, size + 1, size + 2
    comp = zlib.compress(content)
    now = "D:20261119093000+00'00'"
    info_body = re.sub(r"/ModDate \([^)]*\)", f"/ModDate ({now})", info_body)
    if producer:
        info_body = re.sub(
            r"/Producer \((?:\\.|[^\\)])*\)", f"/Producer ({_pdf_str(producer)})", info_body
        )
    objs: list[tuple[int, bytes]] = [
        (
            n_stream,
            b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(comp) + comp + b"\nendstream",
        ),
        (
            n_font,
            f"<< /Type /Font /Subtype /Type1 /BaseFont /{base_font} "
            f"/Encoding /WinAnsiEncoding >>".encode(),
        ),
        (n_fdict, f"<< {fontdict.strip()} /FX1 {n_font} 0 R >>".encode()),
        (
            page_num,
            f"<< /Type /Page /Parent {parent} 0 R /MediaBox [{mediabox}] "
            f"/Contents [{contents} 0 R {n_stream} 0 R] /Resources << /Font {n_fdict} 0 R "
            f"/ProcSet [/PDF /Text] >> >>".encode(),
        ),
        (int(info), f"<<{info_body}>>".encode("latin-1")),
    ]
    out = bytearray(pdf)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets: dict[int, int] = {}
    for num, body_b in objs:
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body_b + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    out += (
        f"trailer\n<< /Size {size + 3} /Root {root} 0 R /Info {info} 0 R /Prev {prev} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def forge_reexport(truth: Truth, rng: random.Random) -> tuple[bytes, Truth]:
    """The document re-made with an edited field and saved by a PDF editor."""
    fld = _pick_field(truth, rng)
    new_text, new_truth = _edit_value(truth, rng, fld)
    t2 = replace(new_truth, layout={})
    if fld == "address":
        lines, comp = make_address(rng, truth.country)
        t2 = replace(t2, address_lines=lines, address=comp)
    pdf = render_pdf(t2, rng, rng.choice(EDITOR_PRODUCERS))
    if rng.random() < 0.5:
        # editors often keep the original creation date and stamp an inconsistent one
        pdf = pdf.replace(b"/ModDate (D:2026", b"/ModDate (D:2019", 1)
    return pdf, replace(t2, forged=True, forgery="editor_reexport", edited_field=fld)


def _text_patch(text: str, size_px: int, bg: tuple[int, int, int]) -> Image.Image:
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", size_px)
    w = int(font.getlength(text)) + 6
    im = Image.new("RGB", (w, int(size_px * 1.35)), bg)
    ImageDraw.Draw(im).text((3, 0), text, fill=(15, 15, 15), font=font)
    return im


def forge_pasted_image(pdf: bytes, truth: Truth, rng: random.Random) -> tuple[bytes, Truth]:
    """An image of new text pasted over a field, written as an incremental update."""
    fld = _pick_field(truth, rng)
    new_text, new_truth = _edit_value(truth, rng, fld)
    spot = truth.layout[fld][0]
    size = spot["size"]
    patch = _text_patch(new_text, int(size * 4), (rng.randint(246, 255),) * 3)
    pw = patch.width / 4.0
    ph = patch.height / 4.0
    w_box = max(pw, spot["w"] + 2)
    x = spot["x"] - 1
    if spot["x"] > 300 and fld in ("date", "amount"):
        x = spot["x"] + spot["w"] - w_box
    jb = io.BytesIO()
    patch.save(jb, "JPEG", quality=85)
    img_bytes = jb.getvalue()
    ops = f"q {w_box:.2f} 0 0 {ph:.2f} {x:.2f} {spot['y'] - size * 0.3:.2f} cm /IM1 Do Q\n".encode()
    out = _append_image_update(pdf, ops, img_bytes, patch.size)
    ft = replace(
        new_truth, forged=True, forgery="pasted_image", edited_field=fld, layout=truth.layout
    )
    return out, ft


def _append_image_update(pdf: bytes, ops: bytes, jpeg: bytes, size: tuple[int, int]) -> bytes:
    text = pdf.decode("latin-1")
    page_m = re.search(r"(\d+) 0 obj\s*<<((?:(?!endobj).)*?)/Type /Page\s*>>\s*endobj", text, re.S)
    page_num = int(page_m.group(1))
    body = page_m.group(2)
    contents = re.search(r"/Contents (\d+) 0 R", body).group(1)
    parent = re.search(r"/Parent (\d+) 0 R", body).group(1)
    mediabox = re.search(r"/MediaBox \[([^\]]*)\]", body).group(1)
    fontdict_ref = re.search(r"/Font (\d+) 0 R", body).group(1)
    trailer = text.split("trailer")[-1]
    size_n = int(re.search(r"/Size (\d+)", trailer).group(1))
    root = re.search(r"/Root (\d+) 0 R", text).group(1)
    prev = int(re.findall(r"startxref\s+(\d+)", text)[-1])
    n_stream, n_img = size_n, size_n + 1
    comp = zlib.compress(ops)
    objs = [
        (
            n_stream,
            b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(comp) + comp + b"\nendstream",
        ),
        (
            n_img,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % (size[0], size[1], len(jpeg))
            + jpeg
            + b"\nendstream",
        ),
        (
            page_num,
            f"<< /Type /Page /Parent {parent} 0 R /MediaBox [{mediabox}] "
            f"/Contents [{contents} 0 R {n_stream} 0 R] /Resources << /Font {fontdict_ref} 0 R "
            f"/XObject << /IM1 {n_img} 0 R >> /ProcSet [/PDF /Text /ImageC] >> >>".encode(),
        ),
    ]
    out = bytearray(pdf)
    offsets = {}
    for num, b in objs:
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + b + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for num in sorted(offsets):
        out += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    out += (
        f"trailer\n<< /Size {size_n + 2} /Root {root} 0 R /Prev {prev} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def benign_metadata_update(pdf: bytes) -> bytes:
    """A harmless incremental update (only the Info dictionary), as archiving tools do."""
    text = pdf.decode("latin-1")
    trailer = text.split("trailer")[-1]
    size_n = int(re.search(r"/Size (\d+)", trailer).group(1))
    root = re.search(r"/Root (\d+) 0 R", text).group(1)
    info = re.search(r"/Info (\d+) 0 R", text).group(1)
    prev = int(re.findall(r"startxref\s+(\d+)", text)[-1])
    info_body = re.search(rf"\n{info} 0 obj\s*<<(.*?)>>\s*endobj", text, re.S).group(1)
    info_body = info_body.replace("/Keywords ()", "/Keywords (archived)")
    out = bytearray(pdf)
    off = len(out)
    out += f"{info} 0 obj\n<<{info_body}>>\nendobj\n".encode("latin-1")
    xref_at = len(out)
    out += f"xref\n0 1\n0000000000 65535 f \n{info} 1\n{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {size_n} /Root {root} 0 R /Info {info} 0 R /Prev {prev} >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


def forge_photo(pdf: bytes, truth: Truth, rng: random.Random) -> tuple[bytes, Truth]:
    """A photo whose field was painted over in an image editor and saved again."""
    fld = _pick_field(truth, rng)
    new_text, new_truth = _edit_value(truth, rng, fld)
    dpi = 150
    img = render_page(pdf, dpi)
    # first the phone takes the photo (JPEG), then someone edits it
    photo = Image.open(io.BytesIO(jpeg_bytes(photograph(img, rng, 0.6), rng.randint(72, 88))))
    photo.load()
    spot = truth.layout[fld][0]
    s = dpi / 72
    pad = int(0.04 * img.width)
    page_h = img.height
    x0 = int(spot["x"] * s) + pad
    y0 = int(page_h - (spot["y"] + spot["size"]) * s) + pad
    bg = tuple(int(v) for v in np.asarray(photo)[y0 - 3, x0].tolist())
    patch = _text_patch(new_text, int(spot["size"] * s * 1.05), bg)
    photo = photo.copy()
    photo.paste(
        patch.resize((max(patch.width, int(spot["w"] * s) + 6), patch.height)), (x0 - 3, y0)
    )
    # editors save at high quality (Photoshop 10-12 ~ JPEG 90-98)
    data = jpeg_bytes(
        photo,
        rng.randint(90, 97),
        exif_software=rng.choice(
            ["Adobe Photoshop 25.0 (Windows)", "GIMP 2.10.36", "Snapseed 2.0", None]
        ),
    )
    ft = replace(
        new_truth,
        kind="photo",
        forged=True,
        forgery="photo_edit",
        edited_field=fld,
        layout=truth.layout,
    )
    return data, ft


# --------------------------------------------------------------------------- corpus


def make_sample(rng: random.Random, variant: str) -> Sample:
    """One sample of a given variant (see VARIANTS)."""
    pdf, truth = make_document(rng)
    if variant == "text_pdf":
        return Sample(pdf, "pdf", truth)
    if variant == "text_pdf_meta_update":
        return Sample(benign_metadata_update(pdf), "pdf", truth)
    if variant == "photo":
        img = photograph(render_page(pdf, rng.choice([130, 150, 170])), rng, rng.uniform(0.4, 1.0))
        soft = rng.choice([None, None, "HDR+ 1.0.540104024zd", "iOS 17.4"])
        return Sample(
            jpeg_bytes(img, rng.randint(80, 92), exif_software=soft),
            "jpeg",
            replace(truth, kind="photo"),
        )
    if variant == "scan_png":
        img = render_page(pdf, 150).convert("L")
        out = io.BytesIO()
        img.filter(ImageFilter.GaussianBlur(0.4)).save(out, "PNG")
        return Sample(out.getvalue(), "png", replace(truth, kind="photo"))
    if variant == "scan_pdf":
        img = photograph(render_page(pdf, 150), rng, 0.3)
        return Sample(image_pdf(img), "pdf", replace(truth, kind="scan_pdf"))
    if variant == "forged_incremental":
        producer = rng.choice([None, None, rng.choice(EDITOR_PRODUCERS)])
        data, t = forge_incremental(pdf, truth, rng, producer=producer)
        return Sample(data, "pdf", t)
    if variant == "forged_reexport":
        data, t = forge_reexport(truth, rng)
        return Sample(data, "pdf", t)
    if variant == "forged_pasted_image":
        data, t = forge_pasted_image(pdf, truth, rng)
        return Sample(data, "pdf", t)
    if variant == "forged_photo":
        data, t = forge_photo(pdf, truth, rng)
        return Sample(data, "jpeg", t)
    raise ValueError(variant)


VARIANTS = {
    "text_pdf": 0.30,
    "text_pdf_meta_update": 0.05,
    "photo": 0.15,
    "scan_png": 0.04,
    "scan_pdf": 0.06,
    "forged_incremental": 0.14,
    "forged_reexport": 0.10,
    "forged_pasted_image": 0.08,
    "forged_photo": 0.08,
}


def make_corpus(n: int, seed: int = 7, variants: dict[str, float] | None = None) -> list[Sample]:
    rng = random.Random(seed)
    weights = variants or VARIANTS
    names = list(weights)
    counts = {k: max(1, round(n * weights[k])) for k in names}
    order = [k for k in names for _ in range(counts[k])][:n]
    while len(order) < n:
        order.append("text_pdf")
    return [make_sample(rng, v) for v in order]


# --------------------------------------------------------------------------- declared data

_SHORT = {
    "Street": "St",
    "Avenue": "Ave",
    "Drive": "Dr",
    "Parkway": "Pkwy",
    "Boulevard": "Blvd",
    "Lane": "Ln",
    "Road": "Rd",
    "Court": "Ct",
    "Place": "Pl",
    "Crescent": "Cres",
    "Close": "Cl",
    "Gardens": "Gdns",
    "Avenida": "Avda.",
    "Calle": "C/",
    "avenue": "av.",
    "boulevard": "bd",
}


def declared_address(truth: Truth, rng: random.Random) -> str:
    """The address as an end user might type it: other abbreviations, order and case."""
    a = truth.address
    street = a["street"]
    if rng.random() < 0.5:
        for long_w, short_w in _SHORT.items():
            street = re.sub(rf"\b{long_w}\b", short_w, street)
    street = street.replace("straße", rng.choice(["straße", "str.", "strasse"]))
    unit = a.get("unit", "")
    if unit and rng.random() < 0.5:
        unit = re.sub(
            r"^(Apt|Unit|Suite|Flat|Appartement)\s*",
            rng.choice(["#", "Apt ", "Unit "]) if truth.country == "US" else r"\1 ",
            unit,
        )
    city = a["city"].upper() if rng.random() < 0.2 else a["city"]
    c = truth.country
    if c == "US":
        line = f"{a['house_number']} {street}" + (f" {unit}" if unit else "")
        return f"{line}, {city}, {a['state']} {a['postcode']}"
    if c == "UK":
        return ", ".join(
            x for x in [unit, f"{a['house_number']} {street}", city, a["postcode"]] if x
        )
    if c == "FR":
        num = a["house_number"].replace("bis", " bis")
        return ", ".join(x for x in [f"{num} {street}", unit, f"{a['postcode']} {city}"] if x)
    if c == "ES":
        return ", ".join(
            x for x in [f"{street} {a['house_number']}", unit, f"{a['postcode']} {city}"] if x
        )
    if c == "NL":
        num = a["house_number"] + (f"-{unit}" if unit else "")
        return f"{street} {num}, {a['postcode']} {city}"
    return f"{street} {a['house_number']}, {a['postcode']} {city}"


def other_person(truth: Truth, rng: random.Random) -> str:
    first, last = NAMES[truth.country]
    while True:
        n = f"{rng.choice(first)} {rng.choice(last)}"
        if n.split()[-1] != truth.name.split()[-1]:
            return n


def other_address(truth: Truth, rng: random.Random) -> str:
    while True:
        lines, comp = make_address(rng, truth.country)
        if (
            comp["house_number"] != truth.address["house_number"]
            or comp["postcode"] != truth.address["postcode"]
        ):
            return declared_address(replace(truth, address=comp, address_lines=lines), rng)
