"""The provisioner for these settings: Kubernetes in-cluster, or the local broker."""

from __future__ import annotations

from shared.config import Settings
from shared.manifests.values import ClusterValues
from shared.platform import Platform
from shared.provisioning.appliers import KubernetesApplier, LocalApplier
from shared.provisioning.provisioner import Provisioner


def provisioner_from_settings(settings: Settings) -> Provisioner:
    platform = Platform.from_settings(settings, pool_size=2)
    values = (
        ClusterValues.model_validate_json(settings.cluster_values)
        if settings.cluster_values
        else ClusterValues()
    )
    if settings.provisioner == "kubernetes":
        applier = KubernetesApplier()
    elif settings.manifests_dir:
        applier = LocalApplier(settings.manifests_dir)
    else:
        raise RuntimeError("provisioner: set IDMESH_PROVISIONER=kubernetes or a manifests dir")
    return Provisioner(platform.db, applier, values)
