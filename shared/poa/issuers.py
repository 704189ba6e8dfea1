"""Known issuers of proof-of-address documents (utilities, banks, telecoms, insurers, tax
offices) for the supported countries, and finding the issuer on a page.

The list is a starting point; tenants add their own with the `known_issuers` parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz import fuzz

from shared.poa.layout import Segment

# canonical name: (country, type, aliases)
KNOWN: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # US
    "Pacific Gas and Electric Company": ("US", "utility", ("pg&e", "pacific gas and electric")),
    "Con Edison": ("US", "utility", ("consolidated edison", "coned")),
    "Duke Energy": ("US", "utility", ()),
    "Southern California Edison": ("US", "utility", ("sce",)),
    "Florida Power & Light": ("US", "utility", ("fpl",)),
    "Xcel Energy": ("US", "utility", ()),
    "Verizon": ("US", "telecom", ("verizon wireless", "verizon fios")),
    "AT&T": ("US", "telecom", ()),
    "T-Mobile": ("US", "telecom", ()),
    "Comcast Xfinity": ("US", "telecom", ("xfinity", "comcast")),
    "Spectrum": ("US", "telecom", ("charter spectrum",)),
    "JPMorgan Chase Bank": ("US", "bank", ("chase", "jpmorgan chase")),
    "Wells Fargo": ("US", "bank", ()),
    "Bank of America": ("US", "bank", ()),
    "Citibank": ("US", "bank", ("citi",)),
    "Capital One": ("US", "bank", ()),
    "American Express": ("US", "card", ("amex",)),
    "Internal Revenue Service": ("US", "tax", ("irs", "department of the treasury")),
    "State Farm": ("US", "insurance", ()),
    "Allstate": ("US", "insurance", ()),
    "GEICO": ("US", "insurance", ()),
    "Progressive": ("US", "insurance", ()),
    # UK
    "British Gas": ("UK", "utility", ()),
    "Thames Water": ("UK", "utility", ()),
    "Octopus Energy": ("UK", "utility", ()),
    "EDF Energy": ("UK", "utility", ()),
    "E.ON Next": ("UK", "utility", ()),
    "OVO Energy": ("UK", "utility", ()),
    "Scottish Power": ("UK", "utility", ()),
    "BT": ("UK", "telecom", ("british telecom", "bt group")),
    "Vodafone UK": ("UK", "telecom", ()),
    "Virgin Media": ("UK", "telecom", ()),
    "Sky": ("UK", "telecom", ("sky uk",)),
    "EE": ("UK", "telecom", ()),
    "Barclays Bank": ("UK", "bank", ("barclays",)),
    "HSBC UK": ("UK", "bank", ("hsbc",)),
    "Lloyds Bank": ("UK", "bank", ("lloyds",)),
    "NatWest": ("UK", "bank", ("national westminster bank",)),
    "Santander UK": ("UK", "bank", ()),
    "Nationwide Building Society": ("UK", "bank", ("nationwide",)),
    "Monzo": ("UK", "bank", ()),
    "HM Revenue & Customs": ("UK", "tax", ("hmrc", "hm revenue and customs")),
    "Aviva": ("UK", "insurance", ()),
    "Direct Line": ("UK", "insurance", ()),
    # DE
    "Vattenfall Europe Sales": ("DE", "utility", ("vattenfall",)),
    "E.ON Energie Deutschland": ("DE", "utility", ("e.on",)),
    "Stadtwerke München": ("DE", "utility", ("swm",)),
    "EnBW": ("DE", "utility", ()),
    "RWE": ("DE", "utility", ()),
    "Deutsche Telekom": ("DE", "telecom", ("telekom deutschland", "telekom")),
    "Vodafone GmbH": ("DE", "telecom", ()),
    "O2 Telefónica": ("DE", "telecom", ("telefonica germany", "o2")),
    "Sparkasse KölnBonn": ("DE", "bank", ("sparkasse",)),
    "Deutsche Bank": ("DE", "bank", ()),
    "Commerzbank": ("DE", "bank", ()),
    "ING-DiBa": ("DE", "bank", ()),
    "Finanzamt München": ("DE", "tax", ("finanzamt",)),
    "Allianz Versicherungs-AG": ("DE", "insurance", ("allianz",)),
    "HUK-COBURG": ("DE", "insurance", ("huk coburg",)),
    # FR
    "EDF": ("FR", "utility", ("electricite de france",)),
    "Engie": ("FR", "utility", ()),
    "Veolia Eau": ("FR", "utility", ("veolia",)),
    "TotalEnergies": ("FR", "utility", ()),
    "Orange": ("FR", "telecom", ()),
    "SFR": ("FR", "telecom", ()),
    "Bouygues Telecom": ("FR", "telecom", ()),
    "Free": ("FR", "telecom", ("free mobile",)),
    "BNP Paribas": ("FR", "bank", ()),
    "Société Générale": ("FR", "bank", ()),
    "Crédit Agricole": ("FR", "bank", ()),
    "La Banque Postale": ("FR", "bank", ()),
    "Direction générale des Finances publiques": ("FR", "tax", ("dgfip", "finances publiques")),
    "AXA France": ("FR", "insurance", ("axa",)),
    "MAIF": ("FR", "insurance", ()),
    # ES
    "Iberdrola": ("ES", "utility", ()),
    "Endesa": ("ES", "utility", ()),
    "Naturgy": ("ES", "utility", ()),
    "Canal de Isabel II": ("ES", "utility", ()),
    "Movistar": ("ES", "telecom", ("telefonica",)),
    "Vodafone España": ("ES", "telecom", ()),
    "Orange España": ("ES", "telecom", ()),
    "BBVA": ("ES", "bank", ()),
    "CaixaBank": ("ES", "bank", ("la caixa",)),
    "Banco Santander": ("ES", "bank", ()),
    "Banco Sabadell": ("ES", "bank", ()),
    "Agencia Tributaria": ("ES", "tax", ("aeat", "agencia estatal de administracion tributaria")),
    "Mapfre": ("ES", "insurance", ()),
    "Mutua Madrileña": ("ES", "insurance", ()),
    # NL
    "Eneco": ("NL", "utility", ()),
    "Vattenfall": ("NL", "utility", ()),
    "Essent": ("NL", "utility", ()),
    "Vitens": ("NL", "utility", ()),
    "KPN": ("NL", "telecom", ()),
    "Odido": ("NL", "telecom", ()),
    "Ziggo": ("NL", "telecom", ()),
    "ING Bank": ("NL", "bank", ("ing",)),
    "Rabobank": ("NL", "bank", ()),
    "ABN AMRO": ("NL", "bank", ()),
    "Belastingdienst": ("NL", "tax", ()),
    "Centraal Beheer": ("NL", "insurance", ()),
    "Nationale-Nederlanden": ("NL", "insurance", ()),
}


def _norm(s: str) -> str:
    return " ".join(re.split(r"[^a-z0-9&]+", anyascii(s).lower())).strip()


@dataclass
class IssuerHit:
    name: str
    known: bool
    country: str = ""
    doc_type: str = ""
    confidence: float = 0.0
    evidence: str = ""


def _aliases(extra: list[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str, int]] = []
    for canon, (_, _, aliases) in KNOWN.items():
        out.append((_norm(canon), canon, 0))
        out.extend((_norm(a), canon, 1) for a in aliases)
    out.extend((_norm(x), x, 0) for x in extra)
    # longest first ("vodafone espana" before "vodafone"); a canonical name before an alias
    # of the same text ("Vattenfall" NL before the DE company's alias "vattenfall")
    out.sort(key=lambda t: (-len(t[0]), t[2]))
    return [(a, c) for a, c, _ in out]


def find_issuer(segments: list[Segment], extra: list[str] | None = None) -> IssuerHit:
    """The issuer: a known name in the page header/footer, else the header's first line."""
    first_page = [s for s in segments if s.page == 0]
    header = sorted((s for s in first_page if s.y1 < 0.2), key=lambda s: (s.y0, s.x0))
    footer = [s for s in first_page if s.y0 > 0.85]
    rest = [s for s in first_page if s.y1 >= 0.2 and s.y0 <= 0.85]
    extra_l = extra or []
    aliases = _aliases(extra_l)
    for zone, conf in ((header, 0.95), (footer, 0.85), (rest, 0.7)):
        for seg in zone:
            t = f" {_norm(seg.text)} "
            for alias, canon in aliases:
                if len(alias) <= 3:
                    # short acronyms only as the whole segment or its first word
                    if t.strip() != alias and not t.startswith(f" {alias} "):
                        continue
                elif (
                    f" {alias} " not in t
                    # OCR splits or glues words: "Caixa Bank", "BNPParibas"
                    and not (len(alias) >= 6 and alias.replace(" ", "") in t.replace(" ", ""))
                    and (
                        len(alias) < 8
                        or len(t) < len(alias) + 2
                        or fuzz.partial_ratio(alias, t) < 92
                    )
                ):
                    continue
                info = KNOWN.get(canon, ("", "", ()))
                return IssuerHit(canon, True, info[0], info[1], conf, seg.text)
    # unknown: the largest text in the header
    if header:
        best = max(header, key=lambda s: (s.size if s.source == "text" else s.h * 1000, -s.y0))
        return IssuerHit(best.text, False, confidence=0.4, evidence=best.text)
    return IssuerHit("", False, confidence=0.0)
