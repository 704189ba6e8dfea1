"""Workload identity: every event's sender is authenticated (Knative `authentication-oidc`).

Senders present a short-lived OIDC token shaped like a Kubernetes service-account token
(`sub` = `system:serviceaccount:<namespace>:<name>`, `aud` = the receiver); receivers verify
it against the issuer's JWKS and allow only their listed senders. Locally `idmesh up` runs a
small issuer (`issuer.py`); on a cluster it is the cluster's service-account issuer."""
