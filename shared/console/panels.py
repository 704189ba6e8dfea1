"""What the case page shows of each check, shaped from the check results' stored `data`:
the document's fields side by side with their sources and check digits, cross-check
mismatches, proof of address (parsed fields, tamper evidence), the NFC chip (assurance,
portrait) and the liveness cues. Pure functions of the results (no database, no HTTP)."""

from __future__ import annotations

from typing import Any

from shared.documents.viz import FIELDS, compare

# check digit name (ICAO 9303) of each field
CHECK_DIGITS = {
    "document_number": "document_number",
    "date_of_birth": "date_of_birth",
    "expiry_date": "expiry_date",
}
# warning codes that say two sources (or the tenant's expectation) disagree
MISMATCH_CODES = frozenset(
    {
        "MRZ_AND_VIZ_MISMATCH",
        "BARCODE_AND_FRONT_MISMATCH",
        "DOCUMENT_SIDES_MISMATCH",
        "EXPECTED_NAME_MISMATCH",
        "EXPECTED_DOB_MISMATCH",
        "NFC_MRZ_MISMATCH",
        "NFC_FACE_MISMATCH",
        "POA_NAME_MISMATCH",
        "POA_ADDRESS_MISMATCH",
    }
)


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dict):
        v = v.get("value")
    return "" if v is None else str(v)


def field_comparison(doc: dict[str, Any], nfc: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per field: the value each source read (MRZ, visual zone, barcode, chip), the
    value kept, the field's check digit, and whether the sources disagree. `doc` and `nfc`:
    the `id_document` and `nfc` results' data."""
    if not doc and not nfc:
        return []
    mrz = doc.get("mrz") if isinstance(doc.get("mrz"), dict) else {}
    viz = doc.get("viz") if isinstance(doc.get("viz"), dict) else {}
    barcode = doc.get("barcode") if isinstance(doc.get("barcode"), dict) else {}
    kept = doc.get("fields") if isinstance(doc.get("fields"), dict) else {}
    chip = (nfc or {}).get("mrz") or {}
    digits = {cd.get("name"): cd for cd in (mrz.get("checks") or []) if isinstance(cd, dict)}
    rows = []
    for name in FIELDS:
        values = {
            "mrz": _text(mrz.get(name)),
            "viz": _text(viz.get(name)),
            "barcode": _text(barcode.get(name)),
            "chip": _text(chip.get(name)),
        }
        chosen = kept.get(name) if isinstance(kept.get(name), dict) else {}
        if not any(values.values()) and not chosen:
            continue
        cd = digits.get(CHECK_DIGITS.get(name, ""))
        disagree = _disagreement(name, values)
        rows.append(
            {
                "field": name,
                **values,
                "value": _text(chosen),
                "source": chosen.get("source", ""),
                "confidence": chosen.get("confidence"),
                "check_digit": cd,
                "mismatch": disagree,
            }
        )
    composite = digits.get("composite") or digits.get("final")
    if composite is not None:
        rows.append(
            {
                "field": "composite",
                "mrz": "",
                "viz": "",
                "barcode": "",
                "chip": "",
                "value": "",
                "source": "mrz",
                "confidence": None,
                "check_digit": composite,
                "mismatch": [],
            }
        )
    return rows


def _disagreement(name: str, values: dict[str, str]) -> list[str]:
    """The sources whose value disagrees with the MRZ (else the first source read)."""
    present = {k: v for k, v in values.items() if v}
    if len(present) < 2:
        return []
    ref_name = "mrz" if "mrz" in present else next(iter(present))
    ref = present[ref_name]
    out = []
    for src, v in present.items():
        if src == ref_name:
            continue
        a, b = (v, ref) if src == "viz" else (ref, v)
        if not compare(name, a, b):
            out.append(src)
    return [ref_name, *out] if out else []


def mismatches(checks: list[dict[str, Any]], comparison: list[dict[str, Any]]) -> list[dict]:
    """Every disagreement the checks reported (warning codes) and every field whose sources
    disagree, for the page's highlighted list."""
    out: list[dict[str, Any]] = []
    for c in checks:
        for w in c.get("warnings") or []:
            if w.get("code") in MISMATCH_CODES:
                out.append({"check": c["check"], "code": w["code"], "message": w.get("message")})
    for row in comparison:
        if row["mismatch"]:
            out.append(
                {
                    "check": "fields",
                    "code": row["field"],
                    "message": "differs between " + ", ".join(row["mismatch"]),
                }
            )
    return out


def poa_panel(c: dict[str, Any]) -> dict[str, Any]:
    data = c["data"] or {}
    doc = data.get("document") or {}
    address = doc.get("address") or {}
    tamper = data.get("tamper") or {}
    parsed = [
        ("Document type", _text(doc.get("type"))),
        ("Issuer", _text(doc.get("issuer"))),
        ("Issuer known", "yes" if (doc.get("issuer") or {}).get("known") else "no"),
        ("Issue date", _text(doc.get("issue_date"))),
        ("Holder name", _text(doc.get("holder_name"))),
        ("Country", _text(doc.get("country"))),
    ]
    addr = [
        (k.replace("_", " ").capitalize(), str(address.get(k) or ""))
        for k in ("house_number", "street", "unit", "postcode", "city", "state", "country")
        if address.get(k)
    ]
    return {
        "status": c["status"],
        "score": c["score"],
        "parsed": [(k, v) for k, v in parsed if v],
        "address": addr,
        "address_confidence": address.get("confidence"),
        "tamper_score": tamper.get("score"),
        "tamper_threshold": tamper.get("threshold"),
        "tamper_suspected": bool(tamper.get("suspected")),
        "signals": [s for s in tamper.get("signals") or [] if isinstance(s, dict)],
        "rules": [r for r in data.get("rules") or [] if isinstance(r, dict)],
        "reading": data.get("reading") or {},
        "warnings": c.get("warnings") or [],
    }


def nfc_panel(c: dict[str, Any], artifacts: list[dict[str, Any]]) -> dict[str, Any]:
    data = c["data"] or {}
    pa = data.get("passive_authentication") or {}
    aa = data.get("active_authentication") or {}
    fm = data.get("face_match") or {}
    portrait = next((a for a in artifacts if a.get("kind") == "nfc_dg2"), None)
    return {
        "status": c["status"],
        "assurance": data.get("assurance") or "unknown",
        "passive": pa.get("passed"),
        "passive_steps": pa.get("steps") or [],
        "active": aa.get("outcome") or "not_performed",
        "active_detail": aa.get("detail") or "",
        "signed_groups": (data.get("lds") or {}).get("signed_data_groups") or [],
        "dsc": data.get("dsc"),
        "csca": data.get("csca"),
        "face": data.get("face") or {},
        "face_similarity": fm.get("score"),
        "face_status": fm.get("status"),
        "mrz_match": data.get("mrz_match") or {},
        "portrait_artifact": str(portrait["id"]) if portrait else None,
        "not_evaluated": data.get("not_evaluated") or [],
        "warnings": c.get("warnings") or [],
    }


def liveness_panel(c: dict[str, Any]) -> dict[str, Any]:
    data = c["data"] or {}
    cues = data.get("cues") if isinstance(data.get("cues"), dict) else {}
    measured = data.get("cue_measurements")
    measured = measured if isinstance(measured, dict) else {}
    sources = data.get("cue_sources")
    sources = sources if isinstance(sources, dict) else {}
    rows = [
        {
            "cue": k,
            "contribution": v,
            "measured": measured.get(sources.get(k, k)),
            "attack_like": isinstance(v, int | float) and v > 0,
        }
        for k, v in sorted(cues.items(), key=lambda kv: -(kv[1] or 0))
    ]
    active = {
        k: data[k]
        for k in (
            "steps",
            "frames",
            "frames_with_face",
            "same_face_min_similarity",
            "selfie_similarity",
        )
        if k in data
    }
    return {
        "check": c["check"],
        "status": c["status"],
        "score": c["score"] if c["score"] is not None else data.get("score"),
        "attack_type": data.get("attack_type"),
        "threshold": data.get("threshold"),
        "cues": rows,
        "active": active,
        "not_evaluated": data.get("rules_not_evaluated") or [],
        "warnings": c.get("warnings") or [],
    }
