"""Verifying one CMS SignerInfo (used for EF.SOD and for ICAO master lists)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import lru_cache

from asn1crypto import cms, x509

from shared.nfc import signatures
from shared.nfc.errors import MalformedFile, NfcError


@dataclass
class CmsOutcome:
    content_type_ok: bool | None  # None: no signed attributes
    digest_ok: bool | None
    signature_ok: bool
    digest_algorithm: str
    signature_algorithm: str
    error: NfcError | None = None

    @property
    def ok(self) -> bool:
        return (
            self.signature_ok and self.content_type_ok is not False and self.digest_ok is not False
        )


def _attr(si: cms.SignerInfo, name: str) -> list:
    for attr in si["signed_attrs"]:
        if attr["type"].native == name:
            return list(attr["values"])
    return []


def verify_signer_info(
    si: cms.SignerInfo, cert: x509.Certificate, content_type: str, content: bytes
) -> CmsOutcome:
    digest_algorithm = si["digest_algorithm"]["algorithm"].native
    sig_alg = si["signature_algorithm"]
    outcome = CmsOutcome(None, None, False, digest_algorithm, sig_alg["algorithm"].native)
    try:
        signed_attrs = si["signed_attrs"]
        if signed_attrs.native is not None and len(signed_attrs):
            types = _attr(si, "content_type")
            digests = _attr(si, "message_digest")
            outcome.content_type_ok = len(types) == 1 and types[0].dotted == content_type
            expected = signatures.digest(digest_algorithm, content)
            outcome.digest_ok = len(digests) == 1 and hmac.compare_digest(
                digests[0].native, expected
            )
            # The signature covers the DER of the attributes as a SET (tag 31), not [0].
            message = b"\x31" + signed_attrs.dump()[1:]
        else:
            message = content
        outcome.signature_ok = signatures.verify(
            cert.public_key, sig_alg, message, si["signature"].native, digest_algorithm
        )
    except NfcError as exc:
        outcome.error = exc
    except (ValueError, TypeError, KeyError) as exc:
        outcome.error = MalformedFile(f"signer info cannot be decoded: {exc}")
    return outcome


def verify_certificate(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True when `issuer`'s key verifies `cert`'s signature (names are checked by callers)."""
    return _verify_certificate_der(cert.dump(), issuer.dump())


@lru_cache(maxsize=1024)
def _verify_certificate_der(cert_der: bytes, issuer_der: bytes) -> bool:
    # A pure function of the two certificates: the same DSC/CSCA pair recurs on every chip of
    # that batch, so the answer is memoized (keyed by the full DER of both).
    cert = x509.Certificate.load(cert_der)
    issuer = x509.Certificate.load(issuer_der)
    return signatures.verify(
        issuer.public_key,
        cert["signature_algorithm"],
        cert["tbs_certificate"].dump(),
        cert["signature_value"].native,
    )
