"""Every model idmesh runs: where its file comes from, its hash and licence (one registry)."""
