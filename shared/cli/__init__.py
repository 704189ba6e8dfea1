"""The `idmesh` command line."""
