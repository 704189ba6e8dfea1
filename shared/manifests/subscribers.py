"""A tenant's own subscriber: a Trigger on its Broker for the public event types.

`idmesh manifests --tenant SLUG --subscriber URL --types TYPE...` renders one Trigger per
type (a Trigger filter matches one exact `type`); the subscriber is any addressable URL (a
Knative Service of the tenant, a cluster-local Service, an external HTTPS endpoint).
Locally, `idmesh up --triggers FILE` loads the same Trigger files into the local broker.
The public contract (types, JSON Schemas, versioning): docs/events.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from events.contract import PUBLIC_EVENT_TYPES
from events.types import SESSION_DECIDED
from shared.manifests.render import check_slug, render_template, tenant_namespace


def render_subscriber(
    slug: str, url: str, types: Iterable[str] = (SESSION_DECIDED), dead_letter_uri: str = ""
) -> list[dict[str, Any]]:
    check_slug(slug)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"subscriber must be an absolute http(s) URL, got {url!r}")
    types = list(dict.fromkeys([types] if isinstance(types, str) else types))
    if not types:
        raise ValueError("give at least one event type")
    for t in types:
        if t not in PUBLIC_EVENT_TYPES:
            raise ValueError(f"{t!r} is not a public event type ({', '.join(PUBLIC_EVENT_TYPES)})")
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    docs = []
    for t in types:
        short = t.removeprefix("io.idmesh.").rsplit(".", 1)[0].replace(".", "-")
        doc = render_template(
            "knative/trigger.yaml",
            name=f"subscriber-{digest}-{short}",
            namespace=tenant_namespace(slug),
            slug=slug,
            attributes={"type": t},
            subscriber_uri=url,
            timeout="PT30S",
            dead_letter_uri=dead_letter_uri or None,
        )
        if not dead_letter_uri:
            doc["spec"]["delivery"].pop("deadLetterSink", None)
        doc["metadata"]["labels"]["idmesh.io/subscriber"] = digest
        docs.append(doc)
    return docs
