"""What each function's own Postgres role may do: the one place of the grants matrix.

Every function connects as `idmesh_fn_<function>` (shared/db/function_role.py): a login
role that is NOSUPERUSER, NOBYPASSRLS, NOINHERIT and a member of no other role, so what it
may do is exactly what this matrix grants it (row-level security still decides *which*
rows: every grant here is within the transaction's tenant). `apply_grants` runs after the
SQL migrations (`migrate()`), revokes whatever a role holds and grants the matrix again, in
one transaction: the database always matches this file.

Adding a table or a SECURITY DEFINER function (another migration): give it an entry in the
roles that need it, or list it in `NO_FUNCTION_ROLE` with the reason no function touches
it; tests/platform/test_roles.py fails on a table or function that has neither. The docs'
matrix (docs/security.md) is generated from here (`python -m shared.db.grants`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Literal

import psycopg
from psycopg import sql

from shared.db.session_data import ERASED_WITH_SESSION

ROLE_PREFIX = "idmesh_fn_"

Columns = Literal["*"] | tuple[str, ...]  # "*": every column; (): none
ALL: Columns = "*"
NONE: Columns = ()


@dataclass(frozen=True)
class TableAccess:
    """Privileges on one table: per privilege every column ("*"), some, or none."""

    select: Columns = NONE
    insert: Columns = NONE
    update: Columns = NONE
    delete: bool = False

    def describe(self) -> str:
        parts = []
        for name, cols in (("S", self.select), ("I", self.insert), ("U", self.update)):
            if cols == ALL:
                parts.append(name)
            elif cols:
                parts.append(f"{name}({', '.join(cols)})")
        if self.delete:
            parts.append("D")
        return " ".join(parts)

    def merge(self, other: TableAccess) -> TableAccess:
        def union(a: Columns, b: Columns) -> Columns:
            if a == ALL or b == ALL:
                return ALL
            return tuple(dict.fromkeys([*a, *b]))

        return TableAccess(
            union(self.select, other.select),
            union(self.insert, other.insert),
            union(self.update, other.update),
            self.delete or other.delete,
        )


R = TableAccess(select=ALL)
RI = TableAccess(select=ALL, insert=ALL)
RIU = TableAccess(select=ALL, insert=ALL, update=ALL)
RIUD = TableAccess(select=ALL, insert=ALL, update=ALL, delete=True)
I = TableAccess(insert=ALL)  # noqa: E741 - the privilege's letter
RID = TableAccess(select=ALL, insert=ALL, delete=True)


@dataclass(frozen=True)
class RoleGrants:
    purpose: str
    tables: dict[str, TableAccess] = field(default_factory=dict)
    routines: tuple[str, ...] = ()  # SECURITY DEFINER functions, with their argument types


def _merge(*parts: dict[str, TableAccess]) -> dict[str, TableAccess]:
    out: dict[str, TableAccess] = {}
    for part in parts:
        for table, access in part.items():
            out[table] = out[table].merge(access) if table in out else access
    return out


# -- building blocks ------------------------------------------------------------------------
# The tenant's data key (wrapped with the master key): only functions that seal or open
# tenant data read it. Everyone else sees the tenant's identity and state only.
TENANT_IDENTITY = ("id", "slug", "name", "status", "provisioning")
KEY_MATERIAL = {"tenants": TableAccess(select=("id", "wrapped_dek"))}
TENANT_READ = {"tenants": TableAccess(select=TENANT_IDENTITY)}

# Every check function (shared/runtime/check_runner.py): the session (locked: FOR UPDATE needs an
# UPDATE privilege, the narrowest is updated_at), its stored workflow, the orchestrator's
# open attempt, its own result, the consumer record.
CHECK_RUNNER = _merge(
    KEY_MATERIAL,
    {
        "sessions": TableAccess(select=ALL, update=("updated_at",)),
        "workflows": R,
        "workflow_versions": R,
        "step_attempts": TableAccess(select=ALL, update=("completed_at",)),
        "processed_events": I,
        "checks": RIU,
    },
)
# Checks that read the end user's uploads (each session's files are sealed with a session
# key: reading one may create the key row the first time).
ARTIFACTS = {"artifacts": R, "session_keys": RI}
OTP_STATE = {"otp_codes": R}
# The face context (shared/faces/step.py): 1:N templates, the face blocklist,
# single-use liveness challenges, frame fingerprints against replays.
FACES = {
    "face_templates": TableAccess(select=ALL, insert=ALL, update=("embedding_enc",)),
    "blocklist": R,
    "challenges": TableAccess(select=ALL, update=("used_at",)),
    "frame_hashes": RI,
}
# Appending to the hash-chained audit log (the chain trigger reads the tenant's last entry;
# the entry names an API key's name).
AUDIT = {"audit_log": RI, "api_keys": TableAccess(select=("id", "tenant_id", "name"))}
# Events go out through the outbox; its insert names the id as conflict target (ON CONFLICT
# (id) needs SELECT on the arbiter column), nothing else of it is read.
OUTBOX = {"outbox": TableAccess(select=("id",), insert=ALL)}
# A state change of the session lifecycle (shared/sessions/lifecycle.py): the session row,
# the audit entry and the event (outbox) in one transaction.
LIFECYCLE = _merge(AUDIT, OUTBOX, {"sessions": TableAccess(select=ALL, update=ALL)})
# Erasure (shared/sessions/erasure.py): everything reachable from a session goes.
# A DELETE or UPDATE that filters on a column needs SELECT on it: the grants name those.
ERASURE = _merge(
    {
        # DELETE ... WHERE session_id = %s reads the column: SELECT on it (and the tenant)
        t: TableAccess(select=("tenant_id", "session_id"), delete=True)
        for t in ERASED_WITH_SESSION
    },
    {"webhook_deliveries": TableAccess(select=ALL, update=("payload",))},
    # the ledger of erasures (ids and time), replayed after a backup restore; its insert
    # names session_id as conflict target (SELECT on it)
    {"erasure_ledger": TableAccess(select=("session_id",), insert=ALL)},
)
SCHEMA_LEVEL = ("idmesh_schema_versions()",)  # readiness waits for the image's migrations


def _check(purpose: str, *parts: dict[str, TableAccess]) -> RoleGrants:
    return RoleGrants(purpose, _merge(CHECK_RUNNER, *parts), SCHEMA_LEVEL)


# -- the matrix -----------------------------------------------------------------------------
MATRIX: dict[str, RoleGrants] = {
    "api": RoleGrants(
        "the tenant API: registration, keys, workflows, sessions and uploads, results, "
        "webhook settings, privacy (export, erasure), blocklist, AML review",
        _merge(
            KEY_MATERIAL,
            LIFECYCLE,
            ERASURE,
            {
                "tenants": RIU,
                "api_keys": RIU,
                "workflows": RIU,
                "workflow_versions": RI,
                "sessions": RIU,
                "artifacts": RID,
                "session_keys": RID,
                "checks": RIUD,
                "idempotency_keys": RID,
                "rate_limits": RIUD,
                "messages": I,
                "processed_events": I,
                "webhook_endpoints": RIU,
                "webhook_deliveries": RIU,
                "webhook_attempts": R,
                "otp_codes": RIU,
                "dead_letters": R,
                "blocklist": RID,
                "face_templates": R,
                "challenges": RIU,
                "aml_subjects": R,
                "aml_hits": TableAccess(
                    select=ALL, update=("status", "reviewed_by", "note", "reviewed_at")
                ),
                "step_attempts": R,
                "hosted_links": RIU,
                "tenant_branding": RIUD,
                # risk signals: the keyed address of every request about a session
                "session_network": RIU,
                "risk_keys": RI,
                # the console's first owner is invited with an admin key; reports are
                # recorded so a recipient can verify them (GET /v1/reports/{id})
                "console_users": RI,
                "console_invites": RI,
                "session_reports": RI,
                # a report shows the case as the console does: its claim and proposals,
                # notes, AML dispositions, sessions of the same document
                "case_assignments": R,
                "case_proposals": R,
                "case_notes": R,
                "case_aml_dispositions": R,
                "document_uses": R,
                # a report's timeline: the session's events (never their payloads' use)
                "outbox": TableAccess(
                    select=("id", "tenant_id", "event", "event_type", "created_at", "published_at"),
                    insert=ALL,
                ),
            },
        ),
        (
            *SCHEMA_LEVEL,
            "idmesh_auth_api_key_v2(text)",
            "idmesh_auth_session_token(text)",
            "idmesh_registration_counts(text, text, timestamptz)",
            "idmesh_registration_create(text, text, text, text, timestamptz)",
            "idmesh_registration_attempt(text)",
            "idmesh_registration_complete(uuid, uuid)",
            "idmesh_session_messages(uuid)",
            "idmesh_erase_session_messages(uuid)",
            "idmesh_cors_origin_allowed(text)",
        ),
    ),
    "hosted": RoleGrants(
        "the hosted verification pages: links, progress, branding (everything the end user "
        "does goes through the API with the session's token)",
        _merge(
            KEY_MATERIAL,
            TENANT_READ,
            {
                "sessions": TableAccess(select=ALL, update=("handoff_method", "updated_at")),
                "hosted_links": RIU,
                "hosted_progress": RIU,
                "hosted_rate": RIUD,
                "tenant_branding": R,
                "workflows": R,
                "workflow_versions": R,
                # risk signals: the device report, time per step and retakes, the
                # device's keyed hash for velocity
                "session_devices": RIU,
                "session_steps": RIU,
                "risk_keys": RI,
            },
        ),
        (*SCHEMA_LEVEL, "idmesh_auth_hosted_link(text)"),
    ),
    "orchestrator": RoleGrants(
        "runs workflows: makes steps due (attempts), decides, enrols AML monitoring",
        _merge(
            KEY_MATERIAL,
            LIFECYCLE,
            {
                "workflows": R,
                "workflow_versions": R,
                "step_attempts": RIU,
                "processed_events": I,
                "checks": RIUD,
                # upload counts and times (input marks, resubmission), never the files
                "artifacts": TableAccess(select=("tenant_id", "session_id", "kind", "created_at")),
                "otp_codes": TableAccess(
                    select=("tenant_id", "session_id", "channel", "verified_at")
                ),
                "aml_subjects": RI,
            },
        ),
        SCHEMA_LEVEL,
    ),
    "relay": RoleGrants(
        "the platform jobs: publishes every tenant's outbox, retries webhooks, sweeps "
        "timed-out sessions and applies retention, serves the operations gauges",
        _merge(
            KEY_MATERIAL,
            LIFECYCLE,
            ERASURE,
            {
                "webhook_endpoints": R,
                "webhook_deliveries": TableAccess(select=ALL, update=ALL),
                "webhook_attempts": I,
                "sessions": TableAccess(select=ALL, update=ALL),
                "artifacts": TableAccess(select=("tenant_id", "session_id"), delete=True),
                # retries add vendor_data; artifact retention re-seals it under a new key
                "session_keys": RID,
            },
        ),
        (
            *SCHEMA_LEVEL,
            "idmesh_outbox_due(integer)",
            "idmesh_outbox_result(uuid, boolean, text)",
            "idmesh_webhooks_due(integer)",
            "idmesh_sessions_due(interval, integer)",
            "idmesh_retention_due(integer)",
            "idmesh_erase_session_messages(uuid)",
            "idmesh_operations_stats()",
            "idmesh_sandbox_due(integer, integer)",
        ),
    ),
    "webhooks": RoleGrants(
        "records a delivery from the stored event and session (never check results), "
        "signs and sends it",
        _merge(
            KEY_MATERIAL,
            {
                "sessions": TableAccess(select=ALL),
                # vendor_data is added to a payload when it is sent (sealed with this key)
                "session_keys": R,
                "outbox": TableAccess(select=("id", "tenant_id", "event_type", "event")),
                "webhook_endpoints": R,
                "webhook_deliveries": RIU,
                "webhook_attempts": I,
                "processed_events": I,
            },
        ),
        SCHEMA_LEVEL,
    ),
    "dead_letters": RoleGrants(
        "keeps the events the broker gave up on",
        {**TENANT_READ, "dead_letters": I},
        SCHEMA_LEVEL,
    ),
    "provisioner": RoleGrants(
        "marks a tenant ready once its Broker and Triggers are applied",
        {"tenants": TableAccess(select=TENANT_IDENTITY, update=("provisioning", "provisioned_at"))},
        SCHEMA_LEVEL,
    ),
    "console": RoleGrants(
        "the review console: team accounts and sign-in (password + TOTP or the tenant's "
        "OIDC provider), queue, case pages (evidence opened per request), claims, four-eyes "
        "proposals and decisions through the lifecycle, notes, AML match dispositions, "
        "the blocklist screen (add, remove), API keys (create, rotate, revoke; never their "
        "hashes), reports and analytics, team roles, workflow versions, edits and sandbox "
        "runs, "
        "webhook delivery log and resend, retention",
        _merge(
            KEY_MATERIAL,
            TENANT_READ,
            LIFECYCLE,
            ARTIFACTS,
            {
                "console_users": RIU,
                "console_invites": RIU,
                "console_sessions": RIU,
                "console_settings": RIU,
                "case_assignments": RIUD,
                "case_proposals": RID,
                "session_reports": RI,
                # notes with mentions, AML match dispositions, SSO settings
                "case_notes": RI,
                "case_mentions": RIU,
                "case_aml_dispositions": RIU,
                "console_oidc": RIU,
                # earlier sessions of the same document; blocklist from the case (the
                # session's verified contact values, its face template)
                "document_uses": R,
                "face_templates": R,
                # the blocklist screen: list, add by value, remove
                "blocklist": RID,
                # the API keys screen: never the stored hash; create, rotate (the old key's
                # expiry), revoke
                "api_keys": TableAccess(
                    select=(
                        "id",
                        "tenant_id",
                        "name",
                        "prefix",
                        "created_at",
                        "last_used_at",
                        "revoked_at",
                        "scopes",
                        "expires_at",
                        "rotated_from",
                    ),
                    insert=ALL,
                    update=("revoked_at", "expires_at"),
                ),
                "otp_codes": R,
                "checks": R,
                # the branding screen (the hosted pages' name, logo, colours)
                "tenant_branding": RIU,
                # "test this workflow" makes and submits a sandbox session of it
                "sessions": TableAccess(insert=ALL),
                # the workflow screen makes new versions
                "workflows": TableAccess(
                    select=ALL, update=("current_version", "name", "updated_at")
                ),
                "workflow_versions": RI,
                # the delivery log and its resend; the retention screen
                "webhook_deliveries": TableAccess(
                    select=ALL, update=("status", "next_attempt", "attempts")
                ),
                "webhook_attempts": R,
                "tenants": TableAccess(
                    select=("retention_days", "artifact_retention_days"),
                    update=("retention_days", "artifact_retention_days"),
                ),
                "outbox": TableAccess(
                    select=("id", "tenant_id", "event", "event_type", "created_at", "published_at"),
                    insert=ALL,
                ),
                "messages": I,
            },
        ),
        (
            *SCHEMA_LEVEL,
            "idmesh_console_user_by_email(text)",
            "idmesh_console_invite(text)",
            "idmesh_console_session(text)",
        ),
    ),
    "email": _check("the email check: the one-time code's state", OTP_STATE),
    "phone": _check("the phone check: the one-time code's state", OTP_STATE),
    "id_document": _check(
        "reads the document images, stores the portrait it cuts out; duplicate and "
        "blocklisted documents",
        ARTIFACTS,
        {"artifacts": RI},
        {"document_uses": RI, "blocklist": R},
    ),
    "face_match": _check("compares the selfie with the document portrait", ARTIFACTS, FACES),
    "passive_liveness": _check("liveness of one selfie", ARTIFACTS, FACES),
    "active_liveness": _check("liveness of a challenge's frames", ARTIFACTS, FACES),
    "age_estimation": _check("estimates age from the selfie", ARTIFACTS),
    "blocklist": _check(
        "the tenant's blocklist against the session's values and face",
        ARTIFACTS,
        FACES,
        OTP_STATE,
    ),
    "nfc": _check(
        "the chip's data, Active Authentication challenge, chip photo vs selfie; reads the "
        "platform's CSCA/CRL trust store",
        ARTIFACTS,
        FACES,
        {"nfc_trust_entries": R, "nfc_trust_version": R},
    ),
    "aml": _check(
        "screens the document's holder against the sanctions lists (platform data it only "
        "reads: versions, entities, name indexes)",
        {
            "aml_hits": TableAccess(select=("tenant_id", "session_id", "entity_id", "status")),
            "case_aml_dispositions": TableAccess(
                select=("tenant_id", "session_id", "entity_id", "decision")
            ),
        },
        {
            "aml_list_versions": R,
            "aml_current_versions": R,
            "aml_list_indexes": R,
            "aml_entities": R,
        },
    ),
    "proof_of_address": _check("reads the address document", ARTIFACTS),
    "risk": _check(
        "network, device, behaviour and velocity signals: the session's keyed addresses and "
        "devices, time per step and retakes, the keyed values velocity counts, the face "
        "templates (face velocity), the contact codes' state",
        OTP_STATE,
        {
            "session_network": R,
            "risk_keys": RI,
            "session_devices": R,
            "session_steps": R,
            "face_templates": R,
        },
    ),
}

# Tables and SECURITY DEFINER functions no function role touches directly, and why.
NO_FUNCTION_ROLE: dict[str, str] = {
    "schema_migrations": "the owner's migration record (functions read versions through "
    "idmesh_schema_versions())",
    "registrations": "reached only through the idmesh_registration_* functions",
    "messages": "insert-only delivery log; sealed messages are read through "
    "idmesh_session_messages()",
    "idmesh_auth_api_key(text)": "superseded by idmesh_auth_api_key_v2 (kept for the "
    "application role of older images)",
    "nfc_trust_imports": "the trust store's import log (provenance), written and read by "
    "the operator's `idmesh nfc trust` as the owner role",
    "idmesh_monitoring_tenants()": "AML monitoring runs as the jobs' role (`idmesh aml "
    "monitor`), not as a function",
}


def role_of(function: str) -> str:
    return ROLE_PREFIX + function


def apply_grants(conn: psycopg.Connection) -> None:
    """Revoke everything the function roles hold and grant the matrix (owner connection).
    Every role must exist (bootstrap creates them)."""
    roles = [role_of(f) for f in MATRIX]
    present = {
        r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (roles,))
    }
    missing = sorted(set(roles) - present)
    if missing:
        raise RuntimeError(
            "function roles missing (create them as in docs/deploy.md): " + ", ".join(missing)
        )
    with conn.transaction():
        for function, grants in MATRIX.items():
            role = sql.Identifier(role_of(function))
            for kind in ("TABLES", "SEQUENCES", "FUNCTIONS"):
                conn.execute(
                    sql.SQL("REVOKE ALL ON ALL {} IN SCHEMA public FROM {}").format(
                        sql.SQL(kind), role
                    )
                )
            for table, access in grants.tables.items():
                for stmt in _table_statements(table, access, role):
                    conn.execute(stmt)
                if access.insert:
                    for (seq,) in conn.execute(_OWNED_SEQUENCES, (table,)).fetchall():
                        conn.execute(
                            sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(
                                sql.Identifier(seq), role
                            )
                        )
            for routine in ("idmesh_current_tenant()", *grants.routines):
                conn.execute(
                    sql.SQL("GRANT EXECUTE ON FUNCTION {} TO {}").format(sql.SQL(routine), role)
                )


_OWNED_SEQUENCES = (
    "SELECT s.relname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
    "JOIN pg_class t ON t.oid = d.refobjid WHERE t.relname = %s AND d.deptype IN ('a', 'i')"
)


def _table_statements(table: str, access: TableAccess, role: sql.Identifier) -> list[sql.Composed]:
    out = []
    for priv, cols in (
        ("SELECT", access.select),
        ("INSERT", access.insert),
        ("UPDATE", access.update),
    ):
        if cols == ALL:
            out.append(
                sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(priv), sql.Identifier(table), role)
            )
        elif cols:
            out.append(
                sql.SQL("GRANT {} ({}) ON {} TO {}").format(
                    sql.SQL(priv),
                    sql.SQL(", ").join(sql.Identifier(c) for c in cols),
                    sql.Identifier(table),
                    role,
                )
            )
    if access.delete:
        out.append(sql.SQL("GRANT DELETE ON {} TO {}").format(sql.Identifier(table), role))
    return out


# -- the docs' matrix -----------------------------------------------------------------------
DOC_BEGIN = "<!-- grants-matrix:begin (generated from shared/db/grants.py) -->"
DOC_END = "<!-- grants-matrix:end -->"


def markdown() -> str:
    """The matrix as the Markdown docs/security.md carries between DOC_BEGIN and DOC_END."""
    lines = [
        DOC_BEGIN,
        "S: select, I: insert, U: update, D: delete; (columns): only those columns. Every "
        "role also executes `idmesh_current_tenant()`.",
        "",
    ]
    for function, grants in MATRIX.items():
        lines.append(f"**`{role_of(function)}`** ({function}): {grants.purpose}.")
        lines.append("")
        lines.append("| table | privileges |")
        lines.append("|---|---|")
        for table in sorted(grants.tables):
            lines.append(f"| `{table}` | {grants.tables[table].describe()} |")
        lines.append("")
        lines.append(
            "SECURITY DEFINER functions: " + ", ".join(f"`{r}`" for r in grants.routines) + "."
        )
        lines.append("")
    lines.append("Touched by no function role:")
    lines.append("")
    for name, why in NO_FUNCTION_ROLE.items():
        lines.append(f"- `{name}`: {why}")
    lines.append(DOC_END)
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown() + "\n")
