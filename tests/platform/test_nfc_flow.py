"""NFC on the platform: trust import, the session's AA challenge, chip uploads, the `nfc` step
(Passive + Active Authentication), and a replayed challenge answer refused."""

from __future__ import annotations

from asn1crypto import pem

from tests.conftest import idmesh_cli, tenant_on, wait_decided
from tests.nfc.generator import ChipSpec, make_chip, make_pki

KIND = {"COM": "nfc_com", "SOD": "nfc_sod"}


API_TIMEOUT = 60  # seconds (default 30): this module's checks are slow on a busy machine


def _wait(api, key, sid):
    return wait_decided(api, key, sid)


def test_chip_verified_with_passive_and_active_authentication(api, pg, tmp_path):
    pki = make_pki("DE", "rsa")
    chip = make_chip(pki, ChipSpec(algo="rsa", aa="rsa"))
    csca = tmp_path / "csca.pem"
    csca.write_bytes(pem.armor("CERTIFICATE", pki.csca.dump()))
    imp = idmesh_cli("nfc", "trust", "import", str(csca), data_dir=pg.data_dir)
    assert imp.returncode == 0, imp.stderr

    key = tenant_on(api, pg, "Chip Co")
    wf = api.post(
        "/v1/workflows", headers=key, json={"name": "chip", "steps": [{"check": "nfc"}]}
    ).json()["id"]

    def session_with_chip(signature_for=None):
        s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
        sid, user = s["session_id"], {"Authorization": f"Bearer {s['session_token']}"}
        ch = api.post(f"/v1/sessions/{sid}/nfc/challenge", headers=user)
        assert ch.status_code == 201
        nonce = bytes.fromhex(ch.json()["nonce"])
        for name, data in chip.files.items():
            kind = KIND.get(name, f"nfc_{name.lower()}")
            r = api.post(
                f"/v1/sessions/{sid}/artifacts",
                headers=user,
                data={"kind": kind},
                files={"file": (name, data, "application/octet-stream")},
            )
            assert r.status_code == 201, (name, r.text)
        sig = chip.aa_response(signature_for or nonce).signature
        api.post(
            f"/v1/sessions/{sid}/artifacts",
            headers=user,
            data={"kind": "nfc_aa_signature"},
            files={"file": ("aa.bin", sig, "application/octet-stream")},
        ).raise_for_status()
        api.post(f"/v1/sessions/{sid}/submit", headers=user).raise_for_status()
        return sid, nonce

    sid, nonce = session_with_chip()
    done = _wait(api, key, sid)
    nfc = next(c for c in done["checks"] if c["check"] == "nfc")
    assert nfc["data"]["assurance"] == "pa_aa", (nfc["warnings"], nfc["data"].get("steps"))
    assert done["status"] == "approved"
    # A second session answering with the first session's signed nonce: AA fails.
    sid2, _ = session_with_chip(signature_for=nonce)
    done2 = _wait(api, key, sid2)
    nfc2 = next(c for c in done2["checks"] if c["check"] == "nfc")
    assert nfc2["data"]["assurance"] != "pa_aa"
    codes = [w["code"] for w in nfc2["warnings"]]
    assert "NFC_AA_FAILED" in codes or "NFC_CHIP_MAY_BE_CLONED" in codes
    assert done2["status"] != "approved"
