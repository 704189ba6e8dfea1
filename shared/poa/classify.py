"""Document type from the document's own wording (multilingual keywords, its title counting
double, words glued by OCR still found); the known issuer's type only breaks ties, so an
unknown issuer never makes a bill untyped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from anyascii import anyascii

from shared.poa.params import DocType

KEYWORDS: dict[DocType, list[str]] = {
    DocType.utility: [
        "electricity used",
        "gas supply",
        "wastewater",
        "verbrauch",
        "stromrechnung",
        "zahlerstand",
        "releve de compteur",
        "facture d'electricite",
        "facture d'eau",
        "consumo",
        "lectura del contador",
        "factura de luz",
        "vastrecht",
        "netbeheerkosten",
        "energy bill",
        "water bill",
        "electricity",
        "electric",
        "gas bill",
        "energy",
        "kwh",
        "meter",
        "water",
        "sewer",
        "heating",
        "standing charge",
        "strom",
        "gas",
        "wasser",
        "energie",
        "zahler",
        "zahlernummer",
        "arbeitspreis",
        "grundpreis",
        "abschlag",
        "electricite",
        "consommation",
        "compteur",
        "eau",
        "gaz",
        "electricidad",
        "luz",
        "agua",
        "contador",
        "termino de energia",
        "potencia",
        "energierekening",
        "stroom",
        "verbruik",
        "meternummer",
        "leveringskosten",
    ],
    DocType.bank: [
        "checking account",
        "checking",
        "savings account",
        "current account",
        "beginning balance",
        "ending balance",
        "deposits and additions",
        "withdrawals",
        "routing number",
        "debit card",
        "compte courant",
        "nouveau solde",
        "neuer kontostand",
        "cuenta corriente",
        "extracto de cuenta",
        "betaalrekening",
        "beginsaldo",
        "eindsaldo",
        "account statement",
        "bank statement",
        "opening balance",
        "closing balance",
        "sort code",
        "iban",
        "bic",
        "kontoauszug",
        "kontostand",
        "alter kontostand",
        "girokonto",
        "releve de compte",
        "solde",
        "ancien solde",
        "extracto",
        "saldo",
        "saldo anterior",
        "rekeningafschrift",
        "rekeninghouder",
        "direct debit",
        "lastschrift",
        "virement",
        "transferencia",
        "overboeking",
        "account holder",
        "kontoinhaber",
        "titulaire",
    ],
    DocType.card: [
        "available credit",
        "purchase apr",
        "kreditrahmen",
        "mindestbetrag",
        "carte de credit",
        "releve de votre carte",
        "limite de credito",
        "pago minimo",
        "bestedingslimiet",
        "minimaal te betalen",
        "credit card",
        "card statement",
        "minimum payment",
        "credit limit",
        "kreditkarte",
        "kreditkartenabrechnung",
        "carte bancaire",
        "releve de carte",
        "tarjeta de credito",
        "extracto de tarjeta",
        "creditcard",
        "creditcardoverzicht",
    ],
    DocType.tax: [
        "property tax",
        "assessed value",
        "treasurer",
        "assessment",
        "grundsteuer",
        "stadtkasse",
        "kassenzeichen",
        "grundbesitzabgaben",
        "hebesatz",
        "taxe fonciere",
        "taxe d'habitation",
        "mairie",
        "ayuntamiento",
        "impuesto",
        "bienes inmuebles",
        "ibi",
        "catastral",
        "recaudacion",
        "padron",
        "tributos",
        "tasa",
        "onroerendezaakbelasting",
        "woz",
        "heffing",
        "afvalstoffenheffing",
        "tax",
        "revenue",
        "hmrc",
        "irs",
        "council tax",
        "self assessment",
        "finanzamt",
        "steuer",
        "steuerbescheid",
        "steuernummer",
        "impot",
        "impots",
        "avis d'impot",
        "finances publiques",
        "agencia tributaria",
        "hacienda",
        "tributaria",
        "belasting",
        "belastingdienst",
        "aanslag",
        "gemeente",
        "council",
        "government",
        "ministry",
    ],
    DocType.telecom: [
        "airtime",
        "airtime plan",
        "calls",
        "texts",
        "roaming",
        "bundle",
        "allowance",
        "handset",
        "tariff",
        "sim only",
        "monthly plan",
        "allnet",
        "verbindungen",
        "mobilfunkrechnung",
        "box internet",
        "appels",
        "illimites",
        "llamadas",
        "tarifa",
        "bellen",
        "bundel",
        "glasvezel",
        "abonnementskosten",
        "mobile",
        "broadband",
        "landline",
        "line rental",
        "data",
        "minutes",
        "sms",
        "internet",
        "fibre",
        "fiber",
        "tv package",
        "mobilfunk",
        "festnetz",
        "grundgebuhr",
        "datenvolumen",
        "telephone",
        "forfait",
        "telefonia",
        "movil",
        "fibra",
        "bono de datos",
        "mobiele",
        "databundel",
        "abonnement",
    ],
    DocType.insurance: [
        "policy schedule",
        "annual premium",
        "excess",
        "hausrat",
        "jahresbeitrag",
        "versicherungsbeginn",
        "garanties",
        "multirisque",
        "assurance habitation",
        "prima anual",
        "tomador",
        "coberturas",
        "dekking",
        "woonverzekering",
        "insurance",
        "policy",
        "premium",
        "insured",
        "cover",
        "versicherung",
        "versicherungsschein",
        "beitrag",
        "police",
        "assurance",
        "cotisation",
        "echeance",
        "seguro",
        "poliza",
        "prima",
        "verzekering",
        "polisblad",
        "premie",
        "polis",
    ],
}


def _compact(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", s)


COMPACT_MIN = 7  # keywords this long (letters only) are also found inside glued OCR words
TITLE_WEIGHT = 2.0  # wording in the document's big print (its title) counts double
ISSUER_PRIOR = 1.5  # the known issuer's type: a tie-breaker, never the decider
CARD_SPECIFIC = 2.0


@dataclass
class TypeDecision:
    doc_type: DocType
    confidence: float
    scores: dict[str, float]
    evidence: dict[str, list[str]]  # per type, the words that were found

    def explain(self) -> str:
        words = self.evidence.get(self.doc_type.value, [])
        return ", ".join(words[:6])


def _hits(words: list[str], tokens: str, compact: str) -> tuple[float, list[str]]:
    """Weighted hits of a type's words in a text (spaced tokens, and letters-only)."""
    score, found = 0.0, []
    for w in words:
        n = tokens.count(f" {w} ")
        cw = _compact(w)
        if not n and len(cw) >= COMPACT_MIN:
            n = compact.count(cw)  # OCR may glue words: "RecibodelImpuestosobreBienes..."
        if n:
            score += min(n, 3) * (1.5 if " " in w or len(w) > 12 else 1.0)
            found.append(w)
    return score, found


def decide(text: str, issuer_type: str = "", title: str = "") -> TypeDecision:
    """The type from the document's own wording (its title counting double); the known
    issuer's type only breaks ties. Nothing found: `other`."""

    def norm(t: str) -> tuple[str, str]:
        folded = anyascii(t).lower()
        return " " + " ".join(re.split(r"[^a-z0-9']+", folded)) + " ", _compact(folded)

    body_t, body_c = norm(text)
    title_t, title_c = norm(title)
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    for dt, words in KEYWORDS.items():
        s, found = _hits(words, body_t, body_c)
        if title:
            ts, tfound = _hits(words, title_t, title_c)
            s += (TITLE_WEIGHT - 1.0) * ts
            found = list(dict.fromkeys(tfound + found))
        scores[dt.value] = s
        evidence[dt.value] = found
    if scores["card"] >= 1.5:
        # credit-card wording is specific: a bank statement hardly ever carries it, while a
        # card statement always carries bank words too (balances, IBAN for the payment)
        scores["card"] *= CARD_SPECIFIC
    if issuer_type and issuer_type in scores:
        scores[issuer_type] += ISSUER_PRIOR
    best = max(scores, key=lambda k: scores[k])
    total = sum(scores.values())
    if scores[best] < 1.5:  # no wording, no known issuer
        return TypeDecision(DocType.other, 0.3, scores, evidence)
    conf = scores[best] / total if total else 0.0
    return TypeDecision(DocType(best), round(min(0.99, 0.4 + 0.6 * conf), 3), scores, evidence)


def classify(text: str, issuer_type: str = "", title: str = "") -> tuple[DocType, float, dict]:
    d = decide(text, issuer_type, title)
    return d.doc_type, d.confidence, d.scores
