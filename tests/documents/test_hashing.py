"""Document number fingerprints: normalised, typed, keyed when a key is configured."""

from __future__ import annotations

from shared.blocklist.document_numbers import document_hash, type_class


def test_normalised_and_typed(monkeypatch):
    monkeypatch.delenv("IDMESH_DOCUMENT_HASH_KEY", raising=False)
    a = document_hash("UTO", "passport", "L898902C3")
    assert a == document_hash("uto", "P", " l898-902c3<")
    assert a.startswith("hmac-sha256:")
    assert a != document_hash("UTO", "id_card", "L898902C3")
    assert a != document_hash("D", "passport", "L898902C3")
    assert type_class("ID") == type_class("AC") == type_class("id_card") == "I"
    assert type_class("driving_licence") == "DL"


def test_keyed(monkeypatch):
    monkeypatch.setenv("IDMESH_DOCUMENT_HASH_KEY", "k1")
    a = document_hash("UTO", "P", "L898902C3")
    monkeypatch.setenv("IDMESH_DOCUMENT_HASH_KEY", "k2")
    b = document_hash("UTO", "P", "L898902C3")
    assert a.startswith("hmac-sha256:") and a != b


def test_without_a_configured_key_the_installation_key_is_derived(monkeypatch, tmp_path):
    """Unset IDMESH_DOCUMENT_HASH_KEY must not mean a guessable plain SHA-256 of the number."""
    import base64
    import hashlib

    monkeypatch.delenv("IDMESH_DOCUMENT_HASH_KEY", raising=False)
    monkeypatch.setenv("IDMESH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IDMESH_MASTER_KEY", base64.b64encode(b"a" * 32).decode())
    a = document_hash("UTO", "P", "L898902C3")
    plain = hashlib.sha256(b"UTO|P|L898902C3").hexdigest()
    assert a.startswith("hmac-sha256:") and plain not in a
    assert a == document_hash("UTO", "P", "L898902C3")
    monkeypatch.setenv("IDMESH_MASTER_KEY", base64.b64encode(b"b" * 32).decode())
    assert document_hash("UTO", "P", "L898902C3") != a  # another installation, another key
