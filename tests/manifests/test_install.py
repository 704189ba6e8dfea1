"""The install (issue 15): Kustomize base + overlays built by the real `kubectl kustomize`,
the production overlay equal to the production render, the install findings of the offline
validator (each shown able to fail), connection budgets, Secrets, subscriber Triggers, and
the readiness gate on the migration level against a real Postgres."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess

import pytest
import yaml

from shared.catalog import FUNCTIONS
from shared.db.schema_level import missing_migrations, wait_for_schema
from shared.manifests.capacity import client_connections, fit_direct, pgbouncer_budget
from shared.manifests.findings import install_errors
from shared.manifests.kustomize import json_patch, production_values, write_tree
from shared.manifests.render import render_platform, render_tenant
from shared.manifests.secrets import SECRETS, secret_commands
from shared.manifests.subscribers import render_subscriber
from shared.manifests.validate import validate_documents
from shared.manifests.values import AmlList, ClusterValues, ReferenceData, Tenant

TENANT_ID = "5f0c6a7e-0d4e-4a51-9d1e-3c1c2f0e9a11"
VALUES = ClusterValues(
    public_url="https://kyc.example.com",
    smtp={"host": "smtp.example.com", "user": "idmesh"},
    sms={"webhook_url": "https://sms.example.com/send"},
    images={"registry": "registry.example/idmesh", "tag": "1.2.3"},
    tenants=(
        Tenant(slug="acme", id=TENANT_ID),
        Tenant(
            slug="bigbank", id="0b7e2c1a-6a43-4c55-9a51-2f1e0f5d7c22", dedicated=("face_match",)
        ),
    ),
)


def _canon(docs):
    return sorted(json.dumps(d, sort_keys=True) for d in docs)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return write_tree(tmp_path_factory.mktemp("kustomize"), VALUES)


def _build(tree, overlay):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed")
    out = subprocess.run(
        [kubectl, "kustomize", str(tree / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def test_production_overlay_is_the_production_render(tree):
    built = _build(tree, "production")
    prod = production_values(VALUES)
    expected = render_platform(values=prod)
    for t in VALUES.tenants:
        expected += render_tenant(t.slug, t.id, dedicated=t.dedicated, values=prod)
    assert _canon(built) == _canon(expected)
    report = validate_documents(built, production=True)
    assert report.errors == []
    brokers = [d for d in built if d["kind"] == "Broker"]
    assert len(brokers) == 3  # two tenants and the platform Broker
    for b in brokers:
        assert b["metadata"]["annotations"]["eventing.knative.dev/broker.class"] == "Kafka"
        assert b["spec"]["config"]["name"] == "idmesh-kafka-broker-config"
    relay = next(d for d in built if d["kind"] == "Service" and d["metadata"]["name"] == "relay")
    env = {
        e["name"]: e.get("value") for e in relay["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert (
        env["IDMESH_BROKER_URL"] == "http://kafka-broker-ingress.knative-eventing.svc.cluster.local"
    )
    kinds = {(d["kind"], d["metadata"]["name"]) for d in built}
    assert ("Deployment", "idmesh-pgbouncer") in kinds and ("Job", "idmesh-migrate") in kinds


@pytest.mark.parametrize("overlay", ["pooled", "dedicated"])
def test_development_overlays_build_and_validate(tree, overlay):
    built = _build(tree, overlay)
    assert validate_documents(built).errors == []
    dedicated = [d for d in built if d["metadata"]["name"] == "face-match-bigbank"]
    assert bool(dedicated) == (overlay == "dedicated")
    # The base is not production: the validator says why.
    errors = " ".join(validate_documents(built, production=True).errors)
    assert "InMemoryChannel" in errors and "PgBouncer" in errors


def test_json_patch_roundtrip():
    old = {"a": {"b": [1, 2], "c": "x", "gone": 1}, "l": [{"k": 1}]}
    new = {"a": {"b": [1, 2, 3], "c": "y", "new": {"z": 1}}, "l": [{"k": 2}]}
    ops = json_patch(old, new)
    assert {"op": "remove", "path": "/a/gone"} in ops
    assert {"op": "replace", "path": "/a/b", "value": [1, 2, 3]} in ops
    assert {"op": "replace", "path": "/l/0/k", "value": 2} in ops


def test_connections_fit():
    specs = list(FUNCTIONS.values())
    assert client_connections(specs) > 500  # what the pods would open at max scale
    budget = pgbouncer_budget(specs, VALUES.database)
    assert budget.server_connections <= VALUES.database.max_connections - 10
    assert budget.transaction_pool >= 5 and budget.session_pool >= 2
    direct = fit_direct(specs, VALUES.database)
    assert client_connections(direct) <= 90
    assert all(d.max_scale >= max(1, d.min_scale) for d in direct)


def _platform(values=VALUES):
    return render_platform(values=values)


def _svc(docs, name):
    return next(d for d in docs if d["kind"] == "Service" and d["metadata"]["name"] == name)


def _fails(docs, needle, production=False):
    errors = install_errors(docs, production)
    assert any(needle in e for e in errors), errors


def test_findings_each_fail():
    base = _platform() + render_tenant("acme", TENANT_ID, values=VALUES)
    assert install_errors(base) == []

    docs = copy.deepcopy(base)
    _svc(docs, "email")["spec"]["template"]["spec"]["containers"][0]["readinessProbe"][
        "periodSeconds"
    ] = 2
    _fails(docs, "aggressive readiness")

    docs = copy.deepcopy(base)
    env = _svc(docs, "api")["spec"]["template"]["spec"]["containers"][0]["env"]
    env.append({"name": "X", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}})
    _fails(docs, "CreateContainerConfigError")

    _fails(base, "InMemoryChannel", production=True)

    docs = copy.deepcopy(base)
    pod = _svc(docs, "aml")["spec"]["template"]["spec"]
    pod["volumes"].append(
        {"name": "data", "persistentVolumeClaim": {"claimName": "idmesh-platform-data"}}
    )
    _fails(docs, "podspec-persistent-volume-claim")

    docs = copy.deepcopy(base)
    trig = next(d for d in docs if d["metadata"]["name"] == "check-email")
    trig["spec"]["delivery"]["timeout"] = "PT10S"
    _fails(docs, "scale from zero")

    docs = copy.deepcopy(base)
    ann = _svc(docs, "orchestrator")["spec"]["template"]["metadata"]["annotations"]
    ann["autoscaling.knative.dev/min-scale"] = "0"
    _fails(docs, "orchestrator needs min-scale")

    docs = copy.deepcopy(base)
    for d in docs:
        if d["kind"] == "Service" and d["apiVersion"].startswith("serving"):
            d["spec"]["template"]["metadata"]["annotations"][
                "autoscaling.knative.dev/max-scale"
            ] = "20"
    _fails(docs, "above the default max_connections")

    docs = [d for d in copy.deepcopy(base) if d["kind"] != "Job"]
    _fails(docs, "no migration Job")

    docs = copy.deepcopy(base)
    cm = next(d for d in docs if d["metadata"]["name"] == "idmesh-config")
    cm["data"]["IDMESH_PUBLIC_URL"] = "http://127.0.0.1:8080"
    _fails(docs, "not a public URL")

    docs = copy.deepcopy(base)
    _svc(docs, "api")["spec"]["template"]["spec"]["containers"][0]["securityContext"] = {}
    _fails(docs, "non-root")

    docs = copy.deepcopy(base)
    _svc(docs, "api")["spec"]["template"]["spec"]["containers"][0]["envFrom"] = []
    _fails(docs, "idmesh-config")

    docs = [d for d in copy.deepcopy(base) if d["kind"] != "ClusterRole"]
    _fails(docs, "no provisioner")

    docs = copy.deepcopy(base)
    _svc(docs, "email")["spec"]["template"]["spec"]["containers"][0]["image"] = "x/email:1"
    _fails(docs, "one image")

    _fails(
        render_platform(values=production_values(ClusterValues())),
        "pins the image",
        production=True,
    )

    prod = production_values(VALUES)
    docs = _platform(prod)
    cm = next(d for d in docs if d["metadata"]["name"] == "idmesh-pgbouncer")
    cm["data"]["server-max-connections"] = "20"
    _fails(docs, "exceed max_connections", production=True)


def test_reference_data_is_loaded_by_jobs_into_postgres_not_a_volume():
    """No Service mounts a claim and none is rendered; each configured list and the trust
    material get a Job that runs the CLI as the owner role."""
    plain = _platform()
    assert not [d for d in plain if d["kind"] == "PersistentVolumeClaim"]
    assert not [d for d in plain if d["metadata"]["name"].startswith("idmesh-aml-load")]
    values = VALUES.model_copy(
        update={
            "reference_data": ReferenceData(
                aml_lists=(
                    AmlList(
                        url="https://lists.example/sdn.xml", format="ofac-xml", sha256="ab" * 32
                    ),
                ),
                nfc_trust=("https://pkd.example/masterlist.ml",),
            )
        }
    )
    docs = _platform(values)
    for d in docs:
        if d["kind"] == "Service" and d["apiVersion"].startswith("serving.knative"):
            volumes = d["spec"]["template"]["spec"].get("volumes") or []
            assert not [v for v in volumes if "persistentVolumeClaim" in v], d["metadata"]
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Job"}
    aml = jobs["idmesh-aml-load-0"]["spec"]["template"]["spec"]["containers"][0]
    assert aml["args"] == [
        "idmesh", "aml", "load", "https://lists.example/sdn.xml", "--format", "ofac-xml",
        "--sha256", "ab" * 32,
    ]  # fmt: skip
    nfc = jobs["idmesh-nfc-trust-import"]["spec"]["template"]["spec"]["containers"][0]
    assert nfc["args"][:4] == ["idmesh", "nfc", "trust", "import"]
    for c in (aml, nfc):
        ref = c["env"][0]["valueFrom"]["secretKeyRef"]
        assert (c["env"][0]["name"], ref["name"]) == (
            "IDMESH_OWNER_DATABASE_URL",
            "idmesh-database-owner",
        )
        assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert install_errors(docs) == []


def test_settings_come_from_the_values():
    docs = _platform()
    cm = next(d for d in docs if d["metadata"]["name"] == "idmesh-config")
    assert cm["data"]["IDMESH_PUBLIC_URL"] == "https://kyc.example.com"
    assert cm["data"]["IDMESH_SMTP_HOST"] == "smtp.example.com"
    assert cm["data"]["IDMESH_SMS_WEBHOOK_URL"] == "https://sms.example.com/send"
    api = _svc(docs, "api")["spec"]["template"]["spec"]["containers"][0]
    assert api["image"] == "registry.example/idmesh/idmesh:1.2.3"
    relay = _svc(_platform(production_values(VALUES)), "relay")
    env = {e["name"]: e for e in relay["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["IDMESH_FUNCTION_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"] == "relay-url"
    # the relay's own role, through PgBouncer's session pool (it LISTENs)
    assert "idmesh_fn_relay:" in secret_commands("idmesh", pgbouncer=True).split("relay-url=")[1]
    assert "/idmesh_session" in secret_commands("idmesh", True).split("relay-url=")[1].split()[0]


def test_secret_commands_cover_every_reference():
    docs = _platform(production_values(VALUES))
    text = secret_commands("idmesh", pgbouncer=True)
    referenced = set()
    for d in docs:
        for c in d.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            for e in c.get("env") or []:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    referenced.add(ref["name"])
        for v in d.get("spec", {}).get("template", {}).get("spec", {}).get("volumes", []) or []:
            if "secret" in v:
                referenced.add(v["secret"]["secretName"])
    assert referenced <= set(SECRETS)
    for name in referenced:
        assert f"create secret generic {name} " in text
    assert "idmesh-pgbouncer.idmesh.svc.cluster.local:6432/idmesh_session" in text


def test_subscriber_triggers():
    docs = render_subscriber(
        "acme",
        "https://hooks.acme.example/kyc",
        ["io.idmesh.session.decided.v1", "io.idmesh.aml.hit.v1"],
    )
    assert [d["spec"]["filter"]["attributes"]["type"] for d in docs] == [
        "io.idmesh.session.decided.v1",
        "io.idmesh.aml.hit.v1",
    ]
    assert all(d["metadata"]["namespace"] == "tenant-acme" for d in docs)
    assert validate_documents(docs).errors == []
    with pytest.raises(ValueError, match="public event type"):
        render_subscriber("acme", "https://x.example", ["io.idmesh.check.requested.v1"])
    with pytest.raises(ValueError, match="absolute"):
        render_subscriber("acme", "file:///etc/passwd", ["io.idmesh.session.decided.v1"])


def test_readiness_waits_for_the_migration_level(pg, monkeypatch):
    assert missing_migrations(pg.urls.app) == []
    wait_for_schema(pg.urls.app, timeout=5)
    from shared.db import bootstrap, schema_level

    real = bootstrap.available_migrations()
    extra = bootstrap.Migration(9999, "future", "SELECT 1")
    monkeypatch.setattr(schema_level, "available_migrations", lambda: [*real, extra])
    assert missing_migrations(pg.urls.app) == [9999]
    with pytest.raises(schema_level.SchemaNotReady, match="9999"):
        wait_for_schema(pg.urls.app, timeout=0.5, interval=0.1)
