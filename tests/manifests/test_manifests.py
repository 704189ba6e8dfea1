"""Rendered manifests pass the CRD schemas, Istio's CEL rules and Knative's webhook rules;
each rule is shown able to fail."""

from __future__ import annotations

import copy

import pytest
import yaml

from shared.catalog import CHECKS, IMAGE_CHECKS, service_name
from shared.cli.main import main as cli
from shared.manifests.render import render_platform, render_tenant
from shared.manifests.validate import (
    Report,
    autoscaling_errors,
    cel_errors,
    crds_dir,
    schema_errors,
    validate_documents,
)

TENANT_ID = "5f0c6a7e-0d4e-4a51-9d1e-3c1c2f0e9a11"


@pytest.fixture(scope="module")
def tenant_docs():
    return render_tenant(
        "acme",
        TENANT_ID,
        dedicated=["face_match"],
        image_registry="registry.example/idmesh",
        tag="1.0.0",
    )


@pytest.fixture(scope="module")
def platform_docs():
    return render_platform("registry.example/idmesh", "1.0.0")


def _by(docs, kind, name=None, namespace=None):
    out = [
        d
        for d in docs
        if d["kind"] == kind
        and (name is None or d["metadata"]["name"] == name)
        and (namespace is None or d["metadata"].get("namespace") == namespace)
    ]
    return out


def test_crds_are_there():
    assert (crds_dir() / "eventing.knative.dev" / "trigger_v1.json").is_file()


def test_everything_rendered_is_valid(tenant_docs, platform_docs):
    report = validate_documents(tenant_docs + platform_docs)
    assert report.errors == []
    assert report.cel_evaluated > 50  # the Istio CEL rules really ran
    assert report.cel_skipped == []


def test_tenant_set_shape(tenant_docs):
    (ns,) = _by(tenant_docs, "Namespace")
    assert ns["metadata"]["name"] == "tenant-acme"
    assert ns["metadata"]["labels"] == {"idmesh.io/tenant": "acme", "istio-injection": "enabled"}
    (broker,) = _by(tenant_docs, "Broker")
    assert broker["metadata"]["labels"]["idmesh.io/tenant"] == "acme"
    assert broker["metadata"]["annotations"]["idmesh.io/tenant-id"] == TENANT_ID
    triggers = _by(tenant_docs, "Trigger")
    assert len(triggers) == len(CHECKS) + 7
    for t in triggers:
        d = t["spec"]["delivery"]
        assert (d["retry"], d["backoffPolicy"], d["backoffDelay"]) == (5, "exponential", "PT0.5S")
        assert d["deadLetterSink"]["uri"] == "http://dead-letters.idmesh.svc.cluster.local"
        assert t["spec"]["broker"] == "default"
    for check in CHECKS:
        (t,) = _by(tenant_docs, "Trigger", f"check-{service_name(check)}")
        assert t["spec"]["filter"]["attributes"] == {
            "type": "io.idmesh.check.requested.v1",
            "checktype": check,
            "tenantid": TENANT_ID,
        }
        # face_match is dedicated to this tenant: its Trigger points at the tenant's Service.
        svc = f"{service_name(check)}-acme" if check == "face_match" else service_name(check)
        assert t["spec"]["subscriber"]["uri"] == f"http://{svc}.idmesh.svc.cluster.local"
        assert t["spec"]["subscriber"]["audience"] == f"serving.knative.dev/service/idmesh/{svc}"
        assert t["spec"]["delivery"]["timeout"] == ("PT60S" if check in IMAGE_CHECKS else "PT30S")
    routes = {
        t["spec"]["filter"]["attributes"]["type"]: t["spec"]["subscriber"]["uri"]
        for t in triggers
        if "checktype" not in t["spec"]["filter"]["attributes"]
    }
    assert all(t["spec"]["filter"]["attributes"]["tenantid"] == TENANT_ID for t in triggers)
    assert all(
        t["spec"]["delivery"]["deadLetterSink"]["audience"]
        == "serving.knative.dev/service/idmesh/dead-letters"
        for t in triggers
    )
    assert routes == {
        "io.idmesh.session.submitted.v1": "http://orchestrator.idmesh.svc.cluster.local",
        "io.idmesh.session.input.v1": "http://orchestrator.idmesh.svc.cluster.local",
        "io.idmesh.check.completed.v1": "http://orchestrator.idmesh.svc.cluster.local",
        "io.idmesh.session.decided.v1": "http://webhooks.idmesh.svc.cluster.local",
        "io.idmesh.session.updated.v1": "http://webhooks.idmesh.svc.cluster.local",
        "io.idmesh.aml.hit.v1": "http://webhooks.idmesh.svc.cluster.local",
        "io.idmesh.aml.hit.v2": "http://webhooks.idmesh.svc.cluster.local",
    }
    (pa,) = _by(tenant_docs, "PeerAuthentication")
    assert pa["spec"]["mtls"]["mode"] == "STRICT"
    assert _by(tenant_docs, "VirtualService") == []
    (svc,) = [d for d in _by(tenant_docs, "Service") if d["apiVersion"].startswith("serving")]
    assert svc["metadata"]["name"] == "face-match-acme"
    (policy,) = _by(tenant_docs, "EventPolicy")
    assert policy["spec"]["to"] == [
        {"ref": {"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": "default"}}
    ]
    assert policy["spec"]["from"] == [
        {"sub": "system:serviceaccount:idmesh:relay"},
        {"sub": "system:serviceaccount:tenant-acme:*"},
    ]


def test_platform_set_shape(platform_docs):
    services = {d["metadata"]["name"]: d for d in _by(platform_docs, "Service")}
    expected = {
        "api",
        "hosted",
        "console",
        "orchestrator",
        "webhooks",
        "relay",
        "dead-letters",
        "provisioner",
        *(service_name(c) for c in CHECKS),
    }
    assert set(services) == expected
    for name, svc in services.items():
        tmpl = svc["spec"]["template"]
        ann = tmpl["metadata"]["annotations"]
        assert ann["autoscaling.knative.dev/min-scale"] == (
            "1" if name in ("api", "hosted", "relay", "orchestrator") else "0"
        )
        container = tmpl["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        env = {e["name"]: e for e in container["env"]}
        db = env["IDMESH_FUNCTION_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        # each function connects as its own role (shared/db/grants.py)
        assert (db["name"], db["key"]) == ("idmesh-database", f"{name}-url")
        assert "IDMESH_APP_DATABASE_URL" not in env
        assert "DATABASE_URL" not in env  # functions never get a privileged connection
        assert env["IDMESH_MASTER_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "idmesh-master-key"
        # no shared volume: the aml/nfc reference data is read from Postgres
        assert not [v for v in tmpl["spec"].get("volumes") or [] if "persistentVolumeClaim" in v]
        assert "IDMESH_DATA_DIR" not in env
        assert env["FUNCTION_TARGET"]["value"] == name.replace("-", "_")
        assert "K_SINK" in env
        assert container["resources"]["limits"] and container["resources"]["requests"]
        # One image for every function: FUNCTION_TARGET selects it.
        assert container["image"] == "registry.example/idmesh/idmesh:1.0.0"
        visibility = svc["metadata"]["labels"].get("networking.knative.dev/visibility")
        assert visibility == (None if name in ("api", "hosted", "console") else "cluster-local")
        if name == "hosted":  # it reaches the API inside the mesh
            assert env["IDMESH_API_INTERNAL_URL"]["value"].startswith("http://api.")
    (ping,) = _by(platform_docs, "PingSource")
    assert ping["spec"]["schedule"] == "* * * * *"
    assert ping["spec"]["sink"]["ref"]["name"] == "relay"
    # STRICT on idmesh's own namespace only; never a mesh-wide policy in istio-system.
    assert _by(platform_docs, "PeerAuthentication", namespace="istio-system") == []
    (own,) = _by(platform_docs, "PeerAuthentication", namespace="idmesh")
    assert own["spec"]["mtls"]["mode"] == "STRICT"
    for svc in services.values():
        pod = svc["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        (vol,) = [v for v in pod["volumes"] if v["name"] == "kube-api-token"]
        token = vol["projected"]["sources"][0]["serviceAccountToken"]
        assert token["audience"] == "https://kubernetes.default.svc.cluster.local"
        env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
        assert env["IDMESH_OIDC_ISSUER_URL"] == "https://kubernetes.default.svc"
        # Senders to many audiences request tokens (and may, for their own account only).
        assert ("IDMESH_TOKEN_API_URL" in env) == (svc["metadata"]["name"] in ("relay", "api"))
    for sender in ("relay", "api"):
        (role,) = _by(platform_docs, "Role", f"idmesh-{sender}-tokens")
        assert role["rules"] == [
            {
                "apiGroups": [""],
                "resources": ["serviceaccounts/token"],
                "resourceNames": [sender],
                "verbs": ["create"],
            }
        ]
        (binding,) = _by(platform_docs, "RoleBinding", f"idmesh-{sender}-tokens")
        assert binding["subjects"][0]["name"] == sender
    # The API's HTTP function calls: only the API (or the activator in front of a scaled-to-
    # zero function) may POST /check, and only to the checks that run standalone.
    for name in ("aml", "id-document", "proof-of-address"):
        (allow,) = _by(platform_docs, "AuthorizationPolicy", f"allow-{name}")
        (call,) = [
            r for r in allow["spec"]["rules"] if r["to"][0]["operation"]["paths"] == ["/check"]
        ]
        assert call["from"][0]["source"]["principals"][0] == "cluster.local/ns/idmesh/sa/api"
    (email,) = _by(platform_docs, "AuthorizationPolicy", "allow-email")
    assert all(r["to"][0]["operation"]["paths"] != ["/check"] for r in email["spec"]["rules"])
    (deny,) = _by(platform_docs, "AuthorizationPolicy", "deny-by-default")
    assert deny["spec"] == {}
    (orch,) = _by(platform_docs, "AuthorizationPolicy", "allow-orchestrator")
    principals = orch["spec"]["rules"][0]["from"][0]["source"]["principals"]
    assert "cluster.local/ns/knative-eventing/sa/mt-broker-filter" in principals
    assert "cluster.local/ns/knative-serving/sa/activator" in principals
    assert not any("istio-ingressgateway" in p for p in principals)
    (api,) = _by(platform_docs, "AuthorizationPolicy", "allow-api")
    assert any(
        "istio-ingressgateway" in p
        for p in api["spec"]["rules"][0]["from"][0]["source"]["principals"]
    )
    assert (
        "cluster.local/ns/idmesh/sa/hosted"
        in api["spec"]["rules"][0]["from"][0]["source"]["principals"]
    )
    (hosted,) = _by(platform_docs, "AuthorizationPolicy", "allow-hosted")
    rule = hosted["spec"]["rules"][0]
    assert any("istio-ingressgateway" in p for p in rule["from"][0]["source"]["principals"])
    assert set(rule["to"][0]["operation"]["paths"]) == {"/v/*", "/h/*", "/assets/*"}
    (dr,) = _by(platform_docs, "DestinationRule")
    assert dr["spec"]["trafficPolicy"]["tls"]["mode"] == "ISTIO_MUTUAL"


def test_render_refuses_bad_tenant():
    with pytest.raises(ValueError):
        render_tenant("Acme_Corp", TENANT_ID)
    with pytest.raises(ValueError):
        render_tenant("acme", "not-a-uuid")
    with pytest.raises(ValueError):
        render_tenant("acme", TENANT_ID, dedicated=["nope"])
    with pytest.raises(ValueError):
        render_tenant("a" * 50, TENANT_ID, dedicated=["proof_of_address"])


# -- negative cases: each rule can fail ----------------------------------------------------
def _trigger(tenant_docs):
    return copy.deepcopy(_by(tenant_docs, "Trigger", "check-email")[0])


def _errors(docs):
    return validate_documents(docs).errors


def test_schema_rule_fails(tenant_docs):
    t = _trigger(tenant_docs)
    t["spec"]["broker"] = 5
    assert any("is not of type 'string'" in e for e in schema_errors(t))


def test_backoff_policy_expo_passes_schema_but_is_refused(tenant_docs):
    t = _trigger(tenant_docs)
    t["spec"]["delivery"]["backoffPolicy"] = "expo"
    assert schema_errors(t) == []  # the gap the README mentions
    assert any("backoffPolicy" in e for e in _errors([t]))


def test_two_dialects_pass_schema_but_are_refused(tenant_docs):
    t = _trigger(tenant_docs)
    t["spec"]["filters"] = [{"exact": {"type": "a"}, "prefix": {"type": "io."}}]
    assert schema_errors(t) == []
    assert any("multiple dialects" in e for e in _errors([t]))


@pytest.mark.parametrize(
    "filters,needle",
    [
        ([{"exact": {"type": "a", "source": "b"}}], "only one key-value"),
        ([{"prefix": {"Type": "io."}}], "lowercase alphanumeric"),
        ([{"all": [{"suffix": {"type": ""}}]}], "non-empty"),
        ([{"not": {"exact": {"a": "1"}, "any": [{"exact": {"b": "2"}}]}}], "multiple dialects"),
    ],
)
def test_filter_rules_fail(tenant_docs, filters, needle):
    t = _trigger(tenant_docs)
    t["spec"]["filters"] = filters
    assert any(needle in e for e in _errors([t]))


@pytest.mark.parametrize(
    "field,value,needle",
    [
        ("backoffDelay", "0.5s", "ISO-8601"),
        ("timeout", "PT0S", "must be > 0"),
        ("retry", -1, "retry"),
        ("bogus", 1, "unknown field"),
    ],
)
def test_delivery_rules_fail(tenant_docs, field, value, needle):
    t = _trigger(tenant_docs)
    t["spec"]["delivery"][field] = value
    assert any(needle in e for e in _errors([t]))


def test_attribute_filter_name_fails(tenant_docs):
    t = _trigger(tenant_docs)
    t["spec"]["filter"]["attributes"]["check_type"] = "email"
    assert any("lowercase alphanumeric" in e for e in _errors([t]))


def test_cross_namespace_ref_fails(tenant_docs):
    t = _trigger(tenant_docs)
    t["spec"]["subscriber"] = {
        "ref": {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "name": "email",
            "namespace": "idmesh",
        }
    }
    assert any("mismatched namespaces" in e for e in _errors([t]))


def test_trigger_timeout_above_service_timeout_fails(tenant_docs, platform_docs):
    t = _trigger(tenant_docs)
    t["spec"]["delivery"]["timeout"] = "PT5M"
    assert any("above the timeoutSeconds" in e for e in _errors([t, *platform_docs]))


@pytest.mark.parametrize(
    "changes,needle",
    [
        ({"min-scale": "3", "max-scale": "2"}, "less than min-scale"),
        ({"min-scale": "-1"}, "out of bounds"),
        ({"max-scale": "many"}, "invalid value"),
        ({"metric": "cpu"}, "KPA"),
        ({"class": "hpa.autoscaling.knative.dev", "metric": ""}, "HPA"),
        ({"class": "foo.autoscaling.knative.dev"}, "invalid value"),
        ({"target": "0"}, "at least 0.01"),
        ({"window": "5s"}, "out of"),
        ({"window": "6500ms"}, "second precision"),
        ({"window": "soon"}, "invalid duration"),
        ({"scale-down-delay": "2h"}, "out of"),
        ({"initial-scale": "0"}, "initial-scale"),
        ({"panic-threshold-percentage": "100"}, "out of"),
        ({"target-utilization-percentage": "101"}, "out of"),
    ],
)
def test_autoscaling_rules_fail(platform_docs, changes, needle):
    svc = copy.deepcopy(_by(platform_docs, "Service", "orchestrator")[0])
    ann = svc["spec"]["template"]["metadata"]["annotations"]
    ann.update({f"autoscaling.knative.dev/{k}": v for k, v in changes.items()})
    errors = _errors([svc])
    assert any(needle in e for e in errors), errors


def test_autoscaling_valid_combinations_pass():
    assert (
        autoscaling_errors(
            {
                "autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev",
                "autoscaling.knative.dev/metric": "cpu",
            },
            "x",
        )
        == []
    )
    assert (
        autoscaling_errors(
            {"autoscaling.knative.dev/min-scale": "2", "autoscaling.knative.dev/max-scale": "0"},
            "x",
        )
        == []
    )


@pytest.mark.parametrize(
    "field,value,needle",
    [
        ("containerConcurrency", 2000, "containerConcurrency"),
        ("timeoutSeconds", 900, "timeoutSeconds"),
    ],
)
def test_revision_bounds_fail(platform_docs, field, value, needle):
    svc = copy.deepcopy(_by(platform_docs, "Service", "email")[0])
    svc["spec"]["template"]["spec"][field] = value
    assert any(needle in e for e in _errors([svc]))


def test_service_without_probe_fails(platform_docs):
    svc = copy.deepcopy(_by(platform_docs, "Service", "email")[0])
    del svc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert any("readinessProbe" in e for e in _errors([svc]))


def test_pingsource_schedule_fails(platform_docs):
    ping = copy.deepcopy(_by(platform_docs, "PingSource")[0])
    ping["spec"]["schedule"] = "every minute"
    assert any("cron" in e for e in _errors([ping]))


def test_core_namespace_name_fails(tenant_docs):
    ns = copy.deepcopy(_by(tenant_docs, "Namespace")[0])
    ns["metadata"]["name"] = "Tenant_Acme"
    assert any("DNS-1123" in e for e in _errors([ns]))


def _cel(doc):
    return cel_errors(doc, Report())


def test_cel_authorization_policy_selector_and_target_ref(platform_docs):
    ap = copy.deepcopy(_by(platform_docs, "AuthorizationPolicy", "allow-email")[0])
    assert _cel(ap) == []
    ap["spec"]["targetRef"] = {"kind": "Service", "group": "", "name": "email"}
    assert _cel(ap)


def test_cel_authorization_policy_service_accounts_with_principals(platform_docs):
    ap = copy.deepcopy(_by(platform_docs, "AuthorizationPolicy", "allow-email")[0])
    ap["spec"]["rules"][0]["from"][0]["source"]["serviceAccounts"] = ["idmesh/api"]
    assert _cel(ap)


def test_cel_peer_authentication_port_rules(platform_docs):
    pa = copy.deepcopy(_by(platform_docs, "PeerAuthentication", namespace="idmesh")[0])
    pa["spec"]["portLevelMtls"] = {"8080": {"mode": "PERMISSIVE"}}
    assert _cel(pa)  # port-level settings need a workload selector
    pa["spec"]["selector"] = {"matchLabels": {"app.kubernetes.io/component": "api"}}
    assert _cel(pa) == []
    pa["spec"]["portLevelMtls"] = {"70000": {"mode": "PERMISSIVE"}}
    assert _cel(pa)


def test_cel_duration_rules(platform_docs, tenant_docs):
    dr = copy.deepcopy(_by(platform_docs, "DestinationRule")[0])
    dr["spec"]["trafficPolicy"]["connectionPool"]["tcp"]["connectTimeout"] = "0s"
    assert _cel(dr)


def test_cli_writes_and_checks(tmp_path, capsys):
    assert (
        cli(
            [
                "manifests",
                "--tenant",
                "acme",
                "--tenant-id",
                TENANT_ID,
                "--check",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    docs = list(yaml.safe_load_all((tmp_path / "tenant-acme.yaml").read_text()))
    assert validate_documents(docs).errors == []
    assert cli(["manifests", "--platform", "--check"]) == 0
    assert "kind: PingSource" in capsys.readouterr().out
    assert cli(["manifests", "--tenant", "acme"]) == 2
    assert cli(["manifests", "--tenant", "Bad!", "--tenant-id", TENANT_ID]) == 2


# -- security rules (issue 12): each is shown able to fail ---------------------------------
def _errors(docs):
    return validate_documents(docs).errors


def test_activator_principal_follows_the_serving_version():
    from shared.manifests.mesh import MeshProfile

    assert MeshProfile().activator == "cluster.local/ns/knative-serving/sa/activator"
    old = MeshProfile(knative_serving_version="1.10")
    assert old.activator == "cluster.local/ns/knative-serving/sa/controller"
    docs = render_platform(mesh=old)
    assert any("activator's principal since Serving 1.11" in e for e in _errors(docs))


def test_mesh_wide_peer_authentication_fails(platform_docs):
    pa = copy.deepcopy(_by(platform_docs, "PeerAuthentication", namespace="idmesh")[0])
    pa["metadata"]["namespace"] = "istio-system"
    assert any("mesh-wide PeerAuthentication" in e for e in _errors([pa]))


def test_tenant_virtual_service_fails():
    vs = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "face-match", "namespace": "idmesh"},
        "spec": {
            "hosts": ["face-match.idmesh.svc.cluster.local"],
            "http": [
                {
                    "match": [{"headers": {"ce-tenantid": {"exact": TENANT_ID}}}],
                    "route": [
                        {"destination": {"host": "face-match-acme.idmesh.svc.cluster.local"}}
                    ],
                }
            ],
        },
    }
    assert any("routes on ce-tenantid" in e for e in _errors([vs]))


def test_namespace_moves_every_principal_and_subject():
    docs = render_tenant("acme", TENANT_ID, platform_namespace="kyc") + render_platform(
        platform_namespace="kyc"
    )
    assert _errors(docs) == []
    text = yaml.safe_dump_all(docs)
    assert "ns/idmesh/" not in text and "serviceaccount:idmesh:" not in text
    # A principal left in the old namespace is caught.
    bad = copy.deepcopy(docs)
    (relay,) = _by(bad, "AuthorizationPolicy", "allow-relay")
    relay["spec"]["rules"][0]["from"][0]["source"]["principals"].append(
        "cluster.local/ns/idmesh/sa/api"
    )
    assert any("is not in namespace kyc" in e for e in _errors(bad))
    (policy,) = _by(bad, "EventPolicy", "broker-senders")
    policy["spec"]["from"][0]["sub"] = "system:serviceaccount:idmesh:relay"
    assert any("EventPolicy" in e and "not in namespace kyc" in e for e in _errors(bad))


def test_trigger_without_tenant_filter_or_audience_fails(tenant_docs):
    docs = copy.deepcopy(tenant_docs)
    t = _by(docs, "Trigger")[0]
    del t["spec"]["filter"]["attributes"]["tenantid"]
    del t["spec"]["subscriber"]["audience"]
    del t["spec"]["delivery"]["deadLetterSink"]["audience"]
    errors = _errors(docs)
    assert any("tenantid must be" in e for e in errors)
    assert any("subscriber.audience missing" in e for e in errors)
    assert any("deadLetterSink.audience missing" in e for e in errors)


def test_broker_without_event_policy_fails(tenant_docs):
    docs = [d for d in copy.deepcopy(tenant_docs) if d["kind"] != "EventPolicy"]
    assert any("no EventPolicy" in e for e in _errors(docs))


def test_automounted_token_fails(platform_docs):
    svc = copy.deepcopy(_by(platform_docs, "Service", "webhooks")[0])
    svc["spec"]["template"]["spec"]["automountServiceAccountToken"] = True
    assert any("automountServiceAccountToken" in e for e in _errors([svc]))


def test_dedicated_service_has_its_own_identity(tenant_docs):
    (sa,) = _by(tenant_docs, "ServiceAccount", "face-match-acme")
    assert sa["metadata"]["namespace"] == "idmesh"
    (svc,) = _by(tenant_docs, "Service", "face-match-acme")
    assert svc["spec"]["template"]["spec"]["serviceAccountName"] == "face-match-acme"
