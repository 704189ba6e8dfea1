"""`idmesh check nfc` and `idmesh nfc trust` through the real CLI entry point."""

from __future__ import annotations

import json

from shared.cli.main import main
from tests.nfc import generator as g


def test_cli_end_to_end(tmp_path, capsys):
    g.write_sample(str(tmp_path / "sample"))
    trust = str(tmp_path / "store")
    sample = tmp_path / "sample"
    assert (
        main(["nfc", "trust", "import", str(sample / "trust/crl_de.crl"), "--trust-dir", trust])
        == 2
    )  # CRL before its CSCA
    assert (
        main(
            [
                "nfc",
                "trust",
                "import",
                str(sample / "trust/masterlist.ml"),
                str(sample / "trust/crl_de.crl"),
                "--trust-dir",
                trust,
                "--json",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["nfc", "trust", "list", "--trust-dir", trust, "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["version"] == "2" and len(listing["entries"]) == 3

    nonce = (sample / "aa/nonce.hex").read_text()
    rc = main(
        [
            "check",
            "nfc",
            str(sample / "chip"),
            "--json",
            "--trust-dir",
            trust,
            "--nonce",
            nonce,
            "--aa-signature",
            str(sample / "aa/signature.bin"),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["status"] == "passed" and out["data"]["assurance"] == "pa_aa"

    rc = main(
        [
            "check",
            "nfc",
            str(sample / "chip"),
            "--json",
            "--trust-dir",
            trust,
            "--nonce",
            "00" * 8,
            "--aa-signature",
            str(sample / "aa/signature.bin"),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and "NFC_AA_FAILED" in [w["code"] for w in out["warnings"]]

    rc = main(
        ["check", "nfc", str(sample / "chip"), "--json", "--trust-dir", str(tmp_path / "empty")]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and "NFC_CSCA_UNTRUSTED" in [w["code"] for w in out["warnings"]]

    rc = main(["check", "nfc", str(tmp_path / "nope"), "--json"])
    assert rc == 2
