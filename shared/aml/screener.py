"""Screening one subject against every current list version (index → comparator → features)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from shared.aml.index import NameIndex, kind_for
from shared.aml.models import Entity, ListVersion
from shared.aml.names import compare_names
from shared.aml.scoring import FeatureWeights, Subject, score_entity
from shared.aml.store import ListStore, PgListStore

log = logging.getLogger(__name__)


@dataclass
class Hit:
    entity: Entity
    version: ListVersion
    score: float
    matched_name: str
    explanation: dict

    def as_match(self) -> dict:
        return {
            "entity_id": self.entity.id,
            "list": self.version.list,
            "list_version": self.version.id,
            "name": self.entity.name,
            "matched_name": self.matched_name,
            "score": self.score,
            "entity_type": self.entity.type,
            "programmes": self.entity.programmes,
            "explanation": self.explanation,
        }


def screen_index(
    subject: Subject,
    index: NameIndex,
    fetch,  # callable(list[entity_id]) -> dict[id, Entity]
    min_score: float,
    candidates: int = 50,
    weights: FeatureWeights | None = None,
    min_key_fraction: float = 0.25,
) -> list[tuple[Entity, float, str, dict]]:
    """Screen against one index; returns (entity, score, matched alias, explanation)."""
    kinds = [kind_for(subject.type)] if subject.type else ["person", "company"]
    cands = index.search(subject.name, kinds, subject.identifiers, limit=candidates)
    best: dict[str, float] = {}
    # Features add at most ~8% (DOB + country bonuses), so a weaker name can never make it.
    name_floor = min_score / 1.1
    for c in cands:
        eid = index.entity_of(c.alias_id)
        if c.weight >= 100.0:  # identifier hit
            best[eid] = 1.0
            continue
        if c.fraction < min_key_fraction:  # shares only a small, common part of the name
            continue
        s = compare_names(
            subject.name, index.alias(c.alias_id), kind_for(index.type_of(c.alias_id))
        ).score
        if s >= name_floor and s > best.get(eid, -1.0):
            best[eid] = s
    if not best:
        return []
    ents = fetch(list(best))
    out = []
    for eid in best:
        ent = ents.get(eid)
        if ent is None:
            continue
        score, alias, expl = score_entity(subject, ent, weights)
        if score >= min_score:
            out.append((ent, score, alias, expl))
    return out


class Screener:
    """Indexes of the current list versions, loaded once per process and refreshed when a new
    version becomes current (the store re-reads the current versions every
    `IDMESH_AML_REFRESH_SECONDS`)."""

    def __init__(self, store: ListStore | None = None) -> None:
        self.store = store or PgListStore()
        self._lock = threading.Lock()
        self._versions: dict[str, ListVersion] = {}

    def warm_up(self) -> dict[str, ListVersion]:
        with self._lock:
            versions = self.store.current_versions()
            for v in versions.values():
                self.store.index(v.id)
            self._versions = versions
            return versions

    def versions(self) -> dict[str, ListVersion]:
        current = self.store.current_versions()
        if {k: v.id for k, v in current.items()} != {k: v.id for k, v in self._versions.items()}:
            self.warm_up()
        return self._versions

    def screen(self, subject: Subject, min_score: float, limit: int = 10) -> list[Hit]:
        hits: list[Hit] = []
        for v in self.versions().values():
            index = self.store.index(v.id)
            for ent, score, alias, expl in screen_index(
                subject, index, lambda ids, vid=v.id: self.store.entities(vid, ids), min_score
            ):
                hits.append(Hit(ent, v, score, alias, expl))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


_SCREENERS: dict[str, Screener] = {}


def get_screener(store: ListStore | None = None) -> Screener:
    """Process-wide screener per store; without one, on the process's database (the function
    runtime calls warm_up() before the function reports ready)."""
    key = f"id:{id(store)}" if store is not None else "default"
    if key not in _SCREENERS:
        _SCREENERS[key] = Screener(store)
    return _SCREENERS[key]
