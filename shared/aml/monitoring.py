"""Ongoing monitoring: when a list changes, screen only the changed entries.

Pure domain: the diff's added and changed entities become a small in-memory index, and every
enrolled subject is queried against it (never the other way round, never the whole list). The
platform turns the returned hits into `io.idmesh.aml.hit.v1` events, webhooks and reviews.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from shared.aml.index import NameIndex
from shared.aml.models import Entity, ListDiff
from shared.aml.scoring import FeatureWeights, Subject
from shared.aml.screener import screen_index


class MonitoredSubject(BaseModel):
    """A subject enrolled for ongoing screening (tenant data; the platform keeps it under RLS)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    dob: str | None = None
    country: str | None = None
    type: str | None = None  # person | company
    identifiers: list[str] = Field(default_factory=list)


class MonitoringHit(BaseModel):
    subject_id: str
    entity_id: str
    list: str
    list_version: str
    name: str
    matched_name: str
    score: float
    change: str  # added | changed
    explanation: dict


def index_entities(entities: Iterable[Entity]) -> tuple[NameIndex, dict[str, Entity]]:
    by_id: dict[str, Entity] = {}
    rows = []
    for e in entities:
        if e.id in by_id:
            continue
        by_id[e.id] = e
        ids = [i.number for i in e.identifiers]
        rows.extend((e.id, e.type, alias, ids) for alias in e.all_names())
    return NameIndex.build(rows), by_id


def rescreen(
    diff: ListDiff,
    subjects: Iterable[MonitoredSubject],
    threshold: float = 0.7,
    weights: FeatureWeights | None = None,
) -> list[MonitoringHit]:
    """New hits caused by the entities added or changed in `diff`."""
    changed = {e.id: "added" for e in diff.added} | {e.id: "changed" for e in diff.changed}
    if not changed:
        return []
    index, by_id = index_entities([*diff.added, *diff.changed])

    def fetch(ids: list[str]) -> dict[str, Entity]:
        return {i: by_id[i] for i in ids if i in by_id}

    hits: list[MonitoringHit] = []
    for s in subjects:
        subject = Subject.screened(s.name, s.dob, s.country, s.type, s.identifiers)
        for ent, score, alias, expl in screen_index(subject, index, fetch, threshold, 20, weights):
            hits.append(
                MonitoringHit(
                    subject_id=s.id,
                    entity_id=ent.id,
                    list=diff.list,
                    list_version=diff.new_version,
                    name=ent.name,
                    matched_name=alias,
                    score=score,
                    change=changed[ent.id],
                    explanation=expl,
                )
            )
    hits.sort(key=lambda h: (h.subject_id, -h.score))
    return hits
