"""Locally, a tenant's broker and triggers exist once their manifests are in the broker's
manifests directory: rendered from the same templates a cluster would apply."""

from __future__ import annotations

from pathlib import Path

from shared.manifests.render import render_tenant, write


def write_tenant_manifests(manifests_dir: str | Path, slug: str, tenant_id: str) -> Path:
    return write(render_tenant(slug, str(tenant_id)), manifests_dir, f"tenant-{slug}.yaml")
