"""The JSON bodies idmesh POSTs to a tenant's webhook endpoint (published under `webhooks`
in the OpenAPI document). Thin: ids, statuses and codes; details are fetched from the API.

Each delivery carries the Standard Webhooks headers `webhook-id` (the event id: de-duplicate
on it), `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>` of
`id.timestamp.body` with the endpoint's secret; two signatures while a rotated secret
overlaps). A delivery that is not answered 2xx is retried after 5 s, 30 s, 2 min, 10 min,
30 min, 2 h, 5 h and 10 h, then marked failed (see `GET /v1/webhook/deliveries`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from events.types import AmlHit, AmlHitV2, SessionDecided, SessionUpdated


class _VendorData(BaseModel):
    vendor_data: str | None = Field(
        default=None, description="the tenant's own reference given at session creation"
    )


class SessionDecidedData(SessionDecided, _VendorData):
    pass


class SessionUpdatedData(SessionUpdated, _VendorData):
    pass


class AmlHitData(AmlHit, _VendorData):
    pass


class AmlHitV2Data(AmlHitV2, _VendorData):
    pass


class SessionDecidedWebhook(BaseModel):
    type: Literal["session.decided"]
    timestamp: datetime
    data: SessionDecidedData


class SessionUpdatedWebhook(BaseModel):
    type: Literal["session.updated"]
    timestamp: datetime
    data: SessionUpdatedData


class AmlHitWebhook(BaseModel):
    type: Literal["aml.hit"]
    timestamp: datetime
    data: AmlHitData


class AmlHitV2Webhook(BaseModel):
    type: Literal["aml.hit.v2"]
    timestamp: datetime
    data: AmlHitV2Data


WEBHOOKS: dict[str, tuple[str, type[BaseModel]]] = {
    "session.decided": ("The workflow (or a reviewer) decided a session", SessionDecidedWebhook),
    "session.updated": ("A session changed status", SessionUpdatedWebhook),
    "aml.hit": (
        "Deprecated (score 0–1; use aml.hit.v2): ongoing AML monitoring found a new match",
        AmlHitWebhook,
    ),
    "aml.hit.v2": (
        "Ongoing AML monitoring found a new match (score 0–100, like every other score)",
        AmlHitV2Webhook,
    ),
}
