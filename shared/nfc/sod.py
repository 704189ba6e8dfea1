"""EF.SOD: a CMS SignedData (tag 77) whose content is the LDSSecurityObject."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms, x509

from shared.nfc import tlv
from shared.nfc.asn1 import OID_LDS_SECURITY_OBJECT, LdsSecurityObject
from shared.nfc.errors import MalformedFile


@dataclass
class Sod:
    signed_data: cms.SignedData
    signer_info: cms.SignerInfo
    dsc: x509.Certificate | None
    encapsulated_content_type: str
    encapsulated_content: bytes  # the DER of the LDSSecurityObject, as signed
    lds: LdsSecurityObject
    hash_algorithm: str
    dg_hashes: dict[int, bytes]


def _find_signer_cert(sd: cms.SignedData, si: cms.SignerInfo) -> x509.Certificate | None:
    sid = si["sid"]
    certs = [c.chosen for c in sd["certificates"] or [] if c.name == "certificate"]
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.issuer == ias["issuer"] and cert.serial_number == ias["serial_number"].native:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    return None


def parse_sod(data: bytes) -> Sod:
    outer = tlv.parse_file(data, 0x77)
    try:
        ci = cms.ContentInfo.load(outer.value, strict=True)
        if ci["content_type"].native != "signed_data":
            raise MalformedFile("EF.SOD does not hold a CMS SignedData")
        sd: cms.SignedData = ci["content"]
        infos = list(sd["signer_infos"])
        if len(infos) != 1:
            raise MalformedFile(f"EF.SOD has {len(infos)} signer infos, expected 1")
        si = infos[0]
        eci = sd["encap_content_info"]
        content_type = eci["content_type"].dotted
        content = eci["content"]
        if content.native is None:
            raise MalformedFile("EF.SOD has no encapsulated LDSSecurityObject")
        raw = content.native if isinstance(content.native, bytes) else content.contents
        if content_type != OID_LDS_SECURITY_OBJECT:
            raise MalformedFile(f"EF.SOD content type is {content_type}, not LDSSecurityObject")
        lds = LdsSecurityObject.load(raw, strict=True)
        hash_algorithm = lds["hash_algorithm"]["algorithm"].native
        dg_hashes: dict[int, bytes] = {}
        for item in lds["data_group_hash_values"]:
            number = item["data_group_number"].native
            if not 1 <= number <= 16 or number in dg_hashes:
                raise MalformedFile(f"LDSSecurityObject lists data group {number} wrongly")
            dg_hashes[number] = item["data_group_hash_value"].native
        dsc = _find_signer_cert(sd, si)
        # Touch the lazily parsed parts now, so malformed bytes surface here as one error.
        _ = si["signed_attrs"].native, si["signature"].native, si["digest_algorithm"].native
        if dsc is not None:
            _ = dsc.native
        return Sod(sd, si, dsc, content_type, raw, lds, hash_algorithm, dg_hashes)
    except MalformedFile:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedFile(f"EF.SOD cannot be decoded: {exc}") from exc
