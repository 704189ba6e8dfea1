"""ASN.1 structures of ICAO 9303 Part 10/11 and BSI TR-03110 not known to asn1crypto."""

from __future__ import annotations

from asn1crypto import algos, core, x509

# id-icao-mrtd-security (2.23.136.1.1)
OID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
OID_CSCA_MASTER_LIST = "2.23.136.1.1.2"
OID_AA_PROTOCOL = "2.23.136.1.1.5"

# BSI TR-03111 ecdsa-plain-signatures (0.4.0.127.0.7.1.1.4.1.x)
ECDSA_PLAIN_HASHES = {
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}
# X9.62 ecdsa-with-SHAxxx: some chips name these in DG14 although AA signatures are plain.
ECDSA_X962_HASHES = {
    "1.2.840.10045.4.1": "sha1",
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
# A few well-known DG14 protocol prefixes, for a readable summary.
PROTOCOL_NAMES = {
    "2.23.136.1.1.5": "active_authentication",
    "0.4.0.127.0.7.2.2.3": "chip_authentication",
    "0.4.0.127.0.7.2.2.1": "chip_authentication_public_key",
    "0.4.0.127.0.7.2.2.4": "pace",
    "0.4.0.127.0.7.2.2.2": "terminal_authentication",
    "0.4.0.127.0.7.2.2.6": "card_info",
    "2.23.136.1.1.6": "lds_security_object_v1_1",
}


class DataGroupHash(core.Sequence):
    _fields = [
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashes(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    _fields = [
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LdsSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashes),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


class SecurityInfo(core.Sequence):
    _fields = [
        ("protocol", core.ObjectIdentifier),
        ("required_data", core.Any),
        ("optional_data", core.Any, {"optional": True}),
    ]


class SecurityInfos(core.SetOf):
    _child_spec = SecurityInfo


class CertificateSet(core.SetOf):
    _child_spec = x509.Certificate


class CscaMasterList(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("cert_list", CertificateSet),
    ]


class EcdsaSigValue(core.Sequence):
    _fields = [("r", core.Integer), ("s", core.Integer)]
