"""The install around the functions: the settings ConfigMap, the durable Broker backing, the
migration Job, PgBouncer, the Jobs that load the platform's reference data into Postgres.

Everything comes from `ClusterValues` and the catalogue, never from hand-written YAML, so
`idmesh manifests` and the Kustomize tree (`shared.manifests.kustomize`) cannot drift.
"""

from __future__ import annotations

from typing import Any

from shared.db.grants import role_of
from shared.manifests.capacity import ConnectionBudget
from shared.manifests.secrets import DATABASE_OWNER, PGBOUNCER
from shared.manifests.values import ClusterValues

CONFIG_MAP = "idmesh-config"
MIGRATION_JOB = "idmesh-migrate"
PGBOUNCER_NAME = "idmesh-pgbouncer"
PGBOUNCER_PORT = 6432
# The databases PgBouncer exposes: the transaction pool for every function, a session pool
# for the relay (LISTEN survives only on a session).
TRANSACTION_DB = "idmesh"
SESSION_DB = "idmesh_session"

_LABELS = {"app.kubernetes.io/part-of": "idmesh"}


def _meta(name: str, namespace: str, component: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "labels": {**_LABELS, "app.kubernetes.io/component": component},
    }


# -- settings -----------------------------------------------------------------------------
def config_map(values: ClusterValues) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(CONFIG_MAP, values.platform_namespace, "config"),
        "data": dict(
            sorted(
                {
                    **values.function_env(),
                    # New tenants are applied by the provisioner in-cluster.
                    "IDMESH_PROVISIONER": "kubernetes",
                    "IDMESH_CLUSTER_VALUES": values.model_copy(
                        update={"tenants": ()}
                    ).model_dump_json(),
                }.items()
            )
        ),
    }


# -- provisioner ----------------------------------------------------------------------------
PROVISIONER = "provisioner"
_APPLY = ["get", "create", "patch"]  # server-side apply of new objects; never delete


# Workloads that send with their own identity to more than one audience: the relay (every
# tenant broker) and the API (the check functions it forwards standalone checks to).
TOKEN_SENDERS = ("relay", "api")


def token_sender_rbac(values: ClusterValues) -> list[dict[str, Any]]:
    """Each sender may request tokens for its own service account only (TokenRequest is the
    `create` verb on the `serviceaccounts/token` subresource, limited by resourceNames)."""
    ns = values.platform_namespace
    docs: list[dict[str, Any]] = []
    for sender in TOKEN_SENDERS:
        name = f"idmesh-{sender}-tokens"
        docs.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": _meta(name, ns, sender),
                "rules": [
                    {
                        "apiGroups": [""],
                        "resources": ["serviceaccounts/token"],
                        "resourceNames": [sender],
                        "verbs": ["create"],
                    }
                ],
            }
        )
        docs.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": _meta(name, ns, sender),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                "subjects": [{"kind": "ServiceAccount", "name": sender, "namespace": ns}],
            }
        )
    return docs


def provisioner_rbac(values: ClusterValues) -> list[dict[str, Any]]:
    """The provisioner's rights: exactly the kinds a tenant set holds, get/create/patch only
    (no delete, no Secrets). Tenant namespaces do not exist before it creates them, so the
    namespaced kinds are granted cluster-wide by a ClusterRole; dedicated Services live in
    the platform namespace only (a Role)."""
    ns = values.platform_namespace
    subject = [{"kind": "ServiceAccount", "name": PROVISIONER, "namespace": ns}]
    cluster_role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "idmesh-provisioner", "labels": dict(_LABELS)},
        "rules": [
            {"apiGroups": [""], "resources": ["namespaces"], "verbs": _APPLY},
            {
                "apiGroups": ["eventing.knative.dev"],
                "resources": ["brokers", "triggers", "eventpolicies"],
                "verbs": _APPLY,
            },
            {
                "apiGroups": ["security.istio.io"],
                "resources": ["peerauthentications", "authorizationpolicies"],
                "verbs": _APPLY,
            },
            {
                "apiGroups": ["networking.istio.io"],
                "resources": ["virtualservices"],
                "verbs": _APPLY,
            },
        ],
    }
    cluster_binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "idmesh-provisioner", "labels": dict(_LABELS)},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "idmesh-provisioner",
        },
        "subjects": subject,
    }
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": _meta("idmesh-provisioner", ns, PROVISIONER),
        "rules": [
            {"apiGroups": ["serving.knative.dev"], "resources": ["services"], "verbs": _APPLY}
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _meta("idmesh-provisioner", ns, PROVISIONER),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "idmesh-provisioner",
        },
        "subjects": subject,
    }
    return [cluster_role, cluster_binding, role, binding]


# -- eventing -----------------------------------------------------------------------------
def broker_backing(values: ClusterValues) -> tuple[str, dict[str, Any] | None]:
    """(broker class annotation, Broker spec.config) for the chosen backing."""
    ev = values.eventing
    if ev.backing == "in-memory":
        return "MTChannelBasedBroker", None
    # Our own ConfigMaps, never Knative's cluster-wide defaults of the same purpose.
    name = {
        "kafka-channel": "idmesh-kafka-channel",
        "kafka-broker": "idmesh-kafka-broker-config",
        "nats-jetstream": "idmesh-nats-jetstream-channel",
    }[ev.backing]
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": name, "namespace": ev.system_namespace}
    return ("Kafka" if ev.backing == "kafka-broker" else "MTChannelBasedBroker"), ref


def broker_ingress(values: ClusterValues) -> str:
    """Where the relay and the functions post events (`/<namespace>/<broker>` is appended):
    the Kafka broker class has its own ingress (eventing-kafka-broker's receiver)."""
    ns = values.eventing.system_namespace
    if values.eventing.backing == "kafka-broker":
        return f"http://kafka-broker-ingress.{ns}.svc.cluster.local"
    return f"http://broker-ingress.{ns}.svc.cluster.local"


def eventing_config(values: ClusterValues) -> list[dict[str, Any]]:
    """The ConfigMap the Broker's spec.config names (in Knative Eventing's namespace)."""
    ev = values.eventing
    _cls, ref = broker_backing(values)
    if ref is None:
        return []
    meta = {"name": ref["name"], "namespace": ev.system_namespace, "labels": dict(_LABELS)}
    if ev.backing == "kafka-broker":
        data = {
            "bootstrap.servers": ev.kafka.bootstrap_servers,
            "default.topic.partitions": str(ev.kafka.partitions),
            "default.topic.replication.factor": str(ev.kafka.replication_factor),
        }
    elif ev.backing == "kafka-channel":
        data = {
            "channel-template-spec": (
                "apiVersion: messaging.knative.dev/v1beta1\nkind: KafkaChannel\nspec:\n"
                f"  numPartitions: {ev.kafka.partitions}\n"
                f"  replicationFactor: {ev.kafka.replication_factor}\n"
            )
        }
    else:
        data = {
            "channel-template-spec": (
                "apiVersion: messaging.knative.dev/v1alpha1\nkind: NatsJetStreamChannel\n"
            )
        }
    return [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}]


# -- migrations ---------------------------------------------------------------------------
def migration_job(values: ClusterValues) -> list[dict[str, Any]]:
    """`idmesh migrate --owner-only` as the schema owner. The functions' readiness waits
    until the schema reached the image's migration level (IDMESH_REQUIRE_SCHEMA), so the
    Services become Ready only after this Job succeeded."""
    ns = values.platform_namespace
    sa = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(MIGRATION_JOB, ns, "migrate"),
    }
    job = _owner_job(
        MIGRATION_JOB,
        ns,
        "migrate",
        MIGRATION_JOB,
        backoff_limit=6,
        container={
            "name": "migrate",
            "image": values.images.reference(),
            "args": ["idmesh", "migrate", "--owner-only"],
            "env": [_owner_url_env()],
            "securityContext": _restricted(),
            "resources": {
                "requests": {"cpu": "100m", "memory": "128Mi"},
                "limits": {"cpu": "500m", "memory": "256Mi"},
            },
        },
    )
    return [sa, job]


def _owner_url_env() -> dict[str, Any]:
    """The schema owner's connection, from its Secret: what a Job that writes the schema or
    the platform's reference data connects with (a new dict each time: YAML would alias a
    shared one)."""
    return {
        "name": "IDMESH_OWNER_DATABASE_URL",
        "valueFrom": {"secretKeyRef": {"name": DATABASE_OWNER, "key": "owner-url"}},
    }


def _owner_job(
    name: str,
    namespace: str,
    component: str,
    service_account: str,
    *,
    backoff_limit: int,
    container: dict[str, Any],
    volumes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A Job of one container that runs to its end (kept a day), its pod outside the mesh."""
    pod: dict[str, Any] = {
        "serviceAccountName": service_account,
        "restartPolicy": "OnFailure",
        "containers": [container],
    }
    if volumes:
        pod["volumes"] = volumes
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _meta(name, namespace, component),
        "spec": {
            "backoffLimit": backoff_limit,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {
                    "labels": {**_LABELS, "app.kubernetes.io/component": component},
                    # A Job pod must end: the sidecar would keep it running.
                    "annotations": {"sidecar.istio.io/inject": "false"},
                },
                "spec": pod,
            },
        },
    }


def _restricted() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


# -- PgBouncer ----------------------------------------------------------------------------
def pgbouncer_ini(values: ClusterValues, budget: ConnectionBudget) -> str:
    db = values.database
    server = f"host={db.host} port={db.port} dbname={db.name}"
    return "\n".join(
        [
            "; rendered by idmesh from the catalogue's max scale (shared/manifests/capacity.py)",
            f"; pods' client connections at max scale: {budget.client_connections}",
            f"; in-flight requests at max scale: {budget.peak_transactions}",
            f"; server budget: {budget.server_budget} of max_connections {db.max_connections}",
            "[databases]",
            f"{TRANSACTION_DB} = {server} pool_mode=transaction"
            f" pool_size={budget.transaction_pool}",
            f"{SESSION_DB} = {server} pool_mode=session pool_size={budget.session_pool}",
            # Each function connects as its own role (shared/db/grants.py): PgBouncer keeps
            # a pool per database and role, each capped (ConnectionBudget.user_limits).
            "[users]",
            *(
                f"{role_of(name)} = max_user_connections={limit}"
                for name, limit in budget.user_limits().items()
            ),
            "[pgbouncer]",
            "listen_addr = 0.0.0.0",
            f"listen_port = {PGBOUNCER_PORT}",
            "auth_type = scram-sha-256",
            "auth_file = /etc/pgbouncer/secret/userlist.txt",
            "pool_mode = transaction",
            f"max_client_conn = {budget.client_connections + 50}",
            f"max_db_connections = {budget.transaction_pool + budget.session_pool}",
            "server_reset_query_always = 0",
            # psycopg 3 prepares statements server-side after 5 uses; PgBouncer >= 1.21
            # tracks protocol-level prepared statements in transaction mode.
            "max_prepared_statements = 200",
            "ignore_startup_parameters = extra_float_digits,options",
            "",
        ]
    )


def pgbouncer(values: ClusterValues, budget: ConnectionBudget) -> list[dict[str, Any]]:
    ns = values.platform_namespace
    labels = {**_LABELS, "app.kubernetes.io/component": "pgbouncer"}
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(PGBOUNCER_NAME, ns, "pgbouncer"),
        "data": {
            "pgbouncer.ini": pgbouncer_ini(values, budget),
            "server-max-connections": str(values.database.max_connections),
            "replicas": str(budget.replicas),
        },
    }
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(PGBOUNCER_NAME, ns, "pgbouncer"),
        "spec": {
            "replicas": budget.replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "pgbouncer",
                            "image": values.database.pgbouncer_image,
                            "command": ["pgbouncer", "/etc/pgbouncer/pgbouncer.ini"],
                            "ports": [{"name": "postgres", "containerPort": PGBOUNCER_PORT}],
                            "readinessProbe": {
                                "tcpSocket": {"port": PGBOUNCER_PORT},
                                "periodSeconds": 5,
                            },
                            "volumeMounts": [
                                {
                                    "name": "config",
                                    "mountPath": "/etc/pgbouncer/pgbouncer.ini",
                                    "subPath": "pgbouncer.ini",
                                    "readOnly": True,
                                },
                                {
                                    "name": "secret",
                                    "mountPath": "/etc/pgbouncer/secret",
                                    "readOnly": True,
                                },
                            ],
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "64Mi"},
                                "limits": {"cpu": "1000m", "memory": "256Mi"},
                            },
                        }
                    ],
                    "volumes": [
                        {"name": "config", "configMap": {"name": PGBOUNCER_NAME}},
                        {"name": "secret", "secret": {"secretName": PGBOUNCER}},
                    ],
                },
            },
        },
    }
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(PGBOUNCER_NAME, ns, "pgbouncer"),
        "spec": {
            "selector": labels,
            "ports": [
                {"name": "tcp-postgres", "port": PGBOUNCER_PORT, "targetPort": PGBOUNCER_PORT}
            ],
        },
    }
    return [cm, deploy, svc]


# -- platform reference data (Postgres; loaded by Jobs) -------------------------------------
AML_LOAD_JOB = "idmesh-aml-load"
# The Job's only writable place (the root filesystem is read-only): a per-pod emptyDir that
# holds a downloaded list file while it loads.
SCRATCH = "/" + "tmp"
NFC_IMPORT_JOB = "idmesh-nfc-trust-import"


def reference_data_jobs(values: ClusterValues) -> list[dict[str, Any]]:
    """The Jobs that load the sanctions lists (`idmesh aml load`) and import the NFC trust
    material (`idmesh nfc trust import`) into Postgres as the owner role, the only role
    that writes them; the aml/nfc functions read them (no volume is shared between pods).
    A Job per configured source; re-run a Job (delete and apply) to load a new version."""
    ns = values.platform_namespace
    data = values.reference_data
    docs: list[dict[str, Any]] = []
    commands: list[tuple[str, list[str]]] = []
    for i, item in enumerate(data.aml_lists):
        args = ["idmesh", "aml", "load", item.url, "--format", item.format]
        if item.list:
            args += ["--list", item.list]
        if item.sha256:
            args += ["--sha256", item.sha256]
        commands.append((f"{AML_LOAD_JOB}-{i}", args))
    if data.nfc_trust:
        commands.append((NFC_IMPORT_JOB, ["idmesh", "nfc", "trust", "import", *data.nfc_trust]))
    if not commands:
        return []
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta("idmesh-reference-data", ns, "reference-data"),
        }
    )
    for name, args in commands:
        docs.append(
            _owner_job(
                name,
                ns,
                "reference-data",
                "idmesh-reference-data",
                backoff_limit=3,
                container={
                    "name": "load",
                    "image": values.images.reference(),
                    "args": args,
                    "env": [
                        _owner_url_env(),
                        {"name": "IDMESH_DATA_DIR", "value": SCRATCH + "/idmesh"},
                    ],
                    "volumeMounts": [{"name": "tmp", "mountPath": SCRATCH}],
                    "securityContext": _restricted(),
                    "resources": {
                        "requests": {"cpu": "250m", "memory": "512Mi"},
                        "limits": {"cpu": "1", "memory": "2Gi"},
                    },
                },
                volumes=[{"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}}],
            )
        )
    return docs
