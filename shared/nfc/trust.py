"""The CSCA trust store: a port, the import logic, and a file-backed implementation.

Trust material is platform data imported by the operator (idmesh ships no PKD data): CSCA
certificates (PEM/DER), CMS-signed ICAO master lists and CRLs. Every import is recorded with
its provenance (file name and hash, master list signer and whether it verified) and bumps the
store's version, which each check result quotes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from asn1crypto import cms, crl, pem, x509

from shared.config import Settings
from shared.nfc import signatures
from shared.nfc.cms_verify import verify_certificate
from shared.nfc.errors import MalformedFile, NfcError
from shared.nfc.masterlist import is_master_list, parse_master_list

log = logging.getLogger(__name__)


@runtime_checkable
class TrustStore(Protocol):
    """What Passive Authentication needs from the trust store."""

    def version(self) -> str: ...

    def csca_count(self) -> int: ...

    def anchors(self, subject: x509.Name) -> list[x509.Certificate]:
        """Trusted CSCA certificates (incl. link certificates) with this subject."""
        ...

    def crls(self, issuer: x509.Name) -> list[crl.CertificateList]:
        """CRLs issued under this name (signatures are checked again by the caller)."""
        ...


class TrustImportError(NfcError):
    def __init__(self, message: str) -> None:
        super().__init__("NFC_TRUST_IMPORT_REJECTED", message)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _utc(value: Any) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def cert_summary(cert: x509.Certificate) -> dict[str, Any]:
    validity = cert["tbs_certificate"]["validity"]
    return {
        "subject": cert.subject.human_friendly,
        "country": cert.subject.native.get("country_name"),
        "serial": format(cert.serial_number, "x"),
        "not_before": _utc(validity["not_before"].native),
        "not_after": _utc(validity["not_after"].native),
        "key": signatures.describe(cert.public_key),
        "self_signed": cert.self_signed != "no",
    }


def crl_summary(item: crl.CertificateList) -> dict[str, Any]:
    tbs = item["tbs_cert_list"]
    return {
        "issuer": item.issuer.human_friendly,
        "country": item.issuer.native.get("country_name"),
        "this_update": _utc(tbs["this_update"].native),
        "next_update": _utc(tbs["next_update"].native),
        "revoked": len(tbs["revoked_certificates"] or []),
    }


def is_csca(cert: x509.Certificate) -> bool:
    usage = cert.key_usage_value.native if cert.key_usage_value is not None else set()
    return bool(cert.ca) and "key_cert_sign" in usage


def crl_signed_by(item: crl.CertificateList, issuer: x509.Certificate) -> bool:
    if item.issuer != issuer.subject:
        return False
    return _crl_signed_by_der(item.dump(), issuer.dump())


@lru_cache(maxsize=1024)
def _crl_signed_by_der(crl_der: bytes, issuer_der: bytes) -> bool:
    item = crl.CertificateList.load(crl_der)
    issuer = x509.Certificate.load(issuer_der)
    try:
        return signatures.verify(
            issuer.public_key,
            item["signature_algorithm"],
            item["tbs_cert_list"].dump(),
            item["signature"].native,
        )
    except NfcError:
        return False


@dataclass
class PreparedImport:
    """What one file brings, verified against the current anchors, before it is stored."""

    kind: str  # csca / master_list / crl / bundle
    certificates: list[x509.Certificate] = field(default_factory=list)
    crls: list[crl.CertificateList] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)


def _der_items(data: bytes) -> list[tuple[str | None, bytes]]:
    if pem.detect(data):
        return [(name, der) for name, _headers, der in pem.unarmor(data, multiple=True)]
    return [(None, data)]


def prepare_import(
    data: bytes, existing: list[x509.Certificate], *, force: bool = False
) -> PreparedImport:
    """Classify and verify a trust file. Raises TrustImportError when nothing can be used."""
    out = PreparedImport(kind="bundle")
    kinds: set[str] = set()
    crl_candidates: list[crl.CertificateList] = []
    for pem_type, der in _der_items(data):
        item = _load_any(der, pem_type)
        if isinstance(item, x509.Certificate):
            kinds.add("csca")
            if is_csca(item) or force:
                out.certificates.append(item)
            else:
                out.rejected.append(f"{item.subject.human_friendly}: not a CA with keyCertSign")
        elif isinstance(item, crl.CertificateList):
            kinds.add("crl")
            crl_candidates.append(item)
        else:
            kinds.add("master_list")
            ml = parse_master_list(item, existing)
            prov = {
                "signer": ml.signer.subject.human_friendly if ml.signer else None,
                "signer_country": ml.signer.subject.native.get("country_name")
                if ml.signer
                else None,
                "signature_valid": bool(ml.cms and ml.cms.ok),
                "signer_chained_to": ml.signer_issuer.subject.human_friendly
                if ml.signer_issuer
                else None,
                "certificates_in_list": len(ml.certificates),
            }
            out.provenance["master_list"] = prov
            if not ml.verified and not force:
                raise TrustImportError(
                    "master list signature or signer chain does not verify "
                    f"({json.dumps(prov)}); use --force to import it anyway"
                )
            for cert in ml.certificates:
                if is_csca(cert) or force:
                    out.certificates.append(cert)
                else:
                    out.rejected.append(f"{cert.subject.human_friendly}: not a CSCA")
    issuers = existing + out.certificates
    for item in crl_candidates:
        if any(crl_signed_by(item, c) for c in issuers) or force:
            out.crls.append(item)
        else:
            out.rejected.append(
                f"CRL of {item.issuer.human_friendly}: no trusted CSCA verifies it "
                "(import the CSCA first)"
            )
    out.kind = kinds.pop() if len(kinds) == 1 else "bundle"
    if not out.certificates and not out.crls:
        raise TrustImportError("nothing importable: " + "; ".join(out.rejected or ["empty"]))
    return out


def _load_any(der: bytes, pem_type: str | None) -> Any:
    loaders: list[Any]
    if pem_type in ("CERTIFICATE", "TRUSTED CERTIFICATE"):
        loaders = [x509.Certificate]
    elif pem_type in ("X509 CRL",):
        loaders = [crl.CertificateList]
    elif pem_type in ("CMS", "PKCS7"):
        loaders = [cms.ContentInfo]
    else:
        loaders = [cms.ContentInfo, x509.Certificate, crl.CertificateList]
    for loader in loaders:
        try:
            item = loader.load(der, strict=True)
            if loader is cms.ContentInfo:
                if not is_master_list(item):
                    continue
            else:
                _ = item.native  # force a full parse
            return item
        except (ValueError, TypeError, KeyError):
            continue
    raise TrustImportError("not a certificate, a CRL or an ICAO master list (PEM or DER)")


def default_root() -> Path:
    return Path(Settings.from_env().data_dir) / "nfc"


class FileTrustStore:
    """A trust store in a directory: `certs/*.der`, `crls/*.der` and `manifest.json`."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self._lock = threading.Lock()
        self._loaded_mtime: float | None = None
        self._manifest: dict[str, Any] = {"version": 0, "entries": [], "imports": []}
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        self._crls: dict[bytes, list[crl.CertificateList]] = {}

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def _reload(self) -> None:
        path = self.manifest_path
        mtime = path.stat().st_mtime if path.exists() else None
        if mtime == self._loaded_mtime:
            return
        with self._lock:
            manifest = (
                json.loads(path.read_text())
                if path.exists()
                else {"version": 0, "entries": [], "imports": []}
            )
            by_subject: dict[bytes, list[x509.Certificate]] = {}
            crls: dict[bytes, list[crl.CertificateList]] = {}
            for entry in manifest["entries"]:
                der = (self.root / entry["file"]).read_bytes()
                if _sha256(der) != entry["id"]:
                    log.error("trust store file %s does not match its hash", entry["file"])
                    continue
                if entry["kind"] == "csca":
                    cert = x509.Certificate.load(der)
                    by_subject.setdefault(cert.subject.hashable, []).append(cert)
                else:
                    item = crl.CertificateList.load(der)
                    crls.setdefault(item.issuer.hashable, []).append(item)
            self._manifest, self._by_subject, self._crls = manifest, by_subject, crls
            self._loaded_mtime = mtime

    # --- TrustStore port -------------------------------------------------------------------
    def version(self) -> str:
        self._reload()
        return str(self._manifest["version"])

    def csca_count(self) -> int:
        self._reload()
        return sum(len(v) for v in self._by_subject.values())

    def anchors(self, subject: x509.Name) -> list[x509.Certificate]:
        self._reload()
        return list(self._by_subject.get(subject.hashable, []))

    def crls(self, issuer: x509.Name) -> list[crl.CertificateList]:
        self._reload()
        return list(self._crls.get(issuer.hashable, []))

    # --- administration --------------------------------------------------------------------
    def all_certificates(self) -> list[x509.Certificate]:
        self._reload()
        return [c for certs in self._by_subject.values() for c in certs]

    def entries(self) -> list[dict[str, Any]]:
        self._reload()
        return list(self._manifest["entries"])

    def imports(self) -> list[dict[str, Any]]:
        self._reload()
        return list(self._manifest["imports"])

    def import_bytes(
        self, data: bytes, source: str, *, force: bool = False, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """Verify and add a trust file; returns the import record (also kept in the manifest)."""
        now = now or dt.datetime.now(dt.UTC)
        prepared = prepare_import(data, self.all_certificates(), force=force)
        manifest = json.loads(json.dumps(self._manifest))
        known = {e["id"] for e in manifest["entries"]}
        version = manifest["version"] + 1
        added, skipped = 0, 0
        (self.root / "certs").mkdir(parents=True, exist_ok=True)
        (self.root / "crls").mkdir(parents=True, exist_ok=True)
        record = {
            "version": version,
            "file": os.path.basename(source),
            "file_sha256": _sha256(data),
            "kind": prepared.kind,
            "imported_at": now.isoformat(),
            "forced": force,
            **prepared.provenance,
        }
        items = [("csca", c, cert_summary(c)) for c in prepared.certificates] + [
            ("crl", c, crl_summary(c)) for c in prepared.crls
        ]
        for kind, item, summary in items:
            der = item.dump()
            digest = _sha256(der)
            if digest in known:
                skipped += 1
                continue
            rel = f"{'certs' if kind == 'csca' else 'crls'}/{digest}.der"
            (self.root / rel).write_bytes(der)
            manifest["entries"].append(
                {
                    "id": digest,
                    "kind": kind,
                    "file": rel,
                    "added_in_version": version,
                    "source": {"file": record["file"], "file_sha256": record["file_sha256"]},
                    **summary,
                }
            )
            known.add(digest)
            added += 1
        record.update({"added": added, "already_present": skipped, "rejected": prepared.rejected})
        if added:
            manifest["version"] = version
        else:
            record["version"] = manifest["version"]
        manifest["imports"].append(record)
        self._write_manifest(manifest)
        return record

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".manifest.")
        with os.fdopen(fd, "w") as fh:
            json.dump(manifest, fh, indent=2)
        os.replace(tmp, self.manifest_path)
        self._loaded_mtime = None
        self._reload()


class MemoryTrustStore:
    """An in-memory trust store (tests, benches, or a caller holding its own anchors)."""

    def __init__(
        self,
        cscas: list[x509.Certificate] | None = None,
        crls: list[crl.CertificateList] | None = None,
        version: str = "memory",
    ) -> None:
        self._version = version
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        self._crls: dict[bytes, list[crl.CertificateList]] = {}
        # Re-load from DER: objects built in memory re-encode themselves on every dump().
        for cert in cscas or []:
            cert = x509.Certificate.load(cert.dump())
            self._by_subject.setdefault(cert.subject.hashable, []).append(cert)
        for item in crls or []:
            item = crl.CertificateList.load(item.dump())
            self._crls.setdefault(item.issuer.hashable, []).append(item)

    def version(self) -> str:
        return self._version

    def csca_count(self) -> int:
        return sum(len(v) for v in self._by_subject.values())

    def anchors(self, subject: x509.Name) -> list[x509.Certificate]:
        return list(self._by_subject.get(subject.hashable, []))

    def crls(self, issuer: x509.Name) -> list[crl.CertificateList]:
        return list(self._crls.get(issuer.hashable, []))


def verify_chain(dsc: x509.Certificate, store: TrustStore) -> x509.Certificate | None:
    """The trusted CSCA whose key verifies the DSC, or None."""
    candidates = store.anchors(dsc.issuer)
    aki = dsc.authority_key_identifier
    candidates.sort(key=lambda c: 0 if aki is not None and c.key_identifier == aki else 1)
    for csca in candidates:
        try:
            if verify_certificate(dsc, csca):
                return csca
        except NfcError:
            continue
    return None


__all__ = [
    "FileTrustStore",
    "MalformedFile",
    "MemoryTrustStore",
    "PreparedImport",
    "TrustImportError",
    "TrustStore",
    "prepare_import",
    "verify_chain",
]
