"""The Secrets an install references, with the exact commands that create them.

idmesh never renders secret values: manifests hold `secretKeyRef`s only, and the operator
creates each Secret once with the command `secret_commands()` prints (or lets an
ExternalSecret controller sync it from a vault). The offline validator refuses a
`secretKeyRef` to a Secret or key that is not listed here (a pod would fail with
CreateContainerConfigError).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.catalog import service_name
from shared.db.grants import MATRIX, role_of
from shared.manifests.capacity import SESSION_FUNCTIONS


@dataclass(frozen=True)
class SecretKey:
    key: str
    meaning: str
    command_value: str  # how the create command obtains it (a shell expression)


@dataclass(frozen=True)
class SecretSpec:
    name: str
    purpose: str
    keys: tuple[SecretKey, ...]
    optional: bool = False  # referenced with `optional: true` (the feature is off without it)

    def key_names(self) -> frozenset[str]:
        return frozenset(k.key for k in self.keys)


DATABASE = "idmesh-database"
DATABASE_OWNER = "idmesh-database-owner"
MASTER_KEY = "idmesh-master-key"
SMTP = "idmesh-smtp"
SMS = "idmesh-sms"
PGBOUNCER = "idmesh-pgbouncer"


def database_key(function: str) -> str:
    """The key of the database Secret that holds `function`'s own URL (its role)."""
    return f"{service_name(function)}-url"


def _function_key(function: str) -> SecretKey:
    password = "${FN_" + function.upper() + "_PASSWORD}"
    if function in SESSION_FUNCTIONS:  # LISTEN needs a session, never the transaction pool
        where, host = "session URL (PgBouncer's session pool)", "${SESSION_HOST}:${SESSION_PORT}"
    else:
        where, host = "transaction-pooled URL", "${APP_HOST}:${APP_PORT}"
    return SecretKey(
        database_key(function),
        f"{function}'s own role {role_of(function)} (shared/db/grants.py), {where}",
        f'"postgresql://{role_of(function)}:{password}@{host}/idmesh"',
    )


SECRETS: dict[str, SecretSpec] = {
    s.name: s
    for s in (
        SecretSpec(
            DATABASE,
            "each function's own role (idmesh_fn_<function>, NOBYPASSRLS, only its grants) "
            "and the application role for operator tools",
            (
                SecretKey(
                    "app-url",
                    "idmesh_app for operator tools (no function uses it)",
                    '"postgresql://idmesh_app:${APP_PASSWORD}@${APP_HOST}:${APP_PORT}/idmesh"',
                ),
                *(_function_key(f) for f in MATRIX),
            ),
        ),
        SecretSpec(
            DATABASE_OWNER,
            "the schema owner (idmesh_owner): the migration Job and operator Jobs only",
            (
                SecretKey(
                    "owner-url",
                    "direct URL of idmesh_owner (never through the transaction pool)",
                    '"postgresql://idmesh_owner:${OWNER_PASSWORD}@${DB_HOST}:5432/idmesh"',
                ),
            ),
        ),
        SecretSpec(
            MASTER_KEY,
            "wraps every tenant's data key (AES-256-GCM)",
            (
                SecretKey(
                    "key", "base64 of 32 random bytes", '"$(head -c32 /dev/urandom | base64)"'
                ),
            ),
        ),
        SecretSpec(
            SMTP,
            "the SMTP password (when smtp.host is set)",
            (SecretKey("password", "SMTP password", '"${SMTP_PASSWORD}"'),),
            optional=True,
        ),
        SecretSpec(
            SMS,
            "the SMS webhook's HMAC secret (when sms.webhook_url is set)",
            (SecretKey("webhook-secret", "HMAC key", '"${SMS_WEBHOOK_SECRET}"'),),
            optional=True,
        ),
        SecretSpec(
            PGBOUNCER,
            "PgBouncer's auth file (SCRAM verifiers of idmesh_app and the function roles, "
            "from pg_authid)",
            (
                SecretKey(
                    "userlist.txt",
                    '"idmesh_fn_api" "SCRAM-SHA-256$..." (one line per role)',
                    "./userlist.txt",
                ),
            ),
        ),
    )
}


def secret_commands(namespace: str, pgbouncer: bool) -> str:
    """Shell commands that create every Secret (values come from the operator's shell)."""
    lines = [
        "# Create once per cluster; values come from your shell or password manager.",
        f"# Namespace: {namespace}. Rotate with the same command plus --dry-run=client -o yaml"
        " | kubectl apply -f -",
    ]
    if pgbouncer:
        bouncer = f"idmesh-pgbouncer.{namespace}.svc.cluster.local:6432"
        hosts = {
            "${APP_HOST}:${APP_PORT}/idmesh": f"{bouncer}/idmesh",
            "${SESSION_HOST}:${SESSION_PORT}/idmesh": f"{bouncer}/idmesh_session",
        }
    else:
        hosts = {
            "${APP_HOST}:${APP_PORT}": "${DB_HOST}:5432",
            "${SESSION_HOST}:${SESSION_PORT}": "${DB_HOST}:5432",
        }
    for spec in SECRETS.values():
        if spec.name == PGBOUNCER and not pgbouncer:
            continue
        lines.append(f"# {spec.name}: {spec.purpose}")
        args = []
        for k in spec.keys:
            if k.command_value.startswith("./"):
                args.append(f"--from-file={k.key}={k.command_value}")
            else:
                value = k.command_value
                for old, new in hosts.items():
                    value = value.replace(old, new)
                args.append(f"--from-literal={k.key}={value}")
        lines.append(f"kubectl -n {namespace} create secret generic {spec.name} " + " ".join(args))
    if pgbouncer:
        lines.append(
            '# userlist.txt from the server: psql -Atc "SELECT format(\'\\"%s\\" \\"%s\\"\','
            " rolname, rolpassword) FROM pg_authid WHERE rolname = 'idmesh_app'"
            " OR rolname LIKE 'idmesh\\\\_fn\\\\_%'\" > userlist.txt"
        )
    return "\n".join(lines) + "\n"
