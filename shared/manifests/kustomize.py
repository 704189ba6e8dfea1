"""A Kustomize tree rendered from the same catalogue as `idmesh manifests`:

    base/                  the platform, development values (in-memory Broker backing,
                           direct Postgres connections with max scales cut to fit)
    overlays/pooled/       base + the tenants of the values file, all on the shared functions
    overlays/dedicated/    base + the tenants, with their tenant-dedicated Services
    overlays/production/   base patched to production (durable Broker backing, PgBouncer,
                           full max scales) + every tenant

Overlays never hold hand-written YAML: the production patches are the RFC 6902 difference
between the base render and the production render, so `kubectl kustomize
overlays/production` gives exactly `render_platform(production values)` (the tests check it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from shared.manifests.render import render_platform, render_tenant, to_yaml
from shared.manifests.values import DURABLE_BACKINGS, ClusterValues

Doc = dict[str, Any]


def base_values(values: ClusterValues) -> ClusterValues:
    return values.model_copy(
        update={
            "eventing": values.eventing.model_copy(update={"backing": "in-memory"}),
            "database": values.database.model_copy(update={"pgbouncer": False}),
        }
    )


def production_values(values: ClusterValues) -> ClusterValues:
    backing = values.eventing.backing
    return values.model_copy(
        update={
            "eventing": values.eventing.model_copy(
                update={"backing": backing if backing in DURABLE_BACKINGS else "kafka-broker"}
            ),
            "database": values.database.model_copy(update={"pgbouncer": True}),
        }
    )


def _key(doc: Mapping[str, Any]) -> tuple[str, str, str, str]:
    meta = doc.get("metadata") or {}
    return (
        str(doc["apiVersion"]),
        str(doc["kind"]),
        str(meta.get("namespace", "")),
        str(meta["name"]),
    )


def _pointer(parts: list[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def json_patch(old: Any, new: Any, path: list[str | int] | None = None) -> list[Doc]:
    """RFC 6902 operations turning `old` into `new` (lists of different length are replaced
    whole, which keeps container lists intact)."""
    path = path or []
    if isinstance(old, dict) and isinstance(new, dict):
        ops: list[Doc] = []
        for k in old:
            if k not in new:
                ops.append({"op": "remove", "path": _pointer([*path, k])})
        for k, v in new.items():
            if k not in old:
                ops.append({"op": "add", "path": _pointer([*path, k]), "value": v})
            else:
                ops += json_patch(old[k], v, [*path, k])
        return ops
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        ops = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            ops += json_patch(a, b, [*path, i])
        return ops
    if old == new:
        return []
    return [{"op": "replace", "path": _pointer(path), "value": new}]


def _tenants(values: ClusterValues, dedicated: bool) -> list[Doc]:
    docs: list[Doc] = []
    for t in values.tenants:
        docs += render_tenant(
            t.slug, t.id, dedicated=t.dedicated if dedicated else (), values=values
        )
    return docs


def _write(path: Path, docs: list[Doc]) -> str:
    path.write_text(to_yaml(docs), encoding="utf-8")
    return path.name


def _kustomization(folder: Path, resources: list[str], patches: list[Doc] | None = None) -> None:
    doc: Doc = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": resources,
    }
    if patches:
        doc["patches"] = patches
    (folder / "kustomization.yaml").write_text(
        "# Rendered by `idmesh manifests --kustomize`; edit the values file, not this tree.\n"
        + yaml.safe_dump(doc, sort_keys=False),
        encoding="utf-8",
    )


def write_tree(out: str | Path, values: ClusterValues) -> Path:
    root = Path(out)
    base_dir = root / "base"
    base_dir.mkdir(parents=True, exist_ok=True)
    base = render_platform(values=base_values(values))
    _kustomization(base_dir, [_write(base_dir / "platform.yaml", base)])

    for name, dedicated in (("pooled", False), ("dedicated", True)):
        folder = root / "overlays" / name
        folder.mkdir(parents=True, exist_ok=True)
        res = ["../../base"]
        tenants = _tenants(base_values(values), dedicated)
        if tenants:
            res.append(_write(folder / "tenants.yaml", tenants))
        _kustomization(folder, res)

    prod_values = production_values(values)
    prod = render_platform(values=prod_values)
    folder = root / "overlays" / "production"
    folder.mkdir(parents=True, exist_ok=True)
    base_by_key = {_key(d): d for d in base}
    prod_keys = {_key(d) for d in prod}
    added = [d for d in prod if _key(d) not in base_by_key]
    patches: list[Doc] = []
    for d in prod:
        k = _key(d)
        if k in base_by_key:
            ops = json_patch(base_by_key[k], d)
            if ops:
                patches.append(_target(k, yaml.safe_dump(ops, sort_keys=False)))
    dropped = [k for k in base_by_key if k not in prod_keys]
    if dropped:  # Kustomize cannot delete a base resource with a patch
        raise ValueError(f"production drops base resources {dropped}: render them in both")
    res = ["../../base"]
    if added:
        res.append(_write(folder / "production.yaml", added))
    tenants = _tenants(prod_values, True)
    if tenants:
        res.append(_write(folder / "tenants.yaml", tenants))
    _kustomization(folder, res, patches)
    return root


def _target(key: tuple[str, str, str, str], patch: str) -> Doc:
    api, kind, ns, name = key
    group, _, version = api.rpartition("/")
    target: Doc = {"version": version, "kind": kind, "name": name}
    if group:
        target["group"] = group
    if ns:
        target["namespace"] = ns
    return {"target": target, "patch": patch}
