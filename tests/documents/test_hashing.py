"""Document number fingerprints: normalised, typed, keyed when a key is configured."""

from __future__ import annotations

from shared.documents.hashing import document_hash, type_class


def test_normalised_and_typed(monkeypatch):
    monkeypatch.delenv("IDMESH_DOCUMENT_HASH_KEY", raising=False)
    a = document_hash("UTO", "passport", "L898902C3")
    assert a == document_hash("uto", "P", " l898-902c3<")
    assert a.startswith("sha256:")
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
