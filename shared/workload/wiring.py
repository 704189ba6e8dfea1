"""Workload identity from the settings: a receiver's verifier, a sender's token source."""

from __future__ import annotations

from shared.catalog import PLATFORM_ROUTES, ROUTES, service_name
from shared.config import Settings
from shared.workload.identity import (
    SA_PREFIX,
    pingsource_subject,
    service_audience,
    subject,
    trigger_subject,
)
from shared.workload.tokens import HttpTokens, KubernetesTokens, TokenSource
from shared.workload.verifier import AuthFailure, JwksCache, TokenVerifier

# Who delivers to a function by default: the broker filter, with the identity of the
# Trigger's OIDC service account, in a tenant's namespace (`tenant-<slug>`).
TRIGGER_SENDERS = f"{SA_PREFIX}tenant-*"


class NoIssuer:
    """The verifier when no issuer is configured: refuses every delivery."""

    def verify(self, _authorization: str | None) -> None:
        raise AuthFailure(401, "no token issuer is configured: every delivery is refused")


def jwks_for(settings: Settings) -> JwksCache:
    return JwksCache(
        settings.oidc_issuer_url,
        ca_file=settings.oidc_ca_file or None,
        bearer_file=settings.oidc_discovery_token_file or None,
    )


def receiver_audience(settings: Settings, service: str) -> str:
    return settings.oidc_audience or service_audience(settings.namespace, service)


def default_senders(namespace: str, service: str) -> list[str]:
    """Who may deliver to `service`, from the catalogue: the broker filter for the tenant
    Triggers that route to it (any `tenant-*` namespace), and for each platform Trigger
    that routes to it that Trigger's own identity. The dead-letter sink takes both, since
    every Trigger names it."""
    dead_letters = service == service_name("dead_letters")
    senders = []
    if dead_letters or any(service_name(r.function) == service for r in ROUTES):
        senders.append(TRIGGER_SENDERS)
    senders += [
        trigger_subject(namespace, r.name)
        for r in PLATFORM_ROUTES
        if dead_letters or service_name(r.function) == service
    ]
    return senders


def allowed_senders(settings: Settings, service: str) -> list[str]:
    listed = [s.strip() for s in settings.oidc_allowed_senders.split(",") if s.strip()]
    return listed or default_senders(settings.namespace, service)


def verifier_for(settings: Settings, service: str) -> TokenVerifier | NoIssuer:
    """The verifier of a function's deliveries; without an issuer every delivery is
    refused (there is no unauthenticated mode)."""
    if not settings.oidc_issuer_url:
        return NoIssuer()
    return TokenVerifier(
        jwks_for(settings), receiver_audience(settings, service), allowed_senders(settings, service)
    )


def caller_verifier(settings: Settings, service: str) -> TokenVerifier | NoIssuer:
    """The verifier of HTTP function calls to `service`: only the API calls functions
    directly (it forwards standalone checks), with its own workload identity."""
    if not settings.oidc_issuer_url:
        return NoIssuer()
    return TokenVerifier(
        jwks_for(settings),
        receiver_audience(settings, service),
        [subject(settings.namespace, service_name("api"))],
    )


def relay_verifier(settings: Settings, pingsource: str = "relay-tick") -> TokenVerifier | NoIssuer:
    """The relay's ticks come from its PingSource (knative/pingsource.yaml)."""
    if not settings.oidc_issuer_url:
        return NoIssuer()
    listed = [s.strip() for s in settings.oidc_allowed_senders.split(",") if s.strip()]
    return TokenVerifier(
        jwks_for(settings),
        receiver_audience(settings, "relay"),
        listed or [pingsource_subject(settings.namespace, pingsource)],
    )


def token_source(settings: Settings) -> TokenSource | None:
    """How this workload obtains tokens to send with: the TokenRequest API on a cluster,
    the local issuer with its bootstrap credential locally; None if neither is set."""
    if settings.token_api_url and settings.service_account:
        return KubernetesTokens(
            settings.token_api_url,
            settings.namespace,
            settings.service_account,
            settings.service_account_token_file,
            ca_file=settings.oidc_ca_file or None,
        )
    if settings.workload_credential and settings.oidc_issuer_url:
        return HttpTokens(settings.oidc_issuer_url, settings.workload_credential)
    return None
