"""Verifying idmesh webhooks (Standard Webhooks): `webhook-signature` holds one or more
`v1,<base64 HMAC-SHA256>` of `webhook-id.webhook-timestamp.body`, keyed with the bytes of
the `whsec_...` secret; the timestamp must be recent (replay protection)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any


class WebhookVerificationError(Exception):
    pass


def verify_webhook(
    secret: str, headers: Mapping[str, str], body: bytes, tolerance_seconds: int = 300
) -> dict[str, Any]:
    """The payload when the signature and timestamp hold; raises otherwise. Pass the raw
    body bytes exactly as received."""
    h = {k.lower(): v for k, v in headers.items()}
    msg_id, ts, sigs = h.get("webhook-id"), h.get("webhook-timestamp"), h.get("webhook-signature")
    if not (msg_id and ts and sigs):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or signature")
    try:
        stamp = int(ts)
    except ValueError as exc:
        raise WebhookVerificationError("bad webhook-timestamp") from exc
    if abs(time.time() - stamp) > tolerance_seconds:
        raise WebhookVerificationError("timestamp outside the tolerance (replayed?)")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    for sig in sigs.split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise WebhookVerificationError("no signature matches")
