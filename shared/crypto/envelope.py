"""Envelope encryption with AES-256-GCM.

Each tenant has a random 256-bit data key (DEK), stored only wrapped by the master key
(the wrap is bound to the tenant id as associated data). Artifacts and personal data are
sealed with the tenant's DEK, bound to the row they belong to (associated data), so a
ciphertext copied to another row or tenant does not open.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config import Settings

VERSION = b"\x01"
NONCE_BYTES = 12


class DecryptionError(Exception):
    pass


def load_master_key(settings: Settings) -> bytes:
    """The master key: IDMESH_MASTER_KEY (base64), else the local key file (made once)."""
    if settings.master_key:
        key = base64.b64decode(settings.master_key)
    else:
        path = Path(settings.data_dir) / "master.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(base64.b64encode(AESGCM.generate_key(bit_length=256)))
        key = base64.b64decode(path.read_bytes())
    if len(key) != 32:
        raise ValueError("the master key must be 32 bytes (base64 of 32 random bytes)")
    return key


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != VERSION:
        raise DecryptionError("not an idmesh ciphertext")
    try:
        return AESGCM(key).decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
    except Exception as exc:  # InvalidTag
        raise DecryptionError("ciphertext does not authenticate") from exc


def new_wrapped_dek(master_key: bytes, tenant_id: str) -> bytes:
    return _seal(master_key, AESGCM.generate_key(bit_length=256), b"dek:" + tenant_id.encode())


@dataclass(frozen=True)
class TenantCipher:
    """Seals and opens one tenant's data with its data key."""

    tenant_id: str
    dek: bytes

    @classmethod
    def unwrap(cls, master_key: bytes, tenant_id: str, wrapped: bytes) -> TenantCipher:
        return cls(tenant_id, _open(master_key, bytes(wrapped), b"dek:" + tenant_id.encode()))

    def _aad(self, purpose: str, row_id: str) -> bytes:
        return f"{self.tenant_id}:{purpose}:{row_id}".encode()

    def seal(self, purpose: str, row_id: str, plaintext: bytes) -> bytes:
        return _seal(self.dek, plaintext, self._aad(purpose, row_id))

    def open(self, purpose: str, row_id: str, blob: bytes) -> bytes:
        return _open(self.dek, bytes(blob), self._aad(purpose, row_id))
