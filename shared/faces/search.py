"""1:N face search: an in-memory index of L2-normalised templates, exact top-k cosine.

At 100 000 templates x 128 floats (51 MB) one query is a single matrix-vector product.
Templates are stored by the platform (encrypted, under RLS) as `template_to_bytes` output
and loaded into a `FaceIndex` per tenant.
"""

from __future__ import annotations

import threading

import numpy as np
from pydantic import BaseModel

from shared.faces import models
from shared.faces.analysis import analyse_image
from shared.faces.embed import DIM
from shared.faces.image_io import decode_image


class FaceTemplate(BaseModel):
    embedding: list[float]
    model: str
    model_sha256: str
    quality: dict


def embed_face(image: bytes) -> FaceTemplate:
    """The template of the main face of an image (raises BadImage / NoFace / ModelUnavailable)."""
    fa = analyse_image(decode_image(image))
    info = models.model_info("sface")
    return FaceTemplate(
        embedding=[float(v) for v in fa.embedding],
        model=f"{info.name}:{info.version}",
        model_sha256=info.sha256,
        quality=fa.quality.as_dict(),
    )


def template_to_bytes(embedding) -> bytes:
    v = np.asarray(embedding, dtype=np.float32).reshape(-1)
    return v.tobytes()


def template_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.float32).copy()


class FaceIndex:
    """Templates by id; `search` returns the k best (id, cosine) with cosine >= min_cosine."""

    def __init__(self, dim: int = DIM, capacity: int = 1024) -> None:
        self.dim = dim
        self._m = np.zeros((max(1, capacity), dim), dtype=np.float32)
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, ident: str) -> bool:
        return ident in self._row

    @staticmethod
    def _normalise(v) -> np.ndarray:
        v = np.asarray(v, dtype=np.float32).reshape(-1)
        n = float(np.linalg.norm(v))
        if n == 0 or not np.isfinite(n):
            raise ValueError("template is zero or not finite")
        return v / n

    def add(self, ident: str, embedding) -> None:
        v = self._normalise(embedding)
        if v.shape[0] != self.dim:
            raise ValueError(f"template has {v.shape[0]} values, index expects {self.dim}")
        with self._lock:
            row = self._row.get(ident)
            if row is None:
                row = len(self._ids)
                if row >= self._m.shape[0]:
                    grown = np.zeros((self._m.shape[0] * 2, self.dim), dtype=np.float32)
                    grown[:row] = self._m[:row]
                    self._m = grown
                self._ids.append(ident)
                self._row[ident] = row
            self._m[row] = v

    def add_many(self, ids: list[str], embeddings: np.ndarray) -> None:
        for ident, e in zip(ids, embeddings, strict=True):
            self.add(ident, e)

    def remove(self, ident: str) -> bool:
        with self._lock:
            row = self._row.pop(ident, None)
            if row is None:
                return False
            last = len(self._ids) - 1
            if row != last:
                moved = self._ids[last]
                self._m[row] = self._m[last]
                self._ids[row] = moved
                self._row[moved] = row
            self._ids.pop()
            self._m[last] = 0
            return True

    def search(self, embedding, k: int = 5, min_cosine: float = -1.0) -> list[tuple[str, float]]:
        q = self._normalise(embedding)
        n = len(self._ids)
        if n == 0:
            return []
        sims = self._m[:n] @ q
        k = min(k, n)
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top])]
        return [(self._ids[i], float(sims[i])) for i in top if sims[i] >= min_cosine]
