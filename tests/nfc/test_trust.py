"""Trust store in Postgres: imports (CSCA, master list, CRL) with verification, versions,
provenance; written by the owner role only, read by the nfc function's."""

from __future__ import annotations

import psycopg
import pytest
from asn1crypto import pem

from shared.checks.result import CheckStatus
from shared.nfc import codes
from shared.nfc.check import NfcParams, run_nfc
from shared.nfc.trust import PgTrustStore, TrustImportError, TrustStore
from tests.conftest import assert_refused
from tests.nfc import generator as g


@pytest.fixture()
def store(pg):
    """The trust store emptied, as the owner role (the operator's import)."""
    with psycopg.connect(pg.urls.owner, autocommit=True) as con:
        con.execute("DELETE FROM nfc_trust_entries")
        con.execute("DELETE FROM nfc_trust_imports")
        con.execute("UPDATE nfc_trust_version SET version = 0")
    s = PgTrustStore(pg.urls.owner, refresh_seconds=0)
    yield s
    s.close()


def test_the_nfc_role_reads_the_store_and_cannot_write_it(store, pg, rsa_chip):
    store.import_bytes(rsa_chip.pki.csca.dump(), "csca.der")
    reader = PgTrustStore(pg.urls.functions["nfc"], refresh_seconds=0)
    try:
        assert reader.version() == "1" and reader.csca_count() == 1
    finally:
        reader.close()
    assert_refused(
        pg,
        ("nfc", "api", "aml"),
        (
            "UPDATE nfc_trust_version SET version = 9",
            "DELETE FROM nfc_trust_entries",
            "INSERT INTO nfc_trust_imports (version, record) VALUES (1, '{}')",
        ),
    )


def test_master_list_then_crl_then_check(store, rsa_chip):
    other = g.cached_pki("ecdsa", "FR")
    ml, _ = g.master_list([rsa_chip.pki, other])
    assert isinstance(store, TrustStore)
    assert store.version() == "0" and store.csca_count() == 0
    rec = store.import_bytes(ml, "/some/where/icao.ml")
    assert rec["kind"] == "master_list" and rec["added"] == 2 and rec["version"] == 1
    assert rec["master_list"]["signature_valid"] is True
    assert rec["master_list"]["signer"].startswith("Common Name: Master List Signer")
    assert rec["master_list"]["signer_chained_to"] == rsa_chip.pki.csca.subject.human_friendly
    assert rec["file"] == "icao.ml" and len(rec["file_sha256"]) == 64
    rec = store.import_bytes(rsa_chip.pki.crl.dump(), "de.crl")
    assert rec["kind"] == "crl" and rec["version"] == 2
    # the same CSCA again as PEM: recorded, nothing added, version unchanged
    rec = store.import_bytes(pem.armor("CERTIFICATE", rsa_chip.pki.csca.dump()), "de.pem")
    assert rec["added"] == 0 and rec["already_present"] == 1 and store.version() == "2"
    assert len(store.imports()) == 3
    kinds = sorted(e["kind"] for e in store.entries())
    assert kinds == ["crl", "csca", "csca"]
    assert {e["country"] for e in store.entries()} == {"DE", "FR"}

    # a new instance reads the same rows (another process)
    fresh = PgTrustStore(store.url, refresh_seconds=0)
    resp = rsa_chip.aa_response()
    result = run_nfc(rsa_chip.files, NfcParams(), None, fresh, resp)
    assert result.status == CheckStatus.passed, result.warnings
    assert result.data["trust_store_version"] == "2"
    fresh.close()


def test_crl_needs_its_csca_first(store, rsa_chip):
    with pytest.raises(TrustImportError):
        store.import_bytes(rsa_chip.pki.crl.dump(), "de.crl")
    rec = store.import_bytes(rsa_chip.pki.crl.dump(), "de.crl", force=True)
    assert rec["forced"] is True and rec["added"] == 1


def test_revocation_through_the_store(store, rsa_pki):
    pki = g.make_pki("DE", "rsa")
    chip = g.make_chip(pki, g.ChipSpec(aa=None))
    store.import_bytes(pki.csca.dump(), "csca.der")
    ok = run_nfc(chip.files, NfcParams(), None, store)
    # no CRL: revocation is not checked, said with an info code
    assert ok.status == CheckStatus.passed and codes.NFC_CRL_UNAVAILABLE in ok.warning_codes()
    crl = g.build_crl(
        pki.csca, pki.csca_key, [pki.dsc.serial_number], g.NOW, g.NOW + g.dt.timedelta(days=30)
    )
    store.import_bytes(pem.armor("X509 CRL", crl.dump()), "revoked.pem")
    revoked = run_nfc(chip.files, NfcParams(), None, store)
    assert codes.NFC_DSC_REVOKED in revoked.warning_codes()
    assert revoked.data["assurance"] == "failed"


def test_tampered_master_list_is_refused(store, rsa_chip):
    ml, _ = g.master_list([rsa_chip.pki])
    pos = ml.find(rsa_chip.pki.csca.dump()[-40:])
    tampered = ml[:pos] + bytes([ml[pos] ^ 1]) + ml[pos + 1 :]
    with pytest.raises(Exception) as info:
        store.import_bytes(tampered, "bad.ml")
    assert getattr(info.value, "code", "") in ("NFC_TRUST_IMPORT_REJECTED", "NFC_MALFORMED_FILE")
    assert store.version() == "0"


def test_master_list_signed_by_unknown_signer_is_refused(store, rsa_chip):
    outsider = g.cached_pki("ecdsa", "FR")
    ml, _ = g.master_list([rsa_chip.pki], signer_pki=outsider)  # signer chains to no listed CSCA
    with pytest.raises(TrustImportError) as info:
        store.import_bytes(ml, "odd.ml")
    assert "signature_valid" in info.value.message
    rec = store.import_bytes(ml, "odd.ml", force=True)
    assert rec["master_list"]["signature_valid"] is True
    assert rec["master_list"]["signer_chained_to"] is None


def test_non_ca_certificate_and_garbage_are_refused(store, rsa_chip):
    with pytest.raises(TrustImportError):
        store.import_bytes(rsa_chip.pki.dsc.dump(), "dsc.der")
    with pytest.raises(TrustImportError):
        store.import_bytes(b"not a certificate", "junk.bin")
    assert store.version() == "0" and store.imports() == []


def test_an_entry_whose_der_does_not_match_its_hash_is_refused(store, rsa_chip):
    store.import_bytes(rsa_chip.pki.csca.dump(), "csca.der")
    # even the owner cannot store a DER under another hash
    with (
        psycopg.connect(store.url, autocommit=True) as con,
        pytest.raises(psycopg.errors.CheckViolation),
    ):
        con.execute("UPDATE nfc_trust_entries SET der = der || '\\x00'::bytea")
    assert store.csca_count() == 1
