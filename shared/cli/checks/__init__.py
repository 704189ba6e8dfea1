"""`idmesh check <check>` modules (each exposes register(subparsers))."""
