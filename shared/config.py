"""Configuration, read once from the environment into a pydantic model.

Functions never scatter `os.environ` look-ups: they call `get_settings()` at start.
The same variables work locally (`idmesh up` sets them) and on Knative (set in the Service).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Where idmesh keeps local state (embedded Postgres, master key, broker state).
    data_dir: Path = Path(".idmesh")
    # A privileged connection used for bootstrap and migrations (DATABASE_URL).
    # Empty: idmesh starts and uses its own embedded cluster under data_dir.
    database_url: str = ""
    # The application role's connection (NOBYPASSRLS) that every function uses.
    # Empty: derived from the bootstrap (embedded cluster or DATABASE_URL).
    app_database_url: str = ""
    # The platform jobs' connection (idmesh_jobs: relay, sweeper, webhook retries, AML
    # monitoring). Empty: derived like the app's.
    jobs_database_url: str = ""
    # Base64 of 32 bytes: wraps every tenant's data key. Empty: the local key file.
    master_key: str = ""
    # Broker ingress base URL, e.g. http://127.0.0.1:8081 (events go to /tenant-<slug>/default)
    broker_url: str = ""
    # Local runtime: where tenant broker/trigger manifests are written on registration.
    manifests_dir: str = ""
    # Public base URL of the API, used for session URLs.
    public_url: str = "http://127.0.0.1:8080"
    # Public base URL of the hosted verification pages (`verification_url`); empty: public_url.
    hosted_url: str = ""
    # Public base URL of the review console (invitation links, the origin its forms must
    # come from); empty: public_url.
    console_url: str = ""
    # Where the hosted pages reach the API as the end user; empty: public_url.
    api_internal_url: str = ""
    # Hosted pages: requests per session and minute; capture retakes before a warning.
    hosted_rate_per_minute: int = 120
    hosted_max_retakes: int = 3
    hosted_handoff_seconds: int = 600
    max_upload_bytes: int = 10 * 1024 * 1024
    # Seconds a request waits for a database connection before answering 503.
    db_acquire_timeout: float = 10.0
    max_json_bytes: int = 256 * 1024
    # SMTP delivery of codes (empty host: local outbox only).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "idmesh <no-reply@idmesh.local>"
    smtp_starttls: bool = True
    # SMS provider webhook adapter (empty: local outbox only).
    sms_webhook_url: str = ""
    sms_webhook_secret: str = ""
    # Webhooks may target loopback/private addresses (local development only).
    webhook_allow_private: bool = False
    # Rate limits, requests per minute: per API key; per session token and per client
    # address for end users (who must not be able to exhaust the tenant's own budget).
    rate_limit_per_minute: int = 600
    session_rate_limit_per_minute: int = 120
    client_rate_limit_per_minute: int = 300
    # Proxies in front of the API that append to X-Forwarded-For (the Istio ingress gateway:
    # 1). 0: the peer address is the client's; a client-written header is never believed.
    trusted_proxy_count: int = 0
    # Registration limits.
    registration_per_email_per_hour: int = 5
    registration_per_client_per_hour: int = 20
    session_ttl_days: int = 7
    # Workload identity (docs/security.md). The OIDC issuer whose tokens senders present:
    # its discovery base URL (`idmesh up`: the local issuer; on a cluster the service-account
    # issuer, e.g. https://kubernetes.default.svc). Empty: every event is refused (401).
    oidc_issuer_url: str = ""
    oidc_ca_file: str = ""  # CA bundle for the issuer (cluster: the service-account CA)
    oidc_discovery_token_file: str = ""  # bearer for the API server's discovery, if needed
    # This receiver's audience; empty: serving.knative.dev/service/<namespace>/<function>.
    oidc_audience: str = ""
    # Subjects allowed to deliver to this function (comma-separated, `*` at the end matches
    # a prefix); empty: the Triggers' identities in tenant namespaces.
    oidc_allowed_senders: str = ""
    # Senders: the local issuer's bootstrap credential for this workload, or on a cluster
    # the API server for TokenRequest with this pod's service account and its API token.
    workload_credential: str = ""
    token_api_url: str = ""
    service_account: str = ""
    service_account_token_file: str = "/var/run/secrets/tokens/kube-api/token"
    namespace: str = "idmesh"
    # The scraper's bearer token for GET /internal/metrics on the API (empty: not served).
    metrics_token: str = ""
    log_level: str = "INFO"
    # Cluster installs: readiness waits until the migration Job applied every migration of
    # this image (shared/db/schema_level.py).
    require_schema: bool = False
    # psycopg pool size per process (0: the function's own default); set per Service from
    # the catalogue (shared/manifests/capacity.py).
    db_pool_size: int = 0
    # Who applies a new tenant's Broker and Triggers: "local" (the local broker's manifests
    # directory; the tenant is ready at once) or "kubernetes" (server-side apply in-cluster;
    # the tenant says `provisioning` until its Broker is Ready).
    provisioner: str = "local"
    # The cluster values (JSON of shared.manifests.values.ClusterValues) the provisioner
    # renders tenants with; set from the idmesh-config ConfigMap.
    cluster_values: str = ""
    # The schema owner's URL for `idmesh migrate --owner-only` (the migration Job).
    owner_database_url: str = ""
    # Log lines: "json" (one object a line, the default) or "text" (a terminal).
    log_format: str = "json"
    # OpenTelemetry traces (OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; see span_dir).
    tracing: bool = True
    # Where finished spans are also written as JSON lines (`idmesh up` sets it; empty: none).
    span_dir: str = ""
    extra: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for name in cls.model_fields:
            if name == "extra":
                continue
            key = "DATABASE_URL" if name == "database_url" else f"IDMESH_{name.upper()}"
            if key in env and env[key] != "":
                values[name] = env[key]
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
