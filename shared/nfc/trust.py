"""The CSCA trust store: a port, the import logic, and its Postgres implementation.

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
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import psycopg
from asn1crypto import cms, crl, pem, x509
from psycopg.types.json import Jsonb

from shared.config import Settings
from shared.db.tenant_tx import Database
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


_TRUST_LOCK = 72_176_171  # one import at a time (advisory lock, transaction-scoped)


class PgTrustStore:
    """The trust store in Postgres (migration 0170): `nfc_trust_entries` (every certificate
    and CRL by the sha256 of its DER, re-checked when read), `nfc_trust_imports` (each import's
    provenance) and `nfc_trust_version`. The nfc function's role reads it; only the owner role
    writes it (`idmesh nfc trust import`, a Job on a cluster). Readers re-read the version at
    most every `refresh_seconds` and the entries only when it changed."""

    def __init__(self, url: str | None = None, refresh_seconds: float = 1.0) -> None:
        if url is None:
            from shared.db.function_role import process_database_url

            url = process_database_url(Settings.from_env())
        self.url = url
        self.refresh_seconds = refresh_seconds
        self.db = Database(url, min_size=1, max_size=2)
        self._lock = threading.Lock()
        self._loaded: int | None = None
        self._checked = 0.0
        self._by_subject: dict[bytes, list[x509.Certificate]] = {}
        self._crls: dict[bytes, list[crl.CertificateList]] = {}

    def close(self) -> None:
        self.db.close()

    def _reload(self) -> None:
        now = time.monotonic()
        if self._loaded is not None and now - self._checked < self.refresh_seconds:
            return
        with self._lock, self.db.no_tenant() as conn:
            version = conn.execute("SELECT version FROM nfc_trust_version").fetchone()["version"]
            if version != self._loaded:
                by_subject: dict[bytes, list[x509.Certificate]] = {}
                crls: dict[bytes, list[crl.CertificateList]] = {}
                for row in conn.execute(
                    "SELECT id, kind, der FROM nfc_trust_entries ORDER BY added_in_version, id"
                ):
                    der = bytes(row["der"])
                    if _sha256(der) != row["id"]:
                        log.error("trust store entry %s does not match its hash", row["id"])
                        continue
                    if row["kind"] == "csca":
                        cert = x509.Certificate.load(der)
                        by_subject.setdefault(cert.subject.hashable, []).append(cert)
                    else:
                        item = crl.CertificateList.load(der)
                        crls.setdefault(item.issuer.hashable, []).append(item)
                self._by_subject, self._crls, self._loaded = by_subject, crls, version
            self._checked = now

    # --- TrustStore port -------------------------------------------------------------------
    def version(self) -> str:
        self._reload()
        return str(self._loaded)

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
        with self.db.no_tenant() as conn:
            rows = conn.execute(
                "SELECT summary FROM nfc_trust_entries ORDER BY added_in_version, id"
            ).fetchall()
        return [r["summary"] for r in rows]

    def imports(self) -> list[dict[str, Any]]:
        with self.db.no_tenant() as conn:
            rows = conn.execute("SELECT record FROM nfc_trust_imports ORDER BY seq").fetchall()
        return [r["record"] for r in rows]

    def import_bytes(
        self, data: bytes, source: str, *, force: bool = False, now: dt.datetime | None = None
    ) -> dict[str, Any]:
        """Verify and add a trust file in one transaction (the owner role's connection);
        returns the import record (also kept in `nfc_trust_imports`)."""
        now = now or dt.datetime.now(dt.UTC)
        with psycopg.connect(self.url) as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_TRUST_LOCK,))
            current = con.execute("SELECT version FROM nfc_trust_version FOR UPDATE").fetchone()[0]
            existing = [
                x509.Certificate.load(bytes(der))
                for id_, der in con.execute(
                    "SELECT id, der FROM nfc_trust_entries WHERE kind = 'csca'"
                )
                if _sha256(bytes(der)) == id_
            ]
            prepared = prepare_import(data, existing, force=force)
            known = {r[0] for r in con.execute("SELECT id FROM nfc_trust_entries")}
            version = current + 1
            record: dict[str, Any] = {
                "version": version,
                "file": os.path.basename(source),
                "file_sha256": _sha256(data),
                "kind": prepared.kind,
                "imported_at": now.isoformat(),
                "forced": force,
                **prepared.provenance,
            }
            added, skipped = 0, 0
            items = [("csca", c, cert_summary(c)) for c in prepared.certificates] + [
                ("crl", c, crl_summary(c)) for c in prepared.crls
            ]
            for kind, item, summary in items:
                der = item.dump()
                digest = _sha256(der)
                if digest in known:
                    skipped += 1
                    continue
                entry = {
                    "id": digest,
                    "kind": kind,
                    "added_in_version": version,
                    "source": {"file": record["file"], "file_sha256": record["file_sha256"]},
                    **summary,
                }
                con.execute(
                    "INSERT INTO nfc_trust_entries (id, kind, der, added_in_version, summary) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    (digest, kind, der, version, Jsonb(entry)),
                )
                known.add(digest)
                added += 1
            record.update(
                {"added": added, "already_present": skipped, "rejected": prepared.rejected}
            )
            if added:
                con.execute("UPDATE nfc_trust_version SET version = %s", (version,))
            else:
                record["version"] = current
            con.execute(
                "INSERT INTO nfc_trust_imports (version, record) VALUES (%s, %s)",
                (record["version"], Jsonb(record)),
            )
        self._loaded = None
        return record


def trust_from_files(paths: list[str | Path], *, force: bool = False) -> MemoryTrustStore:
    """A trust store from files, verified exactly as an import (the offline `idmesh check
    nfc --trust FILE...`): master lists first, then certificates, then CRLs."""
    cscas: list[x509.Certificate] = []
    crls: list[crl.CertificateList] = []
    digests: list[str] = []
    for path in paths:
        data = Path(path).read_bytes()
        prepared = prepare_import(data, cscas, force=force)
        cscas += prepared.certificates
        crls += prepared.crls
        digests.append(_sha256(data)[:12])
    return MemoryTrustStore(cscas, crls, version="files:" + ",".join(digests))


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
    "MalformedFile",
    "MemoryTrustStore",
    "PgTrustStore",
    "PreparedImport",
    "TrustImportError",
    "TrustStore",
    "prepare_import",
    "trust_from_files",
    "verify_chain",
]
