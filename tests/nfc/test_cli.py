"""`idmesh check nfc` and `idmesh nfc trust` through the real CLI entry point."""

from __future__ import annotations

import json

from shared.cli.main import main
from tests.nfc import generator as g


def _clean(pg) -> None:
    with pg.admin() as con:
        con.execute("DELETE FROM nfc_trust_entries")
        con.execute("DELETE FROM nfc_trust_imports")
        con.execute("UPDATE nfc_trust_version SET version = 0")


def test_cli_end_to_end(tmp_path, capsys, pg, monkeypatch):
    """Imports go to Postgres as the owner role; the offline check reads it as the app role
    or verifies against files given with --trust."""
    _clean(pg)
    monkeypatch.setenv("IDMESH_DATA_DIR", str(pg.data_dir))
    g.write_sample(str(tmp_path / "sample"))
    sample = tmp_path / "sample"
    assert (
        main(["nfc", "trust", "import", str(sample / "trust/crl_de.crl")]) == 2
    )  # CRL before its CSCA
    assert (
        main(
            [
                "nfc",
                "trust",
                "import",
                str(sample / "trust/masterlist.ml"),
                str(sample / "trust/crl_de.crl"),
                "--json",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["nfc", "trust", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["version"] == "2" and len(listing["entries"]) == 3

    nonce = (sample / "aa/nonce.hex").read_text()
    rc = main(
        [
            "check",
            "nfc",
            str(sample / "chip"),
            "--json",
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
            "--trust",
            str(sample / "trust/masterlist.ml"),
            str(sample / "trust/crl_de.crl"),
            "--nonce",
            "00" * 8,
            "--aa-signature",
            str(sample / "aa/signature.bin"),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and "NFC_AA_FAILED" in [w["code"] for w in out["warnings"]]

    _clean(pg)
    rc = main(["check", "nfc", str(sample / "chip"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and "NFC_CSCA_UNTRUSTED" in [w["code"] for w in out["warnings"]]

    rc = main(["check", "nfc", str(tmp_path / "nope"), "--json"])
    assert rc == 2
