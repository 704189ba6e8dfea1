"""Where list versions, entities and their name indexes live: Postgres.

`ListStore` is the port; `PgListStore` keeps every version in platform-wide tables
(migration 0170: `aml_list_versions`, `aml_entities`, `aml_list_indexes`,
`aml_current_versions`). Lists are platform data shared by every tenant (no tenant column):
the `aml` function's role reads them, only the owner role writes them (`idmesh aml load`, a
Job on a cluster), so no volume is shared between pods.

A load is one Postgres transaction: the version row, every entity (COPY) and the built name
index (`.npz`, with its sha256) are written, the list's current version moves, then it
commits. Any error before the commit rolls everything back, so the previous version stays in
force. Readers keep the current versions' indexes in memory and check the (tiny) current
version table at most every `IDMESH_AML_REFRESH_SECONDS`; a new version's index is then
loaded from Postgres (its hash checked) or, when its format is older than the code's, rebuilt
in memory from the entities.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

import psycopg

from shared.aml.index import INDEX_FORMAT, NameIndex
from shared.aml.models import Entity, ListDiff, ListVersion
from shared.config import Settings
from shared.db.tenant_tx import Database

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (entities so far, aliases so far)
_LOAD_LOCK = 72_176_170  # one load at a time (advisory lock, transaction-scoped)


class ListStore(Protocol):
    def load_version(
        self, version: ListVersion, entities: Iterable[Entity], progress: Progress | None = None
    ) -> tuple[ListVersion, bool]:
        """Store a version atomically and make it current; (version, False) when the same file
        (same sha256) is already the current version of that list."""
        ...

    def current_versions(self) -> dict[str, ListVersion]: ...

    def entities(self, version_id: str, entity_ids: list[str]) -> dict[str, Entity]: ...

    def diff(self, list_name: str, old_version: str | None, new_version: str) -> ListDiff: ...

    def index(self, version_id: str) -> NameIndex: ...


_VERSION_COLUMNS = (
    "id, list, source, format, published, sha256, loaded_at, entity_count, alias_count"
)


class PgListStore:
    """The list store on Postgres. `url`: the reading role's (the function's own, else the
    application role) or, for loads, the owner's (`operator_database_url`)."""

    def __init__(self, url: str | None = None, refresh_seconds: float | None = None) -> None:
        settings = Settings.from_env() if url is None or refresh_seconds is None else None
        if url is None:
            from shared.db.function_role import process_database_url

            url = process_database_url(settings)
        self.url = url
        self.refresh_seconds = (
            settings.aml_refresh_seconds if refresh_seconds is None else refresh_seconds
        )
        self.db = Database(url, min_size=1, max_size=4)
        self._indexes: dict[str, NameIndex] = {}
        self._lock = threading.Lock()
        self._current: dict[str, ListVersion] | None = None
        self._checked = 0.0

    def close(self) -> None:
        self.db.close()

    # --- writing --------------------------------------------------------------------------
    def load_version(
        self, version: ListVersion, entities: Iterable[Entity], progress: Progress | None = None
    ) -> tuple[ListVersion, bool]:
        with psycopg.connect(self.url) as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_LOAD_LOCK,))
            row = con.execute(
                f"SELECT {_prefixed('v')} FROM aml_current_versions c "
                "JOIN aml_list_versions v ON v.id = c.version_id WHERE c.list = %s",
                (version.list,),
            ).fetchone()
            if row and row[5] == version.sha256:
                return _version(row), False
            con.execute("DELETE FROM aml_list_versions WHERE id = %s", (version.id,))
            con.execute(
                f"INSERT INTO aml_list_versions ({_VERSION_COLUMNS}) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 0, 0)",
                (
                    version.id,
                    version.list,
                    version.source,
                    version.format,
                    version.published,
                    version.sha256,
                    version.loaded_at,
                ),
            )
            counts = {"entities": 0, "aliases": 0}
            with con.cursor().copy(
                "COPY aml_entities (version_id, entity_id, hash, body) FROM STDIN"
            ) as copy:

                def rows() -> Iterator[tuple[str, str, str, list[str]]]:
                    """Streams entities into COPY while feeding their names to the index."""
                    seen: set[str] = set()
                    for ent in entities:
                        if ent.id in seen:
                            log.warning("duplicate entity id in list %s skipped", version.list)
                            continue
                        seen.add(ent.id)
                        counts["entities"] += 1
                        ids = [i.number for i in ent.identifiers]
                        for alias in ent.all_names():
                            counts["aliases"] += 1
                            yield ent.id, ent.type, alias, ids
                        copy.write_row(
                            (version.id, ent.id, ent.content_hash(), ent.model_dump_json())
                        )
                        if progress and counts["entities"] % 5000 == 0:
                            progress(counts["entities"], counts["aliases"])

                index = NameIndex.build(rows())
            n_ent = counts["entities"]
            if n_ent == 0:
                raise ValueError("the file holds no entities; previous version kept")
            if progress:
                progress(n_ent, counts["aliases"])
            version = version.model_copy(
                update={"entity_count": n_ent, "alias_count": index.n_aliases}
            )
            con.execute(
                "UPDATE aml_list_versions SET entity_count = %s, alias_count = %s WHERE id = %s",
                (version.entity_count, version.alias_count, version.id),
            )
            npz = index.to_bytes()
            con.execute(
                "INSERT INTO aml_list_indexes (version_id, format, sha256, npz) "
                "VALUES (%s, %s, %s, %s)",
                (version.id, index.format, hashlib.sha256(npz).hexdigest(), npz),
            )
            con.execute(
                "INSERT INTO aml_current_versions (list, version_id) VALUES (%s, %s) "
                "ON CONFLICT (list) DO UPDATE SET version_id = excluded.version_id, "
                "changed_at = clock_timestamp()",
                (version.list, version.id),
            )
        with self._lock:
            self._indexes[version.id] = index
            self._current = None
        return version, True

    # --- reading --------------------------------------------------------------------------
    def current_versions(self) -> dict[str, ListVersion]:
        """The version in force per list; re-read at most every `refresh_seconds`."""
        now = time.monotonic()
        current = self._current
        # No list at all is not cached: the first load is seen at once.
        if current and now - self._checked < self.refresh_seconds:
            return dict(current)
        with self.db.no_tenant() as conn:
            rows = conn.execute(
                f"SELECT {_prefixed('v')} FROM aml_current_versions c "
                "JOIN aml_list_versions v ON v.id = c.version_id ORDER BY v.list"
            ).fetchall()
        versions = {r["list"]: _version(r) for r in rows}
        with self._lock:
            self._current, self._checked = versions, now
            live = {v.id for v in versions.values()}
            for vid in [v for v in self._indexes if v not in live]:
                del self._indexes[vid]  # a replaced version's index is no longer needed
        return dict(versions)

    def versions(self, list_name: str | None = None) -> list[ListVersion]:
        q = f"SELECT {_VERSION_COLUMNS} FROM aml_list_versions"
        args: tuple = ()
        if list_name:
            q += " WHERE list = %s"
            args = (list_name,)
        with self.db.no_tenant() as conn:
            return [_version(r) for r in conn.execute(q + " ORDER BY loaded_at", args)]

    def entities(self, version_id: str, entity_ids: list[str]) -> dict[str, Entity]:
        if not entity_ids:
            return {}
        with self.db.no_tenant() as conn:
            rows = conn.execute(
                "SELECT entity_id, body FROM aml_entities "
                "WHERE version_id = %s AND entity_id = ANY(%s)",
                (version_id, list(entity_ids)),
            ).fetchall()
        return {r["entity_id"]: Entity.model_validate_json(r["body"]) for r in rows}

    def iter_entities(self, version_id: str) -> Iterator[Entity]:
        with self.db.no_tenant() as conn:
            cur = conn.cursor(name=f"aml_entities_{threading.get_ident()}")
            cur.itersize = 5000
            cur.execute(
                "SELECT body FROM aml_entities WHERE version_id = %s ORDER BY entity_id",
                (version_id,),
            )
            for r in cur:
                yield Entity.model_validate_json(r["body"])

    def diff(self, list_name: str, old_version: str | None, new_version: str) -> ListDiff:
        """Added and changed entities of `new_version` relative to `old_version`."""
        out = ListDiff(list=list_name, old_version=old_version, new_version=new_version)
        with self.db.no_tenant() as conn:
            rows = conn.execute(
                "SELECT n.body, o.hash AS old_hash FROM aml_entities n LEFT JOIN aml_entities o "
                "ON o.version_id = %s AND o.entity_id = n.entity_id "
                "WHERE n.version_id = %s AND (o.hash IS NULL OR o.hash <> n.hash) "
                "ORDER BY n.entity_id",
                (old_version or "", new_version),
            ).fetchall()
            for r in rows:
                (out.added if r["old_hash"] is None else out.changed).append(
                    Entity.model_validate_json(r["body"])
                )
            if old_version:
                out.removed_ids = [
                    r["entity_id"]
                    for r in conn.execute(
                        "SELECT o.entity_id FROM aml_entities o WHERE o.version_id = %s "
                        "AND NOT EXISTS (SELECT 1 FROM aml_entities n WHERE n.version_id = %s "
                        "AND n.entity_id = o.entity_id) ORDER BY o.entity_id",
                        (old_version, new_version),
                    )
                ]
        return out

    def index(self, version_id: str) -> NameIndex:
        idx = self._indexes.get(version_id)
        if idx is not None:
            return idx
        with self._lock:
            idx = self._indexes.get(version_id)
            if idx is None:
                idx = self._indexes[version_id] = self._load_index(version_id)
        return idx

    def _load_index(self, version_id: str) -> NameIndex:
        with self.db.no_tenant() as conn:
            row = conn.execute(
                "SELECT format, sha256, npz FROM aml_list_indexes WHERE version_id = %s",
                (version_id,),
            ).fetchone()
        if row is not None and row["format"] == INDEX_FORMAT:
            npz = bytes(row["npz"])
            if hashlib.sha256(npz).hexdigest() == row["sha256"]:
                idx = NameIndex.from_bytes(npz)
                if idx.format == INDEX_FORMAT:
                    return idx
            log.error("the stored name index of %s does not match its hash", version_id)
        log.info("building the name index of %s from its entities", version_id)
        return NameIndex.build(
            (e.id, e.type, alias, [i.number for i in e.identifiers])
            for e in self.iter_entities(version_id)
            for alias in e.all_names()
        )


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in _VERSION_COLUMNS.split(","))


def _version(r) -> ListVersion:
    if isinstance(r, dict):
        r = [r[c.strip()] for c in _VERSION_COLUMNS.split(",")]
    return ListVersion(
        id=r[0],
        list=r[1],
        source=r[2],
        format=r[3],
        published=r[4],
        sha256=r[5],
        loaded_at=r[6],
        entity_count=r[7],
        alias_count=r[8],
    )
