"""Configuration, read once from the environment into one pydantic model.

`Settings` is made of groups (database, keys, urls, limits, messaging, identity, models,
webhooks, observability, platform), each a class whose fields carry their meaning; every field
is the variable `IDMESH_<FIELD>` (`DATABASE_URL` for `database_url`). Functions read it once at
start (`Settings.from_env()`) and pass it down; the same variables work locally (`idmesh up`
sets them) and on Knative (set in the Service). The README's configuration table is generated
from these classes (`shared/config_table.py`; a test keeps the two equal). Model files are
overridden per model with `IDMESH_MODEL_<KEY>` (the model registry's table lists them).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_FROZEN = ConfigDict(frozen=True, extra="forbid")


def _generated_password(role: str) -> Any:
    """An external server's role password: idmesh generates one the first time it is empty."""
    return Field(
        "", description=f"external server: the {role} role's password (empty: generated once)"
    )


class DatabaseSettings(BaseModel):
    model_config = _FROZEN

    database_url: str = Field(
        "",
        description="a privileged connection to an existing server (bootstrap and migrations); "
        "empty: idmesh starts its own embedded cluster under the data directory",
    )
    app_database_url: str = Field(
        "", description="the application role's connection (NOBYPASSRLS); empty: derived"
    )
    jobs_database_url: str = Field(
        "",
        description="the platform jobs' connection (relay, sweeper, webhook retries, AML "
        "monitoring: `idmesh_jobs`); empty: derived",
    )
    function_database_url: str = Field(
        "",
        description="this function's own role (`idmesh_fn_<function>`, the grants of "
        "shared/db/grants.py): `idmesh up` sets it per process, a cluster Service reads its "
        "`<function>-url` Secret key; empty: the app role's",
    )
    owner_database_url: str = Field(
        "", description="the schema owner's connection for `idmesh migrate --owner-only`"
    )
    database_name: str = Field("idmesh", description="the database on an external server")
    owner_password: str = _generated_password("owner")
    app_password: str = _generated_password("app")
    jobs_password: str = _generated_password("jobs")
    function_passwords: str = Field(
        "",
        description='external server: the function roles\' passwords, JSON {"<function>": '
        '"<password>"} (empty or missing: generated once)',
    )
    db_acquire_timeout: float = Field(
        10.0, description="seconds a request waits for a connection before answering 503"
    )
    db_pool_size: int = Field(
        0, description="psycopg pool size per process (0: the function's own default)"
    )
    require_schema: bool = Field(
        False,
        description="readiness waits until the migration Job applied every migration of this "
        "image (cluster installs)",
    )
    pg_bin: str = Field(
        "", description="embedded cluster: the folder of initdb/pg_ctl (empty: PATH, Debian)"
    )
    pg_os_user: str = Field(
        "postgres", description="embedded cluster started as root: the OS user that runs it"
    )


class KeySettings(BaseModel):
    model_config = _FROZEN

    master_key: str = Field(
        "",
        description="base64 of 32 bytes, wraps every tenant's data key; empty: the local key file",
    )
    document_hash_key: str = Field(
        "",
        description="key of the document-number fingerprints (blocklist); empty: derived from "
        "the master key",
    )
    metrics_token: str = Field(
        "", description="the scraper's bearer token for the API's metrics (empty: not served)"
    )


class UrlSettings(BaseModel):
    model_config = _FROZEN

    data_dir: Path = Field(
        Path(".idmesh"), description="local state: embedded Postgres, master key, broker state"
    )
    broker_url: str = Field(
        "", description="broker ingress base (`/tenant-<slug>/default` is appended)"
    )
    public_url: str = Field(
        "http://127.0.0.1:8080", description="public base URL of the API (session URLs)"
    )
    hosted_url: str = Field(
        "", description="public base of the hosted pages (`verification_url`); empty: public_url"
    )
    api_internal_url: str = Field(
        "", description="where the hosted pages reach the API; empty: public_url"
    )
    console_url: str = Field(
        "",
        description="public base of the review console (invitation links, the origin its "
        "forms must come from); empty: public_url",
    )
    function_urls: str = Field(
        "",
        description="where the API reaches the check functions it forwards standalone checks "
        "to (`name=url,...`); empty: each function's cluster-local Knative Service",
    )


class LimitSettings(BaseModel):
    model_config = _FROZEN

    max_upload_bytes: int = Field(10 * 1024 * 1024, description="largest upload accepted")
    max_json_bytes: int = Field(256 * 1024, description="largest JSON body accepted")
    rate_limit_per_minute: int = Field(600, description="API requests per key and minute")
    session_rate_limit_per_minute: int = Field(
        120, description="end-user requests per session token and minute"
    )
    client_rate_limit_per_minute: int = Field(
        300, description="end-user requests per client address and minute"
    )
    trusted_proxy_count: int = Field(
        0,
        description="proxies in front of the API that append to X-Forwarded-For (Istio "
        "ingress: 1); 0: the peer address is the client's",
    )
    trusted_proxy_cidrs: str = Field(
        "",
        description="or the proxies' networks (comma-separated CIDRs): X-Forwarded-For is "
        "followed from the right while the address is in one of them (risk signals, limits)",
    )
    registration_per_email_per_hour: int = Field(5, description="registrations per email")
    registration_per_client_per_hour: int = Field(
        20, description="registrations per client address"
    )
    session_ttl_days: int = Field(7, description="an unfinished session expires after this")
    sandbox_retention_hours: int = Field(
        72, description="test sessions (idm_test_ keys) are erased this long after creation"
    )
    hosted_rate_per_minute: int = Field(
        120, description="hosted pages: requests per session and minute"
    )
    hosted_max_retakes: int = Field(3, description="hosted pages: capture retakes before a warning")
    hosted_handoff_seconds: int = Field(
        600, description="hosted pages: lifetime of a cross-device handoff token"
    )


class MessagingSettings(BaseModel):
    model_config = _FROZEN

    smtp_host: str = Field("", description="send codes by email (empty: local outbox only)")
    smtp_port: int = Field(587, description="SMTP port")
    smtp_user: str = Field("", description="SMTP user")
    smtp_password: str = Field("", description="SMTP password")
    smtp_from: str = Field("idmesh <no-reply@idmesh.local>", description="sender address")
    smtp_starttls: bool = Field(True, description="STARTTLS before authenticating")
    sms_webhook_url: str = Field(
        "", description="SMS provider adapter: HMAC-signed JSON POST (empty: outbox only)"
    )
    sms_webhook_secret: str = Field("", description="the SMS adapter's HMAC secret")


class IdentitySettings(BaseModel):
    model_config = _FROZEN

    oidc_issuer_url: str = Field(
        "",
        description="discovery base of the issuer whose tokens senders present (`idmesh up`: "
        "the local issuer; a cluster: the service-account issuer); empty: events are refused",
    )
    oidc_ca_file: str = Field("", description="CA bundle for the issuer")
    oidc_discovery_token_file: str = Field(
        "", description="bearer token for the API server's discovery, if it needs one"
    )
    oidc_audience: str = Field(
        "",
        description="this receiver's audience; empty: "
        "serving.knative.dev/service/<namespace>/<function>",
    )
    oidc_allowed_senders: str = Field(
        "",
        description="subjects allowed to deliver (comma-separated, `*` suffix = prefix); "
        "empty: the Triggers' identities in tenant namespaces",
    )
    workload_credential: str = Field(
        "", description="local issuer: this workload's bootstrap credential"
    )
    token_api_url: str = Field("", description="cluster: the API server for TokenRequest")
    service_account: str = Field("", description="cluster: this pod's service account")
    service_account_token_file: str = Field(
        "/var/run/secrets/tokens/kube-api/token",
        description="cluster: the projected token used to request audience tokens",
    )
    namespace: str = Field("idmesh", description="the platform's namespace")


class ModelSettings(BaseModel):
    model_config = _FROZEN

    ocr_threads: int = Field(2, ge=1, description="PP-OCR intra-op threads")
    ocr_rec_batch: int = Field(
        2, ge=1, description="document reader: text lines recognised per batch"
    )
    faces_threads: int = Field(1, ge=1, description="face models' intra-op threads")
    aml_refresh_seconds: float = Field(
        10.0,
        ge=0,
        description="aml: how often the current list versions are checked in Postgres "
        "(a new version's index is then loaded; 0: on every screening)",
    )


class WebhookSettings(BaseModel):
    model_config = _FROZEN

    webhook_allow_private: bool = Field(
        False, description="allow http/loopback webhook URLs (local development only)"
    )
    webhook_backoff_scale: float = Field(
        1.0, gt=0, description="multiplies the retry schedule (tests shorten it)"
    )


class ObservabilitySettings(BaseModel):
    model_config = _FROZEN

    log_level: str = Field("INFO", description="log level")
    log_format: str = Field(
        "json", description="`json` (one object a line) or `text`; see docs/observability.md"
    )
    tracing: bool = Field(
        True,
        description="OpenTelemetry traces (OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set)",
    )
    metrics: bool = Field(
        True, description="Prometheus metrics (false: nothing recorded, /metrics answers empty)"
    )
    span_dir: str = Field(
        "", description="finished spans also written as JSON lines here (`idmesh up` sets it)"
    )


class BrokerSettings(BaseModel):
    """The local broker (`idmesh broker serve`; `idmesh up` starts it)."""

    model_config = _FROZEN

    broker_host: str = Field("127.0.0.1", description="local broker: listen address")
    broker_port: int = Field(8090, description="local broker: port")
    broker_manifests: str = Field(
        "", description="local broker: folder of Knative YAML (Brokers, Triggers)"
    )
    broker_services: str = Field(
        "", description='local broker: JSON file {"<service>": "http://127.0.0.1:PORT"}'
    )
    broker_state: str = Field(
        ".idmesh/broker", description="local broker: folder of its SQLite state"
    )
    broker_workers: int = Field(8, ge=1, description="local broker: delivery threads")


class PlatformSettings(BaseModel):
    model_config = _FROZEN

    provisioner: str = Field(
        "local",
        description="who applies a new tenant's Broker: `local` or `kubernetes` (server-side "
        "apply; the tenant is `provisioning` until its Broker is Ready)",
    )
    cluster_values: str = Field(
        "", description="the cluster values (JSON) the provisioner renders tenants with"
    )
    manifests_dir: str = Field(
        "", description="local runtime: where tenant broker/trigger manifests are written"
    )
    manifest_templates: str = Field(
        "", description="`idmesh manifests`: another templates folder (empty: the packaged one)"
    )
    crds_dir: str = Field("", description="`idmesh manifests --validate`: the CRD schemas folder")


GROUPS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("database", DatabaseSettings),
    ("keys", KeySettings),
    ("addresses", UrlSettings),
    ("limits", LimitSettings),
    ("messaging", MessagingSettings),
    ("workload identity", IdentitySettings),
    ("models", ModelSettings),
    ("webhooks", WebhookSettings),
    ("observability", ObservabilitySettings),
    ("local broker", BrokerSettings),
    ("platform", PlatformSettings),
)


def env_name(field: str) -> str:
    return "DATABASE_URL" if field == "database_url" else f"IDMESH_{field.upper()}"


class Settings(
    DatabaseSettings,
    KeySettings,
    UrlSettings,
    LimitSettings,
    MessagingSettings,
    IdentitySettings,
    ModelSettings,
    WebhookSettings,
    ObservabilitySettings,
    BrokerSettings,
    PlatformSettings,
):
    model_config = _FROZEN

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for name in cls.model_fields:
            key = env_name(name)
            if key in env and env[key] != "":
                values[name] = env[key]
        return cls.model_validate(values)

    @classmethod
    def current(cls) -> Settings:
        """This process's settings, validated once per distinct environment (`IDMESH_*`,
        `DATABASE_URL`; a function's environment does not change, so it is read once), for
        code below the runtime that was not handed its Settings."""
        return _settings_for(
            tuple(
                sorted(
                    (k, v)
                    for k, v in os.environ.items()
                    if k.startswith("IDMESH_") or k == "DATABASE_URL"
                )
            )
        )


@lru_cache(maxsize=4)
def _settings_for(environment: tuple[tuple[str, str], ...]) -> Settings:
    return Settings.from_env(dict(environment))
