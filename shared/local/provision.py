"""Locally, a tenant's broker and triggers exist once their manifests are in the broker's
manifests directory: rendered from the same templates a cluster would apply."""

from __future__ import annotations

from pathlib import Path

from shared.manifests.render import render_tenant, write


def write_tenant_manifests(manifests_dir: str | Path, slug: str, tenant_id: str) -> Path:
    return write(render_tenant(slug, str(tenant_id)), manifests_dir, f"tenant-{slug}.yaml")


def add_trigger_file(manifests_dir: str | Path, path: Path) -> Path:
    """Copy a file of Triggers into the broker's directory (ValueError if it holds anything
    else, or a Trigger Knative's webhook would refuse)."""
    import yaml

    from shared.broker.config import validate_trigger

    docs = [d for d in yaml.safe_load_all(Path(path).read_text(encoding="utf-8")) if d]
    for d in docs:
        if d.get("kind") != "Trigger":
            raise ValueError(f"{path}: only Triggers may be added, found {d.get('kind')}")
        problems = validate_trigger(d)
        if problems:
            raise ValueError(f"{path}: {'; '.join(problems)}")
    return write(docs, manifests_dir, f"extra-{Path(path).stem}.yaml")
