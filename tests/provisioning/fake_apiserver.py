"""A loopback stand-in for the Kubernetes API server, strict where server-side apply is.

There is no Kubernetes here, so the provisioner's requests go to this HTTPS server, which
checks them the way kube-apiserver does for the calls the provisioner makes:
- TLS with the ServiceAccount's CA and `Authorization: Bearer <token>` (401 otherwise);
- PATCH paths `/api/v1/namespaces/{name}` and
  `/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}`; the body's apiVersion, kind,
  name and namespace must match the path (400); a namespaced object needs its Namespace
  (404);
- server-side apply: Content-Type `application/apply-patch+yaml` (415 otherwise),
  `fieldManager` required (400), body parsed as YAML; every leaf field is owned by a
  manager; applying a different value to a field another manager owns is a 409 Conflict
  unless `force=true`, which takes the field over;
- GET of an object returns it with `status` (a Broker turns Ready after `ready_after` GETs).
"""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from shared.http.server_reply import send_json
from tests.tls import self_signed

PLURALS = {
    "brokers": ("eventing.knative.dev", "Broker"),
    "triggers": ("eventing.knative.dev", "Trigger"),
    "eventpolicies": ("eventing.knative.dev", "EventPolicy"),
    "services": ("serving.knative.dev", "Service"),
    "peerauthentications": ("security.istio.io", "PeerAuthentication"),
    "authorizationpolicies": ("security.istio.io", "AuthorizationPolicy"),
    "virtualservices": ("networking.istio.io", "VirtualService"),
}


def _leaves(node: Any, prefix: tuple = ()) -> dict[tuple, Any]:
    if isinstance(node, dict) and node:
        out: dict[tuple, Any] = {}
        for k, v in node.items():
            out.update(_leaves(v, (*prefix, k)))
        return out
    return {prefix: node}


class FakeApiServer:
    def __init__(self, folder: Path, token: str = "sa-token", ready_after: int = 1) -> None:
        self.token = token
        self.ready_after = ready_after
        self.objects: dict[str, dict] = {}
        self.owners: dict[str, dict[tuple, str]] = {}
        self.requests: list[dict] = []
        self.gets: dict[str, int] = {}
        self.lock = threading.Lock()
        crt, key = self_signed(folder / "ca.crt", folder / "server.key", "kube-apiserver", ca=True)
        self.ca = crt
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _status(self, code: int, reason: str, message: str) -> None:
                send_json(
                    self,
                    code,
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "reason": reason,
                        "message": message,
                        "code": code,
                    },
                )

            def do_PATCH(self):  # noqa: N802
                outer.handle(self, "PATCH")

            def do_GET(self):  # noqa: N802
                outer.handle(self, "GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(crt, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()

    # -- request handling -----------------------------------------------------------------
    @staticmethod
    def _parse_path(path: str) -> tuple[str, str, str, str] | None:
        """(apiVersion, kind, namespace, name) of a resource path."""
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "v1"] and len(parts) == 4 and parts[2] == "namespaces":
            return "v1", "Namespace", "", parts[3]
        if parts[0] == "apis" and len(parts) == 7 and parts[3] == "namespaces":
            group, version, _, ns, plural, name = parts[1:]
            if plural in PLURALS and PLURALS[plural][0] == group:
                return f"{group}/{version}", PLURALS[plural][1], ns, name
        return None

    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        rec = {
            "method": method,
            "path": url.path,
            "query": query,
            "content_type": h.headers.get("Content-Type", ""),
            "body": body,
        }
        with self.lock:
            self.requests.append(rec)
        if h.headers.get("Authorization") != f"Bearer {self.token}":
            return h._status(401, "Unauthorized", "bad or missing bearer token")
        target = self._parse_path(url.path)
        if target is None:
            return h._status(404, "NotFound", f"no such resource path {url.path}")
        api, kind, ns, name = target
        key = f"{api}|{kind}|{ns}|{name}"
        with self.lock:
            if method == "GET":
                obj = self.objects.get(key)
                if obj is None:
                    return h._status(404, "NotFound", f"{kind} {name} not found")
                self.gets[key] = self.gets.get(key, 0) + 1
                if kind == "Broker" and self.gets[key] > self.ready_after:
                    obj["status"] = {"conditions": [{"type": "Ready", "status": "True"}]}
                return send_json(h, 200, obj)
            return self._apply(h, query, rec, api, kind, ns, name, key, body)

    def _apply(self, h, query, rec, api, kind, ns, name, key, body) -> None:
        if rec["content_type"].split(";")[0].strip() != "application/apply-patch+yaml":
            return h._status(
                415,
                "UnsupportedMediaType",
                f"the provisioner must use server-side apply, got {rec['content_type']}",
            )
        manager = query.get("fieldManager")
        if not manager:
            return h._status(400, "BadRequest", "fieldManager is required for apply patch")
        try:
            doc = yaml.safe_load(body)
        except yaml.YAMLError as exc:
            return h._status(400, "BadRequest", f"invalid YAML: {exc}")
        meta = (doc or {}).get("metadata") or {}
        if (doc.get("apiVersion"), doc.get("kind"), meta.get("name")) != (api, kind, name):
            return h._status(400, "BadRequest", "body apiVersion/kind/name do not match the path")
        if ns and meta.get("namespace", ns) != ns:
            return h._status(400, "BadRequest", "the namespace of the body does not match")
        if ns and f"v1|Namespace||{ns}" not in self.objects:
            return h._status(404, "NotFound", f'namespaces "{ns}" not found')
        owners = self.owners.setdefault(key, {})
        current = self.objects.get(key, {})
        current_leaves = _leaves({k: v for k, v in current.items() if k != "status"})
        conflicts = []
        for path, value in _leaves(doc).items():
            owner = owners.get(path)
            if owner and owner != manager and current_leaves.get(path) != value:
                conflicts.append(".".join(map(str, path)))
        if conflicts and query.get("force") != "true":
            return h._status(
                409,
                "Conflict",
                f"Apply failed with {len(conflicts)} conflicts: "
                f"conflicts with other managers on {', '.join(conflicts)}",
            )
        merged = json.loads(json.dumps(current))
        for path, value in _leaves(doc).items():
            node = merged
            for part in path[:-1]:
                node = node.setdefault(part, {})
            if path:
                node[path[-1]] = value
            owners[path] = manager
        if ns:
            merged.setdefault("metadata", {})["namespace"] = ns
        self.objects[key] = merged
        return send_json(h, 200, merged)

    def own(self, doc: dict, manager: str) -> None:
        """Seed an object as if another manager (kubectl) had applied it."""
        meta = doc["metadata"]
        key = f"{doc['apiVersion']}|{doc['kind']}|{meta.get('namespace', '')}|{meta['name']}"
        self.objects[key] = json.loads(json.dumps(doc))
        self.owners[key] = dict.fromkeys(_leaves(doc), manager)
