"""Passive Authentication (ICAO 9303 Part 11, 5.1): is the chip data what the issuing
state signed?

SOD signature with the DSC it carries → signed attributes → every received data group's hash
→ DSC chained to a trusted CSCA (validity, key usage, CRL) → DG1 issuing state vs country.
EF.COM is unsigned: it is never used to decide which groups exist.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509

from shared.checks.result import CheckWarning, Severity
from shared.countries import to_alpha2
from shared.nfc import codes, signatures
from shared.nfc.asn1 import OID_LDS_SECURITY_OBJECT
from shared.nfc.cms_verify import verify_signer_info
from shared.nfc.errors import NfcError
from shared.nfc.sod import Sod
from shared.nfc.trust import TrustStore, cert_summary, crl_signed_by, is_csca, verify_chain


@dataclass
class PaOutcome:
    steps: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[CheckWarning] = field(default_factory=list)
    failed: bool = False
    verified_groups: set[str] = field(default_factory=set)  # hash matched the signed SOD
    dsc: dict[str, Any] | None = None
    csca: dict[str, Any] | None = None

    def step(self, name: str, outcome: str, detail: str = "", **extra: Any) -> None:
        self.steps.append({"step": name, "outcome": outcome, "detail": detail, **extra})

    def fail(self, name: str, code: str, message: str, **extra: Any) -> None:
        self.failed = True
        self.warnings.append(CheckWarning(code=code, severity=Severity.error, message=message))
        self.step(name, "failed", message, code=code, **extra)

    def warn(self, code: str, message: str, severity: Severity = Severity.warning) -> None:
        self.warnings.append(CheckWarning(code=code, severity=severity, message=message))


def _validity(cert: x509.Certificate) -> tuple[dt.datetime, dt.datetime]:
    v = cert["tbs_certificate"]["validity"]
    return v["not_before"].native, v["not_after"].native


def check_sod_signature(sod: Sod, out: PaOutcome) -> None:
    if sod.dsc is None:
        out.fail("sod_signature", codes.NFC_DSC_MISSING, "the SOD carries no signer certificate")
        return
    res = verify_signer_info(
        sod.signer_info, sod.dsc, OID_LDS_SECURITY_OBJECT, sod.encapsulated_content
    )
    algo = {"digest": res.digest_algorithm, "signature": res.signature_algorithm}
    if res.error is not None:
        out.fail("sod_signature", res.error.code, res.error.message, algorithms=algo)
        return
    if res.content_type_ok is False:
        out.fail(
            "sod_signature",
            codes.NFC_SOD_CONTENT_TYPE_INVALID,
            "signed content-type is not LDSSecurityObject",
        )
    if res.digest_ok is False:
        out.fail(
            "sod_signature",
            codes.NFC_SOD_DIGEST_MISMATCH,
            "signed message-digest does not match the LDSSecurityObject",
        )
    if not res.signature_ok:
        out.fail(
            "sod_signature",
            codes.NFC_SOD_SIGNATURE_INVALID,
            "the SOD signature does not verify with the DSC",
            algorithms=algo,
        )
    if res.ok:
        out.step("sod_signature", "passed", "signature and signed attributes verified", **algo)


def check_dg_hashes(sod: Sod, groups: dict[str, bytes], out: PaOutcome) -> None:
    per_group: dict[str, str] = {}
    mismatched, unsigned = [], []
    for name, raw in sorted(groups.items(), key=lambda kv: int(kv[0][2:])):
        number = int(name[2:])
        expected = sod.dg_hashes.get(number)
        if expected is None:
            unsigned.append(name)
            per_group[name] = "not_in_sod"
            continue
        try:
            actual = signatures.digest(sod.hash_algorithm, raw)
        except NfcError as exc:
            out.fail("dg_hashes", exc.code, exc.message)
            return
        if hmac.compare_digest(actual, expected):
            per_group[name] = "match"
            out.verified_groups.add(name)
        else:
            per_group[name] = "mismatch"
            mismatched.append(name)
    not_received = sorted(f"DG{n}" for n in sod.dg_hashes if f"DG{n}" not in groups)
    if mismatched:
        out.fail(
            "dg_hashes",
            codes.NFC_DG_HASH_MISMATCH,
            f"hash differs from the SOD for {', '.join(mismatched)}",
            groups=per_group,
        )
    if unsigned:
        out.fail(
            "dg_hashes",
            codes.NFC_DG_NOT_IN_SOD,
            f"not covered by the SOD (ignored): {', '.join(unsigned)}",
            groups=per_group,
        )
    if not mismatched and not unsigned:
        out.step(
            "dg_hashes",
            "passed",
            f"{len(per_group)} data groups match the SOD ({sod.hash_algorithm})",
            groups=per_group,
            signed_but_not_received=not_received,
        )


def check_chain(
    sod: Sod, store: TrustStore | None, now: dt.datetime, require_crl: bool, out: PaOutcome
) -> x509.Certificate | None:
    dsc = sod.dsc
    if dsc is None:
        return None
    try:
        out.dsc = cert_summary(dsc)
    except NfcError as exc:
        out.fail("csca_chain", exc.code, f"DSC: {exc.message}")
        return None
    if store is None or store.csca_count() == 0:
        out.warn(codes.NFC_TRUST_STORE_EMPTY, "no CSCA in the trust store", Severity.info)
        out.fail("csca_chain", codes.NFC_CSCA_UNTRUSTED, "trust store is empty")
        return None
    csca = verify_chain(dsc, store)
    if csca is None:
        out.fail(
            "csca_chain",
            codes.NFC_CSCA_UNTRUSTED,
            "the DSC is not signed by any trusted CSCA",
            dsc_issuer=dsc.issuer.human_friendly,
        )
        return None
    try:
        out.csca = cert_summary(csca)
    except NfcError:
        out.csca = {"subject": csca.subject.human_friendly}
    out.step(
        "csca_chain", "passed", "DSC signed by a trusted CSCA", csca=csca.subject.human_friendly
    )

    # Validity periods.
    dsc_from, dsc_to = _validity(dsc)
    ca_from, ca_to = _validity(csca)
    ok = True
    if not dsc_from <= now <= dsc_to:
        ok = False
        out.fail(
            "validity",
            codes.NFC_DSC_EXPIRED,
            f"DSC valid {dsc_from.date()}..{dsc_to.date()}, not on {now.date()}",
        )
    if not ca_from <= now <= ca_to or not ca_from <= dsc_from <= ca_to:
        ok = False
        out.fail(
            "validity",
            codes.NFC_CSCA_EXPIRED,
            f"CSCA valid {ca_from.date()}..{ca_to.date()}",
        )
    if ok:
        out.step("validity", "passed", "DSC and CSCA within their validity periods")

    # Key usage: the DSC signs documents, the CSCA signs certificates.
    usage = dsc.key_usage_value.native if dsc.key_usage_value is not None else set()
    if "digital_signature" not in usage or dsc.ca:
        out.fail(
            "key_usage", codes.NFC_DSC_KEY_USAGE_INVALID, "DSC lacks digitalSignature or is a CA"
        )
    elif not is_csca(csca):
        out.fail("key_usage", codes.NFC_DSC_KEY_USAGE_INVALID, "CSCA is not a CA with keyCertSign")
    else:
        out.step("key_usage", "passed", "DSC digitalSignature, CSCA keyCertSign")

    # Revocation: the CRLs the CSCA itself signed.
    crls = [c for c in store.crls(csca.subject) if crl_signed_by(c, csca)]
    if not crls:
        if require_crl:
            out.fail("revocation", codes.NFC_CRL_UNAVAILABLE, "no CRL of this CSCA is trusted")
        else:
            out.warn(
                codes.NFC_CRL_UNAVAILABLE,
                "no CRL of this CSCA; revocation not checked",
                Severity.info,
            )
            out.step("revocation", "skipped", "no CRL of this CSCA in the trust store")
        return csca
    # Revocation is sticky: a serial on any CRL this CSCA signed counts, not only the newest.
    newest = max(crls, key=lambda c: c["tbs_cert_list"]["this_update"].native)
    tbs = newest["tbs_cert_list"]
    revoked = {
        r["user_certificate"].native
        for c in crls
        for r in c["tbs_cert_list"]["revoked_certificates"] or []
    }
    if dsc.serial_number in revoked:
        out.fail("revocation", codes.NFC_DSC_REVOKED, "the DSC is on its CSCA's CRL")
        return csca
    next_update = tbs["next_update"].native
    if next_update is not None and next_update < now:
        out.warn(codes.NFC_CRL_OUTDATED, f"newest CRL expired on {next_update.date()}")
    out.step(
        "revocation",
        "passed",
        "DSC not on the CSCA's CRL",
        crl_this_update=tbs["this_update"].native.isoformat(),
    )
    return csca


def check_country(
    issuing_state: str, csca: x509.Certificate | None, sod: Sod, out: PaOutcome
) -> None:
    expected = to_alpha2(issuing_state)
    if expected is None:
        out.step("country", "skipped", f"issuing state {issuing_state!r} has no ISO country")
        return
    found = {}
    if sod.dsc is not None:
        found["dsc"] = sod.dsc.subject.native.get("country_name")
    if csca is not None:
        found["csca"] = csca.subject.native.get("country_name")
    bad = {k: v for k, v in found.items() if v is not None and v.upper() != expected}
    if bad:
        out.fail(
            "country",
            codes.NFC_COUNTRY_MISMATCH,
            f"DG1 issuing state {issuing_state} ({expected}) but certificate country "
            + ", ".join(f"{k}={v}" for k, v in bad.items()),
        )
    else:
        out.step("country", "passed", f"{issuing_state} matches the certificates ({expected})")


def passive_authentication(
    sod: Sod,
    groups: dict[str, bytes],
    issuing_state: str | None,
    store: TrustStore | None,
    now: dt.datetime,
    *,
    require_crl: bool = False,
    check_country_rule: bool = True,
) -> PaOutcome:
    out = PaOutcome()
    check_sod_signature(sod, out)
    check_dg_hashes(sod, groups, out)
    csca = check_chain(sod, store, now, require_crl, out)
    if check_country_rule and issuing_state:
        check_country(issuing_state, csca, sod, out)
    return out
