"""Where list versions, entities and their name indexes live.

`ListStore` is the port (Postgres later); `FileListStore` keeps a SQLite file (stdlib) and one
`.npz` index per list version in a data directory: `$IDMESH_DATA_DIR/aml/`, by default
`./.idmesh/aml/`. Lists are platform data shared by every tenant (no tenant column).

A load is one SQLite transaction: the version row, every entity and the index file are
written, the list's "current" pointer moves, then it commits. Any error before the commit rolls
back and deletes the half-written index, so the previous version stays in force.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Protocol

from shared.aml.index import INDEX_FORMAT, NameIndex
from shared.aml.models import Entity, ListDiff, ListVersion
from shared.config import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (entities so far, aliases so far)


def default_data_dir() -> Path:
    return Path(Settings.from_env().data_dir).absolute() / "aml"


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


_SCHEMA = """
create table if not exists list_version (
  id text primary key, list text not null, source text not null, format text not null,
  published text, sha256 text not null, loaded_at text not null,
  entity_count integer not null, alias_count integer not null);
create table if not exists current_version (
  list text primary key, version_id text not null references list_version(id));
create table if not exists entity (
  version_id text not null, entity_id text not null, hash text not null, body text not null,
  primary key (version_id, entity_id)) without rowid;
"""


class FileListStore:
    """SQLite + one `.npz` per version, in `data_dir` (created on first use)."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir else default_data_dir()
        self.db_path = self.data_dir / "lists.sqlite3"
        self._indexes: dict[str, NameIndex] = {}
        self._local = threading.local()
        self._current: tuple[int, dict[str, ListVersion]] | None = None

    def _connect(self) -> sqlite3.Connection:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "index").mkdir(exist_ok=True)
        con = sqlite3.connect(self.db_path, isolation_level=None, timeout=30)
        con.execute("pragma journal_mode=wal")
        con.execute("pragma synchronous=normal")
        con.executescript(_SCHEMA)
        return con

    def _reader(self) -> sqlite3.Connection:
        """One long-lived read connection per thread (opening one costs ~0.3 ms)."""
        con = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self._connect()
        return con

    def index_path(self, version_id: str) -> Path:
        return self.data_dir / "index" / f"{version_id}.npz"

    def exists(self) -> bool:
        return self.db_path.exists()

    # --- writing --------------------------------------------------------------------------
    def load_version(
        self, version: ListVersion, entities: Iterable[Entity], progress: Progress | None = None
    ) -> tuple[ListVersion, bool]:
        current = self.current_versions().get(version.list)
        if current and current.sha256 == version.sha256:
            return current, False
        index_file = self.index_path(version.id)
        with closing(self._connect()) as con:
            try:
                con.execute("begin immediate")
                con.execute("delete from entity where version_id = ?", (version.id,))
                con.execute("delete from list_version where id = ?", (version.id,))
                counts = {"entities": 0, "aliases": 0}

                def rows() -> Iterator[tuple[str, str, str, list[str]]]:
                    """Stores entities in batches while feeding their names to the index."""
                    batch: list[tuple[str, str, str, str]] = []
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
                        batch.append(
                            (version.id, ent.id, ent.content_hash(), ent.model_dump_json())
                        )
                        if len(batch) >= 5000:
                            con.executemany("insert into entity values (?,?,?,?)", batch)
                            batch.clear()
                            if progress:
                                progress(counts["entities"], counts["aliases"])
                    if batch:
                        con.executemany("insert into entity values (?,?,?,?)", batch)

                index = NameIndex.build(rows())
                n_ent = counts["entities"]
                if n_ent == 0:
                    raise ValueError("the file holds no entities; previous version kept")
                if progress:
                    progress(n_ent, counts["aliases"])
                index.save(index_file)
                version = version.model_copy(
                    update={"entity_count": n_ent, "alias_count": index.n_aliases}
                )
                con.execute(
                    "insert into list_version values (?,?,?,?,?,?,?,?,?)",
                    (
                        version.id,
                        version.list,
                        version.source,
                        version.format,
                        version.published,
                        version.sha256,
                        version.loaded_at,
                        version.entity_count,
                        version.alias_count,
                    ),
                )
                con.execute(
                    "insert into current_version values (?, ?) on conflict(list) do update "
                    "set version_id = excluded.version_id",
                    (version.list, version.id),
                )
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                index_file.unlink(missing_ok=True)
                raise
        self._indexes[version.id] = index
        self._current = None
        return version, True

    # --- reading --------------------------------------------------------------------------
    def current_versions(self) -> dict[str, ListVersion]:
        if not self.exists():
            return {}
        con = self._reader()
        # data_version changes only when another connection commits: cheap freshness check.
        stamp = con.execute("pragma data_version").fetchone()[0]
        if self._current is not None and self._current[0] == stamp:
            return dict(self._current[1])
        cur = con.execute(
            "select v.* from current_version c join list_version v on v.id = c.version_id "
            "order by v.list"
        )
        versions = {r[1]: _version(r) for r in cur.fetchall()}
        self._current = (stamp, versions)
        return dict(versions)

    def versions(self, list_name: str | None = None) -> list[ListVersion]:
        if not self.exists():
            return []
        with closing(self._connect()) as con:
            q = "select * from list_version"
            args: tuple = ()
            if list_name:
                q += " where list = ?"
                args = (list_name,)
            return [_version(r) for r in con.execute(q + " order by loaded_at", args)]

    def entities(self, version_id: str, entity_ids: list[str]) -> dict[str, Entity]:
        if not entity_ids:
            return {}
        out: dict[str, Entity] = {}
        con = self._reader()
        for i in range(0, len(entity_ids), 500):
            chunk = entity_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for eid, body in con.execute(
                f"select entity_id, body from entity where version_id = ? "
                f"and entity_id in ({marks})",
                (version_id, *chunk),
            ):
                out[eid] = Entity.model_validate_json(body)
        return out

    def iter_entities(self, version_id: str) -> Iterator[Entity]:
        with closing(self._connect()) as con:
            for (body,) in con.execute(
                "select body from entity where version_id = ?", (version_id,)
            ):
                yield Entity.model_validate_json(body)

    def diff(self, list_name: str, old_version: str | None, new_version: str) -> ListDiff:
        """Added and changed entities of `new_version` relative to `old_version`."""
        out = ListDiff(list=list_name, old_version=old_version, new_version=new_version)
        with closing(self._connect()) as con:
            rows = con.execute(
                "select n.body, o.hash from entity n left join entity o "
                "on o.version_id = ? and o.entity_id = n.entity_id "
                "where n.version_id = ? and (o.hash is null or o.hash <> n.hash)",
                (old_version or "", new_version),
            )
            for body, old_hash in rows:
                (out.added if old_hash is None else out.changed).append(
                    Entity.model_validate_json(body)
                )
            if old_version:
                out.removed_ids = [
                    r[0]
                    for r in con.execute(
                        "select o.entity_id from entity o where o.version_id = ? and not exists "
                        "(select 1 from entity n where n.version_id = ? "
                        "and n.entity_id = o.entity_id)",
                        (old_version, new_version),
                    )
                ]
        return out

    def index(self, version_id: str) -> NameIndex:
        idx = self._indexes.get(version_id)
        if idx is None:
            path = self.index_path(version_id)
            idx = NameIndex.load(path) if path.exists() else None
            if idx is None or idx.format != INDEX_FORMAT:
                log.info("rebuilding the name index of %s (format changed)", version_id)
                idx = NameIndex.build(
                    (e.id, e.type, alias, [i.number for i in e.identifiers])
                    for e in self.iter_entities(version_id)
                    for alias in e.all_names()
                )
                idx.save(path)
            self._indexes[version_id] = idx
        return idx


def _version(r: tuple) -> ListVersion:
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
