"""From positioned text to fields: issuer, type, issue date, holder name, address, references.

Works the same on text-layer and OCR segments (OCR may drop spaces, so labels are matched on
letters only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from anyascii import anyascii

from shared.poa import address as addr_mod
from shared.poa.classify import decide
from shared.poa.dates import DateHit, find_dates
from shared.poa.issuers import IssuerHit, find_issuer
from shared.poa.layout import Segment, group_blocks, group_rows, left_neighbor, right_neighbor
from shared.poa.names import looks_like_name, strip_honorific
from shared.poa.params import DocType

ISSUE_LABELS = [
    "billdate",
    "billingdate",
    "statementdate",
    "dateofissue",
    "issuedate",
    "issuedon",
    "invoicedate",
    "dateofbill",
    "letterdate",
    "noticedate",
    "dateofstatement",
    "date",
    "rechnungsdatum",
    "ausstellungsdatum",
    "belegdatum",
    "datum",
    "erstelltam",
    "bescheiddatum",
    "datedefacture",
    "datedemission",
    "datededition",
    "emisle",
    "editele",
    "datedufacture",
    "facturedu",
    "avisdu",
    "relevedu",
    "etablile",
    "fechadeemision",
    "fechadefactura",
    "fechaemision",
    "fecha",
    "factuurdatum",
    "dagtekening",
    "dataemissione",
    "datadiemissione",
    "datadeemissao",
    "dated",
    "statementperiodending",
]
NEGATIVE_LABELS = [
    "due",
    "payby",
    "paymentdue",
    "duedate",
    "payable",
    "faellig",
    "fallig",
    "zahlbar",
    "abbuchung",
    "payeravant",
    "echeance",
    "prelevement",
    "vencimiento",
    "fechadecargo",
    "cargo",
    "vervaldatum",
    "uiterlijk",
    "period",
    "zeitraum",
    "periode",
    "periodo",
    "reading",
    "ablesung",
    "lecture",
    "lectura",
    "meterstand",
    "from",
    "since",
    "birth",
    "geburt",
    "naissance",
    "nacimiento",
    "geboorte",
    "valid",
    "gultig",
    "expires",
    "start",
    "beginn",
    "debut",
    "inicio",
    "ingangsdatum",
    "contractsince",
    "next",
    "nachste",
    "prochain",
    # payment deadlines in other words: "Date limite de paiement", "À payer avant le",
    # "Fecha límite de pago", "Zahlungsziel", "Please pay by", "Direct debit on"
    "limite",
    "apayer",
    "payerle",
    "aregler",
    "zahlungsziel",
    "spatestens",
    "einzug",
    "fechadepago",
    "pagarantes",
    "incasso",
    "betalen",
    "directdebit",
    "deadline",
    "collectedon",
]
HOLDER_LABELS = [
    "accountholder",
    "accountname",
    "customername",
    "nameofaccountholder",
    "kontoinhaber",
    "inhaber",
    "titulaire",
    "titulairedecompte",
    "titulairedesuscompte",
    "titular",
    "rekeninghouder",
    "tenaamstelling",
    "policyholder",
    "versicherungsnehmer",
    "souscripteur",
    "tomador",
    "verzekerde",
    "customer",
    "kunde",
    "name",
    "nom",
    "nombre",
    "naam",
]
ACCOUNT_LABELS = [
    "accountnumber",
    "accountno",
    "customernumber",
    "customerno",
    "reference",
    "policynumber",
    "policyno",
    "kundennummer",
    "vertragskonto",
    "vertragsnummer",
    "kontonummer",
    "versicherungsnummer",
    "nclient",
    "referenceclient",
    "ndecontrat",
    "numerodecontrat",
    "ncompte",
    "numerodecompte",
    "ndecliente",
    "ndecontrato",
    "referencia",
    "numerodecliente",
    "klantnummer",
    "contractnummer",
    "referentie",
    "polisnummer",
    "rekeningnummer",
    "sortcode",
    "utr",
    "steuernummer",
    "nif",
    "accountref",
    "meternumber",
]
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?)\b")
_REF_VALUE = re.compile(r"[A-Z0-9][A-Z0-9 ./-]{4,30}[A-Z0-9]", re.I)
_ISSUER_ADDRESS = re.compile(
    r"\b(po box|p o box|postfach|postbus|tsa \d|cedex|apartado|"
    r"bp \d|cs \d)\b",
    re.I,
)
_LANG_HINTS = {
    "DE": ["rechnung", "kundennummer", "datum", "strasse", "betrag", "gesamtbetrag", "ihre"],
    "FR": ["facture", "montant", "client", "rue", "votre", "date de", "periode"],
    "ES": ["factura", "fecha", "cliente", "calle", "importe", "total a pagar", "su "],
    "NL": ["factuur", "klantnummer", "datum", "uw ", "bedrag", "periode", "straat"],
}


def compact(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", anyascii(s).lower())


@dataclass
class Field:
    value: object
    confidence: float
    evidence: str = ""
    source: str = ""

    def dump(self) -> dict[str, object]:
        v = self.value.isoformat() if isinstance(self.value, date) else self.value
        return {
            "value": v,
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence,
            "source": self.source,
        }


@dataclass
class Extraction:
    doc_type: Field
    issuer: IssuerHit
    issue_date: Field | None
    holder_name: Field | None
    address: addr_mod.Address | None
    address_conf: float
    account_refs: list[dict[str, str]]
    country: str
    dates_seen: list[dict[str, object]] = field(default_factory=list)
    name_segments: list[Segment] = field(default_factory=list)
    key_segments: dict[str, list[Segment]] = field(default_factory=dict)


def _country_guess(text: str, address: addr_mod.Address | None, hint: str | None) -> str:
    if hint:
        return hint
    if address and address.country:
        return address.country
    t = anyascii(text).lower()
    if "$" in text or re.search(r"\b[A-Z]{2} \d{5}\b", text):
        return "US"
    if "£" in text:
        return "UK"
    best, best_n = "", 0
    for c, words in _LANG_HINTS.items():
        n = sum(t.count(w) for w in words)
        if n > best_n:
            best, best_n = c, n
    return best


def _address_candidates(segments: list[Segment], hint: str | None):
    blocks = group_blocks(segments)
    for block in blocks:
        lines = [s.text for s in block]
        # every window that ends on a postcode line
        for end in range(len(lines)):
            if not addr_mod.match_postcode_line(lines[end], hint):
                continue
            for start in range(max(0, end - 4), end):
                a = addr_mod.parse_lines(lines[start : end + 1], hint)
                if a:
                    yield a, block, start, end
                    break


def _score_address(a: addr_mod.Address, block: list[Segment], start: int) -> float:
    first = block[start]
    s = 0.5
    if first.page == 0:
        s += 0.2
    if 0.08 < first.y0 < 0.45:
        s += 0.2
    if first.x0 < 0.5:
        s += 0.1
    if any(_ISSUER_ADDRESS.search(anyascii(x.text)) for x in block):
        s -= 0.6
    if first.y0 > 0.85:
        s -= 0.4
    above = _line_above(block, a)
    if above is not None and looks_like_name(above.text):
        s += 0.3
    return s


def _line_above(block: list[Segment], a: addr_mod.Address) -> Segment | None:
    texts = [s.text for s in block]
    first = a.lines[0] if a.lines else ""
    for i, t in enumerate(texts):
        if addr_mod._clean(t) == first:
            if i > 0:
                return block[i - 1]
            return None
    return None


def _issue_date(rows, segments: list[Segment], country: str, today: date | None):
    """Score every date by its label: issue labels up, due/period labels down."""
    cands: list[tuple[float, DateHit, Segment, str]] = []
    for row in rows:
        segs = row.segments
        for _i, seg in enumerate(segs):
            hits = find_dates(seg.text, country)
            if not hits:
                continue
            for h in hits:
                norm = anyascii(seg.text).lower()
                before = compact(norm[: h.start])
                # label to the left in the same row, or on the line above in the same column
                if not before:
                    ln = left_neighbor(seg, segments)
                    if ln is not None:
                        before = compact(ln.text)
                if not before:
                    above = [
                        s
                        for s in segments
                        if s.page == seg.page
                        and 0 < seg.y0 - s.y1 < 1.5 * seg.h
                        and abs(s.x0 - seg.x0) < 0.05
                    ]
                    if above:
                        before = compact(above[-1].text)
                label = before[-40:]
                score = 0.0
                if any(label.endswith(lb) or lb in label[-25:] for lb in ISSUE_LABELS):
                    score += 3.0
                if any(lb in label for lb in NEGATIVE_LABELS):
                    score -= 4.0
                after = compact(anyascii(seg.text).lower()[h.end : h.end + 6])
                rng_dash = re.match(
                    r"^\s*(-|–|to|bis|au|al|tot|a)\s", anyascii(seg.text).lower()[h.end :] + " "
                )
                if rng_dash or len(hits) > 1:
                    score -= 2.0  # part of a period "1 Mar - 31 Mar"
                if seg.page == 0 and seg.y0 < 0.4:
                    score += 0.8
                if h.partial:
                    score -= 1.5
                if h.ambiguous:
                    score -= 0.1
                if today and (h.value - today).days > 1:
                    score -= 1.0  # a future date is usually a due date
                _ = after
                cands.append((score, h, seg, label))
    if not cands:
        return None, [], None
    cands.sort(key=lambda c: (-c[0], c[2].page, c[2].y0))
    best = cands[0]
    conf = 0.9 if best[0] >= 3 else 0.6 if best[0] >= 0.5 else 0.35
    if best[1].ambiguous:
        conf -= 0.15
    seen = [
        {"date": c[1].value.isoformat(), "text": c[1].text, "score": round(c[0], 2)}
        for c in cands[:8]
    ]
    return Field(best[1].value, conf * best[2].conf, best[2].text, best[2].source), seen, best[2]


def _holder_from_label(rows, segments: list[Segment]) -> tuple[str, Segment] | None:
    for row in rows:
        for seg in row.segments:
            norm = anyascii(seg.text)
            m = re.match(r"^\s*([^:]{3,40}):\s*(.+)$", norm)
            if m:
                label, value = compact(m.group(1)), seg.text.split(":", 1)[1].strip()
            else:
                nb = right_neighbor(seg, segments)
                label, value = compact(norm), nb.text if nb is not None else ""
            if label in HOLDER_LABELS and value and looks_like_name(value):
                return strip_honorific(value), seg
    return None


def _account_refs(rows, text: str, segments: list[Segment]) -> list[dict[str, str]]:
    refs: list[dict[str, str]] = []
    seen: set[str] = set()
    for m in _IBAN.finditer(text.upper()):
        raw = m.group(1).replace(" ", "")
        if _iban_ok(raw) and raw not in seen:
            seen.add(raw)
            refs.append({"kind": "iban", "value": raw})
    for row in rows:
        for _i, seg in enumerate(row.segments):
            parts = seg.text.split(":", 1)
            label = re.sub(r"^(no|nr|ndeg|num|n)(?=[a-z]{3})", "n", compact(parts[0]))
            value = parts[1].strip() if len(parts) == 2 else ""
            if not value:
                nb = right_neighbor(seg, segments)
                value = nb.text if nb is not None else ""
            if not value or not any(label.endswith(lb) for lb in ACCOUNT_LABELS):
                continue
            m = _REF_VALUE.search(value)
            if m and re.search(r"\d{3}", m.group(0)):
                v = m.group(0).strip()
                key = v.replace(" ", "")
                if key not in seen and not _IBAN.fullmatch(v.upper()):
                    seen.add(key)
                    refs.append({"kind": label[:40], "value": v})
    return refs


def _iban_ok(iban: str) -> bool:
    if not 15 <= len(iban) <= 34:
        return False
    r = iban[4:] + iban[:4]
    try:
        return int("".join(str(int(c, 36)) for c in r)) % 97 == 1
    except ValueError:
        return False


def _title(segments: list[Segment]) -> str:
    """The big print of the first page (issuer name, document title)."""
    first = [s for s in segments if s.page == 0 and s.h > 0]
    if len(first) < 3:
        return ""
    heights = sorted(s.h for s in first)
    median = heights[len(heights) // 2]
    return "\n".join(s.text for s in first if s.h >= 1.35 * median)


def extract(
    segments: list[Segment],
    today: date | None = None,
    hint: str | None = None,
    extra_issuers: list[str] | None = None,
) -> Extraction:
    rows = group_rows(segments)
    text = "\n".join(r.text for r in rows)
    issuer = find_issuer(segments, extra_issuers)
    prelim = _country_guess(text, None, hint or (issuer.country or None))
    # address: the best-scoring block on the first pages
    best = None
    for a, block, start, _end in _address_candidates(segments, prelim or None):
        sc = _score_address(a, block, start)
        if best is None or sc > best[0]:
            best = (sc, a, block, start)
    address = best[1] if best else None
    country = _country_guess(text, address, hint or (issuer.country or None))
    if address and not address.country:
        address.country = country
    address_conf = 0.0
    name_field = None
    name_segments: list[Segment] = []
    key: dict[str, list[Segment]] = {}
    if best:
        sc, a, block, start = best
        lines_segs = [s for s in block if addr_mod._clean(s.text) in a.lines]
        key["address"] = lines_segs
        conf_ocr = min(s.conf for s in lines_segs) if lines_segs else 1.0
        address_conf = max(0.0, min(0.99, sc / 1.3)) * conf_ocr
        above = _line_above(block, a)
        if above is not None and looks_like_name(above.text):
            name_field = Field(
                strip_honorific(above.text), 0.85 * above.conf, above.text, above.source
            )
            name_segments = [above]
    labelled = _holder_from_label(rows, segments)
    if labelled and (name_field is None):
        name_field = Field(
            labelled[0], 0.75 * labelled[1].conf, labelled[1].text, labelled[1].source
        )
        name_segments = [labelled[1]]
    if labelled:
        name_segments = name_segments + [labelled[1]]
    key["name"] = name_segments
    res = _issue_date(rows, segments, country, today)
    issue, seen = res[0], res[1]
    if issue is not None:
        key["date"] = [res[2]]
    typed = decide(text, issuer.doc_type, _title(segments))
    return Extraction(
        doc_type=Field(
            typed.doc_type.value,
            typed.confidence,
            typed.explain(),
            "wording" if typed.explain() else "issuer" if typed.doc_type.value != "other" else "",
        ),
        issuer=issuer,
        issue_date=issue,
        holder_name=name_field,
        address=address,
        address_conf=address_conf,
        account_refs=_account_refs(rows, text, segments),
        country=country,
        dates_seen=seen,
        name_segments=name_segments,
        key_segments=key,
    )


__all__ = ["DocType", "Extraction", "Field", "extract"]
