"""Document type from multilingual keywords, with the issuer's type as a prior."""

from __future__ import annotations

import re

from anyascii import anyascii

from shared.poa.params import DocType

KEYWORDS: dict[DocType, list[str]] = {
    DocType.utility: [
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
        "card purchase",
    ],
    DocType.tax: [
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


def classify(text: str, issuer_type: str = "") -> tuple[DocType, float, dict[str, float]]:
    t = " " + " ".join(re.split(r"[^a-z0-9']+", anyascii(text).lower())) + " "
    scores: dict[str, float] = {}
    for dt, words in KEYWORDS.items():
        s = 0.0
        for w in words:
            n = t.count(f" {w} ")
            if n:
                s += min(n, 3) * (1.5 if " " in w or len(w) > 12 else 1.0)
        scores[dt.value] = s
    # cards are bank statements with card words; pick card only when card words dominate
    if issuer_type and issuer_type in scores:
        scores[issuer_type] += 2.5
    if issuer_type == "bank" and scores["card"] > 0:
        scores["card"] = scores["card"] * 2 + 2.5
    best = max(scores, key=lambda k: scores[k])
    total = sum(scores.values())
    if scores[best] < 1.5:
        return DocType.other, 0.3, scores
    conf = scores[best] / total if total else 0.0
    return DocType(best), round(min(0.99, 0.4 + 0.6 * conf), 3), scores
