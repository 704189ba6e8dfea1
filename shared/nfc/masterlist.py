"""ICAO CSCA master lists: a CMS SignedData (content type 2.23.136.1.1.2) signed by a
Master List Signer whose certificate is issued by a CSCA (usually one in the list)."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms, x509

from shared.nfc.asn1 import OID_CSCA_MASTER_LIST, CscaMasterList
from shared.nfc.cms_verify import CmsOutcome, verify_certificate, verify_signer_info
from shared.nfc.errors import MalformedFile, NfcError


@dataclass
class MasterList:
    certificates: list[x509.Certificate]
    signer: x509.Certificate | None
    cms: CmsOutcome | None
    signer_issuer: x509.Certificate | None  # the CSCA that issued the signer, if found

    @property
    def verified(self) -> bool:
        return self.cms is not None and self.cms.ok and self.signer_issuer is not None


def is_master_list(ci: cms.ContentInfo) -> bool:
    return (
        ci["content_type"].native == "signed_data"
        and ci["content"]["encap_content_info"]["content_type"].dotted == OID_CSCA_MASTER_LIST
    )


def parse_master_list(
    ci: cms.ContentInfo, extra_issuers: list[x509.Certificate] | None = None
) -> MasterList:
    try:
        sd: cms.SignedData = ci["content"]
        raw = sd["encap_content_info"]["content"].native
        ml = CscaMasterList.load(raw, strict=True)
        certs = list(ml["cert_list"])
        for c in certs:
            _ = c.subject.native
        signers = list(sd["signer_infos"])
        if len(signers) != 1:
            raise MalformedFile(f"master list has {len(signers)} signer infos, expected 1")
        si = signers[0]
        sid = si["sid"]
        signer = None
        for choice in sd["certificates"] or []:
            cert = choice.chosen
            if sid.name == "issuer_and_serial_number":
                if (
                    cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native
                ):
                    signer = cert
            elif cert.key_identifier == sid.chosen.native:
                signer = cert
        if signer is None:
            return MasterList(certs, None, None, None)
        outcome = verify_signer_info(si, signer, OID_CSCA_MASTER_LIST, raw)
        issuer = None
        for candidate in certs + list(extra_issuers or []):
            if candidate.subject != signer.issuer:
                continue
            try:
                if verify_certificate(signer, candidate):
                    issuer = candidate
                    break
            except NfcError:
                continue
        return MasterList(certs, signer, outcome, issuer)
    except NfcError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedFile(f"master list cannot be decoded: {exc}") from exc
