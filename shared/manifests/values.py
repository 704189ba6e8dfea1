"""Cluster values: every setting an install needs, from one YAML file (`--values FILE`).

The renderer turns them into the `idmesh-config` ConfigMap (the functions' environment,
read by `shared.config.Settings`), the Broker's `spec.config` (durable channel), the
PgBouncer pools and the image references. Secrets are never values: they are Secret
references (`shared.manifests.secrets`) created with the commands `idmesh manifests
--secret-commands` prints. `docs/deploy.md#values` documents every key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

# Broker backings: the in-memory channel is for development only (Knative: "not for
# production"); the others keep events in a durable log.
BrokerBacking = Literal["in-memory", "kafka-channel", "kafka-broker", "nats-jetstream"]
DURABLE_BACKINGS = frozenset({"kafka-channel", "kafka-broker", "nats-jetstream"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Smtp(_Strict):
    host: str = ""  # empty: codes stay in the outbox table (development)
    port: int = 587
    user: str = ""
    sender: str = "idmesh <no-reply@idmesh.local>"
    starttls: bool = True


class Sms(_Strict):
    webhook_url: str = ""  # empty: codes stay in the outbox table


class Kafka(_Strict):
    bootstrap_servers: str = "my-cluster-kafka-bootstrap.kafka:9092"
    partitions: int = Field(10, ge=1)
    replication_factor: int = Field(3, ge=1)


class Eventing(_Strict):
    backing: BrokerBacking = "in-memory"
    kafka: Kafka = Kafka()
    # Where the Kafka/NATS configuration ConfigMaps live (Knative Eventing's namespace).
    system_namespace: str = "knative-eventing"


class Database(_Strict):
    # The functions connect through PgBouncer (transaction pooling) when enabled; the relay's
    # LISTEN needs a session, so it gets the session-mode pool.
    pgbouncer: bool = False
    host: str = "idmesh-postgres-rw.idmesh.svc.cluster.local"
    port: int = 5432
    name: str = "idmesh"
    max_connections: int = Field(100, ge=10)  # the server's max_connections
    # Kept free on the server: superuser_reserved_connections, migrations, operator Jobs.
    reserved_connections: int = Field(10, ge=0)
    pgbouncer_image: str = "docker.io/bitnami/pgbouncer:1.23.1"
    pgbouncer_replicas: int = Field(2, ge=1)


class Images(_Strict):
    registry: str = "ghcr.io/idmesh"
    name: str = "idmesh"  # one image for every function (FUNCTION_TARGET selects it)
    tag: str = "latest"
    digest: str = ""  # sha256:... pins the image when set

    def reference(self) -> str:
        base = f"{self.registry.rstrip('/')}/{self.name}"
        return f"{base}@{self.digest}" if self.digest else f"{base}:{self.tag}"


class AmlList(_Strict):
    """A sanctions list the `idmesh-aml-load` Job loads into Postgres (`idmesh aml load`)."""

    url: str  # https URL (or a path inside the Job's image)
    format: Literal["un-xml", "ofac-csv", "ofac-xml", "eu-xml", "uk-csv", "ftm-json"]
    list: str = ""  # list name (default per format)
    sha256: str = ""  # pin the file: the load refuses another


class ReferenceData(_Strict):
    """Platform data kept in Postgres, loaded by Jobs as the owner role (no shared volume):
    sanctions lists for `aml`, CSCA master lists/certificates/CRLs for `nfc`."""

    aml_lists: tuple[AmlList, ...] = ()
    nfc_trust: tuple[str, ...] = ()  # URLs of master lists, CSCA certificates, CRLs


class Tenant(_Strict):
    """A tenant managed in Git (the provisioner applies the others at registration)."""

    slug: str
    id: str
    dedicated: tuple[str, ...] = ()


class ClusterValues(_Strict):
    public_url: HttpUrl = HttpUrl("https://idmesh.example.com")
    # The review console's public URL (invitation links; the origin its forms must come from).
    console_url: HttpUrl = HttpUrl("https://console.idmesh.example.com")
    platform_namespace: str = "idmesh"
    knative_version: str = "1.16"
    trust_domain: str = "cluster.local"
    images: Images = Images()
    smtp: Smtp = Smtp()
    sms: Sms = Sms()
    eventing: Eventing = Eventing()
    database: Database = Database()
    reference_data: ReferenceData = ReferenceData()
    rate_limit_per_minute: int = 600
    log_level: str = "INFO"
    tenants: tuple[Tenant, ...] = ()

    @classmethod
    def load(cls, path: str | Path | None) -> ClusterValues:
        if not path:
            return cls()
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls.model_validate(data)

    def function_env(self) -> dict[str, str]:
        """The `idmesh-config` ConfigMap: environment variables `Settings.from_env` reads."""
        env = {
            "IDMESH_PUBLIC_URL": str(self.public_url).rstrip("/"),
            "IDMESH_CONSOLE_URL": str(self.console_url).rstrip("/"),
            "IDMESH_RATE_LIMIT_PER_MINUTE": str(self.rate_limit_per_minute),
            "IDMESH_LOG_LEVEL": self.log_level,
            "IDMESH_SMTP_PORT": str(self.smtp.port),
            "IDMESH_SMTP_FROM": self.smtp.sender,
            "IDMESH_SMTP_STARTTLS": "true" if self.smtp.starttls else "false",
            # Readiness waits until the migration Job brought the schema to this image's level.
            "IDMESH_REQUIRE_SCHEMA": "true",
        }
        if self.smtp.host:
            env["IDMESH_SMTP_HOST"] = self.smtp.host
        if self.smtp.user:
            env["IDMESH_SMTP_USER"] = self.smtp.user
        if self.sms.webhook_url:
            env["IDMESH_SMS_WEBHOOK_URL"] = self.sms.webhook_url
        return env


def example_values() -> str:
    """A commented values file with every key at its default (`idmesh manifests
    --print-values`)."""
    return "# idmesh cluster values (docs/deploy.md#values)\n" + yaml.safe_dump(
        ClusterValues().model_dump(mode="json"), sort_keys=False
    )
