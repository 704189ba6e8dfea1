"""Top-level `idmesh <command>` modules (each exposes register(subparsers))."""
