"""The local runtime (`idmesh up`): what Knative and the cluster do, on one machine."""
