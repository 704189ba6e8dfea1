"""Message delivery adapters.

Every message is first written to the `messages` table in the caller's transaction (the
local outbox, read with `idmesh outbox`); when SMTP or an SMS webhook is configured the
message is also handed to that provider after commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

import httpx
import psycopg

from shared.config import Settings
from shared.crypto.envelope import TenantCipher

log = logging.getLogger(__name__)

Channel = Literal["email", "sms"]


@dataclass(frozen=True)
class SealedFor:
    """The session a message belongs to, and the keys that seal and index it."""

    session_id: str
    cipher: TenantCipher
    master_key: bytes


def recipient_hash(master_key: bytes, recipient: str) -> str:
    """A keyed fingerprint of a recipient: finds an address's messages without storing it."""
    key = hmac.new(master_key, b"idmesh message recipients v1", hashlib.sha256).digest()
    return hmac.new(key, recipient.strip().lower().encode(), hashlib.sha256).hexdigest()


def record_message(
    conn: psycopg.Connection,
    channel: Channel,
    recipient: str,
    subject: str,
    body: str,
    tenant_id: str | None,
    delivered: str = "outbox",
    session: SealedFor | None = None,
) -> None:
    """Write a message to the `messages` table (the local outbox / the delivery log).

    A message about a session is linked to it and sealed with the tenant's data key
    (recipient, subject, body): erasing the session deletes it, and nothing personal is
    stored in the clear. Registration messages (no tenant yet) are stored as they are.
    """
    if session is None:
        conn.execute(
            "INSERT INTO messages (tenant_id, channel, recipient, subject, body, delivered) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (tenant_id, channel, recipient, subject, body, delivered),
        )
        return
    content = json.dumps({"recipient": recipient, "subject": subject, "body": body}).encode()
    conn.execute(
        "INSERT INTO messages (tenant_id, session_id, channel, recipient, recipient_hash, "
        "subject, body, sealed, delivered) VALUES (%s, %s, %s, NULL, %s, '', NULL, %s, %s)",
        (
            tenant_id,
            session.session_id,
            channel,
            recipient_hash(session.master_key, recipient),
            session.cipher.seal("message", session.session_id, content),
            delivered,
        ),
    )


def open_message(cipher: TenantCipher, session_id: str, sealed: bytes) -> dict[str, str]:
    """recipient, subject and body of a sealed message."""
    return json.loads(cipher.open("message", session_id, sealed))


def provider_for(settings: Settings, channel: Channel) -> str:
    if channel == "email" and settings.smtp_host:
        return "smtp"
    if channel == "sms" and settings.sms_webhook_url:
        return "sms_webhook"
    return "outbox"


def send_external(
    settings: Settings, channel: Channel, recipient: str, subject: str, body: str
) -> None:
    """Hand a message to the configured provider (after the DB transaction committed)."""
    provider = provider_for(settings, channel)
    if provider == "smtp":
        msg = EmailMessage()
        msg["From"] = settings.smtp_from
        msg["To"] = recipient
        msg["Subject"] = subject
        msg.set_content(body)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    elif provider == "sms_webhook":
        payload = json.dumps({"to": recipient, "text": body}).encode()
        ts = str(int(time.time()))
        sig = hmac.new(
            settings.sms_webhook_secret.encode(), ts.encode() + b"." + payload, hashlib.sha256
        ).hexdigest()
        resp = httpx.post(
            settings.sms_webhook_url,
            content=payload,
            headers={
                "content-type": "application/json",
                "x-idmesh-timestamp": ts,
                "x-idmesh-signature": sig,
            },
            timeout=10,
        )
        resp.raise_for_status()
