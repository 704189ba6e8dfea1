"""Tenant provisioning: on `tenant.registered`, apply the tenant's namespace, Broker,
Triggers, Istio policies and dedicated Services (Kubernetes server-side apply, or the local
broker's manifests directory off-cluster) and mark the tenant ready once its Broker is."""
