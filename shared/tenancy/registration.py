"""Headless registration in two calls: request a code by email, verify it, get a key.

Codes: 6 digits, stored as an HMAC, valid 15 minutes, at most 5 attempts; registrations are
rate-limited per email and per client address.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email

from events.types import TENANT_REGISTERED, TenantRegistered
from shared.config import Settings
from shared.db.tenant_tx import Database
from shared.errors import AlreadyDone, InvalidCode, InvalidInput, TooManyAttempts
from shared.eventing.outbox import enqueue, make_event
from shared.messaging.delivery import record_message, send_external
from shared.tenancy.api_keys import create_api_key
from shared.tenancy.secrets import code_hash, codes_equal, new_code
from shared.tenancy.tenants import create_tenant

CODE_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 5


def normalise_email(email: str) -> str:
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(
            "the email address is not valid",
            errors=[{"pointer": "/email", "detail": str(exc), "type": "email"}],
        ) from exc


@dataclass
class Registrations:
    db: Database
    settings: Settings
    master_key: bytes

    def start(self, email: str, organization: str, client_addr: str) -> tuple[str, list]:
        """Create a registration and queue its code. Returns (id, post-commit actions)."""
        email = normalise_email(email)
        since = datetime.now(UTC) - timedelta(hours=1)
        code = new_code()
        after: list = []
        with self.db.no_tenant() as conn:
            counts = conn.execute(
                "SELECT * FROM idmesh_registration_counts(%s, %s, %s)",
                (email, client_addr, since),
            ).fetchone()
            if (
                counts["by_email"] >= self.settings.registration_per_email_per_hour
                or counts["by_client"] >= self.settings.registration_per_client_per_hour
            ):
                raise TooManyAttempts(
                    "too many registrations, try later", code="rate-limited", retry_after=3600
                )
            row = conn.execute(
                "SELECT idmesh_registration_create(%s, %s, %s, %s, %s) AS id",
                (
                    email,
                    organization,
                    code_hash(self.master_key, "registration", email, code),
                    client_addr,
                    datetime.now(UTC) + CODE_TTL,
                ),
            ).fetchone()
            subject = "Your idmesh verification code"
            body = (
                f"Your idmesh registration code is {code}. "
                f"It expires in {int(CODE_TTL.total_seconds() // 60)} minutes."
            )
            record_message(conn, "email", email, subject, body, tenant_id=None)
        if self.settings.smtp_host:
            after.append(lambda: send_external(self.settings, "email", email, subject, body))
        return str(row["id"]), after

    def verify(self, email: str, code: str) -> tuple[str, str]:
        """Check the code; on success create the tenant and its first key."""
        email = normalise_email(email)
        # Count the attempt in its own committed transaction, whatever happens next.
        with self.db.no_tenant() as conn:
            reg = conn.execute("SELECT * FROM idmesh_registration_attempt(%s)", (email,)).fetchone()
        if reg is None:
            raise InvalidCode("the code is not valid")
        if reg["attempts"] > MAX_ATTEMPTS:
            raise TooManyAttempts("too many attempts; register again for a new code")
        if reg["expired"]:
            raise InvalidCode("the code has expired; register again", code="code-expired")
        expected = code_hash(self.master_key, "registration", email, code.strip())
        if not codes_equal(expected, reg["code_hash"]):
            raise InvalidCode("the code is not valid")
        tenant_id = str(uuid.uuid4())
        async_provisioning = self.settings.provisioner == "kubernetes"
        with self.db.tenant(tenant_id) as conn:
            tenant = create_tenant(
                conn,
                self.master_key,
                tenant_id,
                reg["organization"],
                email,
                provisioning="provisioning" if async_provisioning else "ready",
            )
            # In the same transaction: the provisioner applies the tenant's Broker & Triggers.
            enqueue(
                conn,
                make_event(tenant_id, TENANT_REGISTERED, TenantRegistered(slug=tenant.slug), "api"),
            )
            key = create_api_key(conn, tenant_id, "default")
            done = conn.execute(
                "SELECT idmesh_registration_complete(%s, %s) AS ok",
                (reg["registration_id"], tenant_id),
            ).fetchone()
            if not done["ok"]:
                raise AlreadyDone("this registration was already verified", code="already-verified")
        return tenant_id, key.api_key
