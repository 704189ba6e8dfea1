"""A thin, typed client for the idmesh API (written over its OpenAPI document: every method
is one documented operation, named after its operationId), with retries and webhook
verification."""

from idmesh_client import types
from idmesh_client.client import ApiError, Client
from idmesh_client.webhooks import WebhookVerificationError, verify_webhook

__all__ = ["ApiError", "Client", "types", "WebhookVerificationError", "verify_webhook"]
__version__ = "0.2.0"
