"""Candidate retrieval: an inverted index from name keys to aliases (never a scan).

Each alias contributes, per name token, three keys: the token itself, its Metaphone code and
its consonant skeleton (typos and transliteration variants mostly keep one of them); plus the
glued name (for "SiemensAG"-style queries) and normalised identifier numbers. Postings are
numpy CSR arrays, so an index of 1 000 000 aliases is a few arrays plus one key dictionary,
saved as one `.npz` (kept in Postgres beside the list version) and loaded in about a second.

A query gathers the postings of its tokens' keys (rarest first, over-common keys skipped when
rarer ones exist), weights each alias by the IDF of the query tokens it shares, and returns
the top candidates for the full comparator.
"""

from __future__ import annotations

import io
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

import jellyfish
import numpy as np

from shared.aml.models import normalize_identifier
from shared.aml.normalize import PERSON, normalize

_PARTICLES = frozenset(["bin", "bint", "al", "abu", "umm", "de", "la", "van", "mac"])
_VOWELS = re.compile(r"[aeiouy]")
# Bump when normalisation or key generation changes: stored indexes are then rebuilt.
INDEX_FORMAT = 2
TYPE_CODES = {
    "person": 0,
    "company": 1,
    "organization": 2,
    "vessel": 3,
    "aircraft": 4,
    "unknown": 5,
}
TYPE_NAMES = {v: k for k, v in TYPE_CODES.items()}


@lru_cache(maxsize=200000)
def token_keys(token: str) -> tuple[str, ...]:
    keys = [f"t:{token}"]
    if token.isalpha() and len(token) >= 3:
        keys.append(f"m:{jellyfish.metaphone(token)}")
        skel = _VOWELS.sub("", token[1:])
        skel = re.sub(r"(.)\1+", r"\1", token[0] + skel)
        if len(skel) >= 3:
            keys.append(f"s:{skel}")
    return tuple(keys)


def name_keys(name: str, kind: str, for_query: bool = False) -> list[list[str]]:
    """Keys per token (outer list: one entry per token) plus one glued-name entry (a query of
    one glued token, "AlisherUsmanov", finds the listed "Alisher Usmanov")."""
    form = normalize(name, kind)
    toks = [t for t in form.tokens if t not in _PARTICLES] or list(form.tokens)
    out = [list(token_keys(t)) for t in toks]
    if (len(form.tokens) > 1 or for_query) and len(form.tokens) <= 4:
        out.append([f"j:{form.joined}"])
    return out


def kind_for(type_name: str) -> str:
    return PERSON if type_name == "person" else "company"


@dataclass
class Candidate:
    alias_id: int
    weight: float
    fraction: float = 1.0  # share of the query's key weight this alias carries


class NameIndex:
    """Immutable index over (entity id, alias, type) rows."""

    def __init__(
        self,
        keys: list[str],
        offsets: np.ndarray,
        postings: np.ndarray,
        alias_entity: np.ndarray,
        alias_type: np.ndarray,
        alias_blob: bytes,
        alias_offsets: np.ndarray,
        entity_ids: list[str],
        fmt: int = INDEX_FORMAT,
    ) -> None:
        self.format = fmt
        self.keys = keys
        self.key_id = {k: i for i, k in enumerate(keys)}
        self.offsets = offsets
        self.postings = postings
        self.alias_entity = alias_entity
        self.alias_type = alias_type
        self.alias_blob = alias_blob
        self.alias_offsets = alias_offsets
        self.entity_ids = entity_ids
        self.n_aliases = len(alias_entity)

    # --- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str, list[str]]]) -> NameIndex:
        """rows: (entity_id, type, alias, identifier numbers); an entity's rows are adjacent."""
        key_id: dict[str, int] = {}
        pk = array("i")  # key ids (compact: 4 bytes per posting while building)
        pa = array("i")  # alias ids
        alias_entity = array("i")
        alias_type = array("B")
        alias_parts: list[bytes] = []
        entity_ids: list[str] = []
        ent_pos: dict[str, int] = {}
        for entity_id, type_name, alias, ids in rows:
            eidx = ent_pos.get(entity_id)
            new_entity = eidx is None
            if new_entity:
                eidx = ent_pos[entity_id] = len(entity_ids)
                entity_ids.append(entity_id)
            aid = len(alias_entity)
            alias_entity.append(eidx)
            alias_type.append(TYPE_CODES.get(type_name, 5))
            alias_parts.append(alias.encode("utf-8"))
            seen: set[int] = set()
            for group in name_keys(alias, kind_for(type_name)):
                for k in group:
                    kid = key_id.setdefault(k, len(key_id))
                    if kid not in seen:
                        seen.add(kid)
                        pk.append(kid)
                        pa.append(aid)
            if new_entity:
                for num in ids:
                    n = normalize_identifier(num)
                    if len(n) >= 4:
                        kid = key_id.setdefault(f"id:{n}", len(key_id))
                        pk.append(kid)
                        pa.append(aid)
        keys = [""] * len(key_id)
        for k, i in key_id.items():
            keys[i] = k
        pk_arr = np.frombuffer(pk, dtype=np.int32) if len(pk) else np.zeros(0, np.int32)
        pa_arr = np.frombuffer(pa, dtype=np.int32) if len(pa) else np.zeros(0, np.int32)
        order = np.argsort(pk_arr, kind="stable")
        counts = np.bincount(pk_arr, minlength=len(keys)) if len(keys) else np.zeros(0, np.int64)
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        lens = np.fromiter((len(b) for b in alias_parts), dtype=np.int64, count=len(alias_parts))
        alias_offsets = np.zeros(len(alias_parts) + 1, dtype=np.int64)
        np.cumsum(lens, out=alias_offsets[1:])
        return cls(
            keys,
            offsets,
            pa_arr[order],
            np.array(alias_entity, dtype=np.int32),
            np.array(alias_type, dtype=np.uint8),
            b"".join(alias_parts),
            alias_offsets,
            entity_ids,
        )

    # --- persistence ----------------------------------------------------------------------
    def save(self, path: Path | IO[bytes]) -> None:
        """Write the index as one `.npz` (a path, replaced atomically, or an open file)."""
        arrays = dict(
            keys=np.frombuffer("\n".join(self.keys).encode("utf-8"), dtype=np.uint8),
            offsets=self.offsets,
            postings=self.postings,
            alias_entity=self.alias_entity,
            alias_type=self.alias_type,
            alias_blob=np.frombuffer(self.alias_blob, dtype=np.uint8),
            alias_offsets=self.alias_offsets,
            entity_ids=np.frombuffer("\n".join(self.entity_ids).encode("utf-8"), dtype=np.uint8),
            format=np.asarray([self.format]),
        )
        if not isinstance(path, Path):
            np.savez(path, **arrays)
            return
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.save(buf)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> NameIndex:
        return cls.load(io.BytesIO(data))

    @classmethod
    def load(cls, path: Path | IO[bytes]) -> NameIndex:
        with np.load(path) as z:
            keys_text = z["keys"].tobytes().decode("utf-8")
            ents_text = z["entity_ids"].tobytes().decode("utf-8")
            return cls(
                keys_text.split("\n") if keys_text else [],
                z["offsets"],
                z["postings"],
                z["alias_entity"],
                z["alias_type"],
                z["alias_blob"].tobytes(),
                z["alias_offsets"],
                ents_text.split("\n") if ents_text else [],
                int(z["format"][0]) if "format" in z.files else 0,
            )

    # --- querying -------------------------------------------------------------------------
    def alias(self, aid: int) -> str:
        return self.alias_blob[self.alias_offsets[aid] : self.alias_offsets[aid + 1]].decode()

    def entity_of(self, aid: int) -> str:
        return self.entity_ids[int(self.alias_entity[aid])]

    def type_of(self, aid: int) -> str:
        return TYPE_NAMES[int(self.alias_type[aid])]

    def _posting(self, key: str) -> np.ndarray | None:
        kid = self.key_id.get(key)
        if kid is None:
            return None
        return self.postings[self.offsets[kid] : self.offsets[kid + 1]]

    def search(
        self,
        name: str,
        kinds: Iterable[str] = (PERSON, "company"),
        identifiers: Iterable[str] = (),
        limit: int = 50,
        max_posting: int = 20000,
    ) -> list[Candidate]:
        groups: dict[tuple[str, ...], None] = {}
        for kind in kinds:
            for g in name_keys(name, kind, for_query=True):
                groups[tuple(g)] = None
        n = max(self.n_aliases, 1)
        per_group: list[tuple[np.ndarray, float]] = []
        for g in groups:
            arrays = [a for a in (self._posting(k) for k in g) if a is not None and len(a)]
            if not arrays:
                continue
            smallest = min(len(a) for a in arrays)
            arrays = [a for a in arrays if len(a) <= max(max_posting, smallest)]
            if len(arrays[0]) > max_posting and len(arrays) == 1:
                arrays = [arrays[0][:max_posting]]
            hits = np.unique(np.concatenate(arrays)) if len(arrays) > 1 else arrays[0]
            idf = float(np.log(1 + n / (1 + smallest)))
            per_group.append((hits, idf))
        for num in identifiers:
            a = self._posting(f"id:{normalize_identifier(num)}")
            if a is not None and len(a):
                per_group.append((a, 100.0))  # an identifier hit always makes the cut
        if not per_group:
            return []
        # Rarest groups first; the most common ones are dropped when the rest already suffice.
        per_group.sort(key=lambda x: len(x[0]))
        total = 0
        kept = []
        for hits, w in per_group:
            if kept and total + len(hits) > 4 * max_posting:
                break
            kept.append((hits, w))
            total += len(hits)
        all_hits = np.concatenate([h for h, _ in kept])
        weights = np.concatenate([np.full(len(h), w, dtype=np.float32) for h, w in kept])
        uniq, inv = np.unique(all_hits, return_inverse=True)
        scores = np.bincount(inv, weights=weights)
        top = np.argpartition(-scores, limit)[:limit] if len(uniq) > limit else np.arange(len(uniq))
        top = top[np.argsort(-scores[top])]
        total = sum(w for _, w in per_group if w < 100.0) or 1.0
        return [
            Candidate(int(uniq[i]), float(scores[i]), min(1.0, float(scores[i]) / total))
            for i in top
        ]
