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
from email.message import EmailMessage
from typing import Literal

import httpx
import psycopg

from shared.config import Settings

log = logging.getLogger(__name__)

Channel = Literal["email", "sms"]


def record_message(
    conn: psycopg.Connection,
    channel: Channel,
    recipient: str,
    subject: str,
    body: str,
    tenant_id: str | None,
    delivered: str = "outbox",
) -> None:
    conn.execute(
        "INSERT INTO messages (tenant_id, channel, recipient, subject, body, delivered) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (tenant_id, channel, recipient, subject, body, delivered),
    )


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
