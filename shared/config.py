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
    # Base64 of 32 bytes: wraps every tenant's data key. Empty: the local key file.
    master_key: str = ""
    # Broker ingress base URL, e.g. http://127.0.0.1:8081 (events go to /tenant-<slug>/default)
    broker_url: str = ""
    # Local runtime: where tenant broker/trigger manifests are written on registration.
    manifests_dir: str = ""
    # Public base URL of the API, used for session URLs.
    public_url: str = "http://127.0.0.1:8080"
    max_upload_bytes: int = 10 * 1024 * 1024
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
    # Per-tenant rate limit: requests per minute.
    rate_limit_per_minute: int = 600
    # Registration limits.
    registration_per_email_per_hour: int = 5
    registration_per_client_per_hour: int = 20
    session_ttl_days: int = 7
    log_level: str = "INFO"
    # Cluster installs: readiness waits until the migration Job applied every migration of
    # this image (shared/db/schema_level.py).
    require_schema: bool = False
    # psycopg pool size per process (0: the function's own default); set per Service from
    # the catalogue (shared/manifests/capacity.py).
    db_pool_size: int = 0
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
