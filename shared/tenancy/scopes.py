"""API key scopes: what each key may do, and which scope every route needs.

A key created without `scopes` holds all of them (keys made before scopes existed keep
working unchanged). A route's scope is declared with `scope=` on the route or, for the routes
below, in `ROUTE_SCOPES` (one table, reviewed as a whole); a tenant route with neither needs
`admin` (fail closed). Session tokens are not scoped: they only reach the end-user routes.
"""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "sessions:read": "read sessions, their results, audit trails and exports",
    "sessions:write": "create sessions, upload artifacts, submit, send codes, erase",
    "review": "approve or decline sessions in review; review AML hits",
    "checks": "run standalone checks (POST /v1/checks/...)",
    "workflows": "create, read and change workflows",
    "blocklist": "read and change the blocklist",
    "aml": "read AML monitoring hits",
    "webhooks": "configure the webhook endpoint, read and resend deliveries",
    "audit": "read and export the tenant's audit trail",
    "admin": "the tenant, API keys, dead letters (and every route without a scope)",
}
ALL_SCOPES: tuple[str, ...] = tuple(SCOPES)
FALLBACK_SCOPE = "admin"

_S = "/v1/sessions/<uuid:session_id>"
ROUTE_SCOPES: dict[tuple[str, str], str] = {
    ("GET", "/v1/tenant"): "admin",
    ("GET", "/v1/tenant/retention"): "admin",
    ("PUT", "/v1/tenant/retention"): "admin",
    ("GET", "/v1/tenant/branding"): "admin",
    ("PUT", "/v1/tenant/branding"): "admin",
    ("POST", "/v1/api-keys"): "admin",
    ("GET", "/v1/api-keys"): "admin",
    ("DELETE", "/v1/api-keys/<uuid:key_id>"): "admin",
    ("POST", "/v1/api-keys/<uuid:key_id>/rotate"): "admin",
    ("POST", "/v1/workflows"): "workflows",
    ("GET", "/v1/workflows"): "workflows",
    ("GET", "/v1/workflows/<uuid:workflow_id>"): "workflows",
    ("PUT", "/v1/workflows/<uuid:workflow_id>"): "workflows",
    ("POST", "/v1/workflows/<uuid:workflow_id>/dry-run"): "workflows",
    ("POST", "/v1/sessions"): "sessions:write",
    ("GET", "/v1/sessions"): "sessions:read",
    ("GET", _S): "sessions:read",
    ("GET", f"{_S}/audit"): "sessions:read",
    ("GET", f"{_S}/export"): "sessions:read",
    ("POST", f"{_S}/artifacts"): "sessions:write",
    ("POST", f"{_S}/submit"): "sessions:write",
    ("POST", f"{_S}/liveness/challenge"): "sessions:write",
    ("POST", f"{_S}/nfc/challenge"): "sessions:write",
    ("POST", f"{_S}/email"): "sessions:write",
    ("POST", f"{_S}/email/check"): "sessions:write",
    ("POST", f"{_S}/phone"): "sessions:write",
    ("POST", f"{_S}/phone/check"): "sessions:write",
    ("POST", f"{_S}/review"): "review",
    ("DELETE", _S): "sessions:write",
    ("POST", "/v1/blocklist"): "blocklist",
    ("GET", "/v1/blocklist"): "blocklist",
    ("DELETE", "/v1/blocklist/<uuid:entry_id>"): "blocklist",
    ("POST", "/v1/checks/<string:check>"): "checks",
    ("GET", "/v1/aml/hits"): "aml",
    ("POST", "/v1/aml/hits/<uuid:hit_id>/review"): "review",
    ("PUT", "/v1/webhook"): "webhooks",
    ("GET", "/v1/webhook"): "webhooks",
    ("GET", "/v1/webhook/deliveries"): "webhooks",
    ("POST", "/v1/webhook/deliveries/<uuid:delivery_id>/resend"): "webhooks",
    ("GET", "/v1/dead-letters"): "admin",
    ("GET", "/v1/audit"): "audit",
    ("GET", f"{_S}/report.pdf"): "sessions:read",
    ("GET", "/v1/reports/<uuid:report_id>"): "sessions:read",
    ("POST", "/v1/console/invites"): "admin",
}


def normalise(scopes: list[str] | None) -> list[str] | None:
    """Known scopes, sorted and unique; None (all scopes) stays None."""
    if scopes is None:
        return None
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)}")
    return sorted(set(scopes))
