"""The `nfc` check end to end: positive chips of every algorithm, negative fixtures, rules."""

from __future__ import annotations

import datetime as dt
import io
import random
import zlib

import pytest
from PIL import Image

from shared.checks.result import CheckResult, CheckStatus
from shared.nfc import codes
from shared.nfc.check import NfcParams, run_nfc
from tests.nfc import generator as g

LDS_OID = bytes.fromhex("0606678108010101")  # 2.23.136.1.1.1, id-icao-ldsSecurityObject

MATRIX = [
    # (SOD signature, AA key, DG2 image, MRZ format)
    ("rsa", "rsa", "jpeg", "TD3"),  # RSA-PSS SOD, ISO 9796-2 with SHA-1 trailer BC
    ("rsa_pkcs1", "rsa_sha256", "jpeg2000", "TD1"),  # PKCS#1 v1.5, ISO 9796-2 trailer 34CC
    ("ecdsa", "ec", "jpeg2000", "TD3"),  # brainpool named curves, ECDSA plain AA
    ("ecdsa_explicit", "ec_explicit", "jpeg", "TD1"),  # brainpool with explicit parameters
    ("ecdsa_bp320_explicit", "ec_bp320", "jpeg", "TD3"),  # a curve only python-ecdsa has
]


def _pki_for(algo: str) -> g.Pki:
    return g.cached_pki("rsa" if algo == "rsa_pkcs1" else algo)


@pytest.mark.parametrize("algo,aa,image,td", MATRIX)
def test_genuine_chip_reaches_pa_aa(algo, aa, image, td):
    chip = g.make_chip(_pki_for(algo), g.ChipSpec(algo=algo, aa=aa, image=image, td=td))
    resp = chip.aa_response()
    ctx = g.TestContext([resp.nonce])
    result = run_nfc(chip.files, NfcParams(minimum_age=18), ctx, chip.store(), resp)
    assert result.status == CheckStatus.passed, result.warnings
    assert result.data["assurance"] == "pa_aa"
    steps = {s["step"]: s["outcome"] for s in result.data["passive_authentication"]["steps"]}
    assert steps == {
        "sod_signature": "passed",
        "dg_hashes": "passed",
        "csca_chain": "passed",
        "validity": "passed",
        "key_usage": "passed",
        "revocation": "passed",
        "country": "passed",
    }
    assert result.data["active_authentication"]["outcome"] == "passed"
    assert result.data["mrz"]["format"] == td and result.data["mrz"]["surname"] == "MUSTERMANN"
    assert result.data["face"]["image_type"] == image
    assert result.data["age"] >= 18
    # the nonce is spent: the same response is a replay now
    again = run_nfc(chip.files, NfcParams(), ctx, chip.store(), resp)
    assert (
        again.status == CheckStatus.failed and codes.NFC_AA_NONCE_REPLAYED in again.warning_codes()
    )


def test_negative_fixtures_are_all_caught(negatives):
    missed = []
    for fx in negatives:
        result = run_nfc(fx.files, NfcParams(**fx.params), fx.ctx, fx.store, fx.aa)
        got = set(result.warning_codes())
        if not fx.expected <= got or result.status.value != fx.expect_status:
            missed.append((fx.name, result.status.value, sorted(got)))
        assert result.status != CheckStatus.passed
    assert not missed, missed
    assert len(negatives) >= 18


def test_chip_without_aa_is_pa_only(rsa_pki):
    chip = g.make_chip(rsa_pki, g.ChipSpec(aa=None))
    result = run_nfc(chip.files, NfcParams(), None, chip.store())
    assert result.status == CheckStatus.passed
    assert result.data["assurance"] == "pa"
    assert codes.NFC_AA_NOT_SUPPORTED in result.warning_codes()
    strict = run_nfc(chip.files, NfcParams(require_aa=True), None, chip.store())
    assert strict.status == CheckStatus.failed and codes.NFC_AA_MISSING in strict.warning_codes()


def test_missing_aa_warns_clone_without_require(rsa_chip):
    result = run_nfc(rsa_chip.files, NfcParams(), None, rsa_chip.store())
    assert result.status == CheckStatus.warning
    assert result.data["assurance"] == "pa"
    assert {codes.NFC_AA_MISSING, codes.NFC_CHIP_MAY_BE_CLONED} <= set(result.warning_codes())


def test_dg15_withheld_is_flagged(rsa_chip):
    files = {k: v for k, v in rsa_chip.files.items() if k != "DG15"}
    resp = rsa_chip.aa_response()
    result = run_nfc(files, NfcParams(), g.TestContext([resp.nonce]), rsa_chip.store(), resp)
    assert codes.NFC_CHIP_MAY_BE_CLONED in result.warning_codes()
    assert result.data["assurance"] == "pa"


def test_wrong_nonce_fails_aa(rsa_chip):
    resp = rsa_chip.aa_response()
    other = bytes(8)
    forged = resp.model_copy(update={"nonce": other})
    result = run_nfc(rsa_chip.files, NfcParams(), g.TestContext([other]), rsa_chip.store(), forged)
    assert codes.NFC_AA_FAILED in result.warning_codes()
    assert result.data["assurance"] == "failed"


def test_ef_com_is_never_trusted(rsa_chip):
    # EF.COM claims no DG15: the SOD still covers it, so AA is still expected.
    com = g.tlv.encode(0x60, g.tlv.encode(0x5F01, b"0107") + g.tlv.encode(0x5C, b"\x61\x75"))
    result = run_nfc(dict(rsa_chip.files, COM=com), NfcParams(), None, rsa_chip.store())
    assert result.data["ef_com"]["data_groups"] == ["DG1", "DG2"]
    assert codes.NFC_CHIP_MAY_BE_CLONED in result.warning_codes()
    # a garbage EF.COM changes nothing about authenticity
    result = run_nfc(dict(rsa_chip.files, COM=b"\x60\x05\x01"), NfcParams(), None, rsa_chip.store())
    assert result.data["passive_authentication"]["passed"]


def test_context_cross_checks(rsa_chip):
    resp = rsa_chip.aa_response()
    face = CheckResult(check="face_match", status=CheckStatus.passed, score=91.0)
    photo = {
        "document_number": "C01X00T47",
        "date_of_birth": "1984-08-12",
        "expiry_date": rsa_chip.spec.expiry.isoformat(),
        "issuing_country": "D",
    }
    ctx = g.TestContext([resp.nonce], mrz=photo, face=face)
    result = run_nfc(rsa_chip.files, NfcParams(), ctx, rsa_chip.store(), resp)
    assert result.status == CheckStatus.passed, result.warnings
    assert result.data["mrz_match"]["differing"] == []
    assert result.data["face_match"]["score"] == 91.0
    assert result.data["not_evaluated"] == []
    assert Image.open(io.BytesIO(ctx.faces_seen[0])).format == "JPEG"
    # the face engine says it is someone else
    resp = rsa_chip.aa_response()
    bad_face = CheckResult(check="face_match", status=CheckStatus.failed, score=12.0)
    ctx = g.TestContext([resp.nonce], mrz=photo, face=bad_face)
    result = run_nfc(rsa_chip.files, NfcParams(), ctx, rsa_chip.store(), resp)
    assert result.status == CheckStatus.failed and codes.NFC_FACE_MISMATCH in result.warning_codes()


def test_cli_without_context_lists_rules_not_evaluated(rsa_chip):
    resp = rsa_chip.aa_response()
    result = run_nfc(rsa_chip.files, NfcParams(), None, rsa_chip.store(), resp)
    assert result.data["assurance"] == "pa_aa"
    assert set(result.data["not_evaluated"]) == {"aa_nonce_single_use", "face_match", "mrz_match"}


def test_crl_rules(rsa_chip):
    no_crl = run_nfc(rsa_chip.files, NfcParams(), None, rsa_chip.store(crls=False))
    assert codes.NFC_CRL_UNAVAILABLE in no_crl.warning_codes()
    assert no_crl.data["passive_authentication"]["passed"]
    strict = run_nfc(rsa_chip.files, NfcParams(require_crl=True), None, rsa_chip.store(False))
    assert strict.status == CheckStatus.failed
    # a CRL signed by someone else is not believed
    other = g.make_pki("DE", "rsa")
    forged = g.build_crl(
        rsa_chip.pki.csca,
        other.csca_key,
        [rsa_chip.pki.dsc.serial_number],
        g.NOW,
        g.NOW + dt.timedelta(days=30),
    )
    store = g.MemoryTrustStore([rsa_chip.pki.csca], [forged])
    result = run_nfc(rsa_chip.files, NfcParams(), None, store)
    assert codes.NFC_DSC_REVOKED not in result.warning_codes()
    assert codes.NFC_CRL_UNAVAILABLE in result.warning_codes()


def test_bad_input_is_an_error_not_an_exception(rsa_chip):
    assert run_nfc({}, NfcParams()).status == CheckStatus.error
    no_sod = {k: v for k, v in rsa_chip.files.items() if k != "SOD"}
    assert run_nfc(no_sod, NfcParams()).warning_codes() == [codes.NFC_SOD_MISSING]
    no_dg1 = {k: v for k, v in rsa_chip.files.items() if k != "DG1"}
    assert run_nfc(no_dg1, NfcParams()).warning_codes() == [codes.NFC_DG1_MISSING]
    weird = dict(rsa_chip.files, **{"notes.txt": b"hello"})
    assert (
        codes.NFC_UNKNOWN_FILE
        in run_nfc(weird, NfcParams(), None, rsa_chip.store()).warning_codes()
    )


@pytest.mark.parametrize("name", ["SOD", "DG1", "DG2", "DG11", "DG12", "DG14", "DG15"])
def test_damaged_signed_files_never_pass(rsa_chip, name):
    rng = random.Random(zlib.crc32(name.encode()))
    data = rsa_chip.files[name]
    # The SOD's SignedData header (version, digestAlgorithms) is outside every signature and
    # unused; the fuzz test below covers it. Every byte from the signed content on counts.
    first = data.index(LDS_OID) if name == "SOD" else 0
    for _ in range(40):
        damaged = bytearray(data)
        pos = rng.randrange(first, len(damaged))
        damaged[pos] ^= rng.randrange(1, 256)
        resp = rsa_chip.aa_response()
        result = run_nfc(
            dict(rsa_chip.files, **{name: bytes(damaged)}),
            NfcParams(),
            g.TestContext([resp.nonce]),
            rsa_chip.store(),
            resp,
        )
        assert result.status in (CheckStatus.failed, CheckStatus.error), (name, pos)
        assert result.data.get("assurance") in (None, "failed")


def test_ecdsa_aa_uses_the_hash_named_in_dg14(ec_chip):
    # The chip signs with SHA-256 as its DG14 says; a DG14 naming SHA-512 makes AA fail.
    dg14 = g.dg14("0.4.0.127.0.7.1.1.4.1.5")
    files = dict(ec_chip.files, DG14=dg14)
    files["SOD"] = g.make_sod(ec_chip.pki, files, ec_chip.spec)
    resp = ec_chip.aa_response()
    result = run_nfc(files, NfcParams(), g.TestContext([resp.nonce]), ec_chip.store(), resp)
    assert result.data["passive_authentication"]["passed"]
    assert result.data["active_authentication"]["hash_algorithm"] == "sha512"
    assert codes.NFC_AA_FAILED in result.warning_codes()


@pytest.mark.parametrize("algo,aa", [("rsa", "rsa"), ("ecdsa_explicit", "ec_explicit")])
def test_fuzzed_chips_never_crash_and_never_pass(algo, aa, caplog):
    """Flips, truncations and insertions in every signed file: coded failures only."""
    chip = g.make_chip(_pki_for(algo), g.ChipSpec(algo=algo, aa=aa))
    resp, store = chip.aa_response(), chip.store()  # one signature, a fresh context each run
    rng = random.Random(11)
    for name in ["SOD", "DG1", "DG2", "DG11", "DG14", "DG15"]:
        data = chip.files[name]
        for _ in range(60):
            d = bytearray(data)
            mode = rng.random()
            if mode < 0.6:
                for _ in range(rng.randint(1, 3)):
                    d[rng.randrange(len(d))] ^= rng.randrange(1, 256)
            elif mode < 0.8:
                d = d[: rng.randrange(len(d))]
            else:
                p = rng.randrange(len(d))
                d = d[:p] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 20))) + d[p:]
            files = dict(chip.files, **{name: bytes(d)})
            result = run_nfc(files, NfcParams(), g.TestContext([resp.nonce]), store, resp)
            assert result.status != CheckStatus.warning
            if result.status == CheckStatus.passed:
                # only changes outside every signature and hash may pass: trailing padding
                # after a data group's TLV, or the SOD's unsigned SignedData header (version,
                # digestAlgorithms), which precedes the signed LDSSecurityObject
                if name == "SOD":
                    changed = [i for i, (a, b) in enumerate(zip(d, data, strict=False)) if a != b]
                    assert len(d) == len(data) and max(changed) < data.index(LDS_OID), changed
                else:
                    assert bytes(d).startswith(data), name
    assert not [r for r in caplog.records if "crashed" in r.getMessage()]


def test_signer_identified_by_key_id_and_extra_certificates(rsa_chip):
    """A SignerInfo naming its DSC by subjectKeyIdentifier, among other certificates."""
    pki = rsa_chip.pki
    lds = g.parse_sod_content(rsa_chip.files["SOD"])
    decoy = g.cached_pki("ecdsa").dsc
    ci = g.signed_data(
        g.OID_LDS_SECURITY_OBJECT,
        lds,
        pki.dsc,
        pki.dsc_key,
        sid_by_key_id=True,
        extra_certs=[decoy],
    )
    files = dict(rsa_chip.files, SOD=g.tlv.encode(0x77, ci))
    resp = rsa_chip.aa_response()
    result = run_nfc(files, NfcParams(), g.TestContext([resp.nonce]), rsa_chip.store(), resp)
    assert result.status == CheckStatus.passed, result.warnings
    assert result.data["dsc"]["serial"] == format(pki.dsc.serial_number, "x")


def test_csca_key_rollover_with_same_name(rsa_chip):
    """Two CSCAs share the DSC issuer's name (old and new key): the one that verifies wins."""
    same_name_other_key = g.make_pki("DE", "rsa").csca
    store = g.MemoryTrustStore([same_name_other_key, rsa_chip.pki.csca], [rsa_chip.pki.crl])
    resp = rsa_chip.aa_response()
    result = run_nfc(rsa_chip.files, NfcParams(), g.TestContext([resp.nonce]), store, resp)
    assert result.status == CheckStatus.passed, result.warnings
    assert result.data["csca"]["serial"] == format(rsa_chip.pki.csca.serial_number, "x")


def test_outdated_crl_is_a_warning(rsa_chip):
    pki = rsa_chip.pki
    old = g.build_crl(
        pki.csca, pki.csca_key, [], g.NOW - dt.timedelta(days=60), g.NOW - dt.timedelta(days=30)
    )
    store = g.MemoryTrustStore([pki.csca], [old])
    result = run_nfc(rsa_chip.files, NfcParams(), None, store, rsa_chip.aa_response())
    assert result.status == CheckStatus.warning
    assert codes.NFC_CRL_OUTDATED in result.warning_codes()
    assert result.data["assurance"] == "pa_aa"


def test_revocation_on_an_older_crl_still_counts(rsa_chip):
    pki = rsa_chip.pki
    older = g.build_crl(
        pki.csca,
        pki.csca_key,
        [pki.dsc.serial_number],
        g.NOW - dt.timedelta(days=20),
        g.NOW + dt.timedelta(days=10),
    )
    newer = g.build_crl(
        pki.csca, pki.csca_key, [], g.NOW - dt.timedelta(days=1), g.NOW + dt.timedelta(days=30)
    )
    store = g.MemoryTrustStore([pki.csca], [newer, older])
    result = run_nfc(rsa_chip.files, NfcParams(), None, store)
    assert codes.NFC_DSC_REVOKED in result.warning_codes()


@pytest.mark.parametrize("oid,outcome", [("1.2.840.10045.4.3.2", "passed"), ("1.2.3.4", "passed")])
def test_dg14_with_x962_or_unknown_aa_algorithm(ec_chip, oid, outcome):
    # X9.62 ecdsa-with-SHA256 names the hash too; an unknown OID leaves it to the curve size.
    files = dict(ec_chip.files, DG14=g.dg14(oid))
    files["SOD"] = g.make_sod(ec_chip.pki, files, ec_chip.spec)
    resp = ec_chip.aa_response()
    result = run_nfc(files, NfcParams(), g.TestContext([resp.nonce]), ec_chip.store(), resp)
    assert result.data["dg14"]["aa_signature_algorithm"] == oid
    assert result.data["active_authentication"]["outcome"] == outcome
    assert result.data["assurance"] == "pa_aa"


def test_link_certificate_in_the_store(rsa_chip):
    """Only the old CSCA and a link certificate (new key, signed by the old CSCA) are
    trusted: the DSC issued under the new key still chains."""
    new = rsa_chip.pki
    old = g.make_pki("DE", "rsa", name="Old")
    link = g.build_cert(
        subject=new.csca.subject.native,
        issuer=old.csca,
        issuer_key=old.csca_key,
        public_key=new.csca_key.public_key(),
        serial=424242,
        not_before=g.NOW - dt.timedelta(days=100),
        not_after=g.NOW + dt.timedelta(days=3000),
        ca=True,
        key_usage={"key_cert_sign", "crl_sign"},
    )
    store = g.MemoryTrustStore([old.csca, link])
    result = run_nfc(rsa_chip.files, NfcParams(), None, store, rsa_chip.aa_response())
    assert result.data["passive_authentication"]["passed"], result.warnings
    assert result.data["csca"]["serial"] == format(424242, "x")
    assert result.data["csca"]["self_signed"] is False
