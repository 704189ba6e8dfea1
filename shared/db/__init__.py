"""Postgres: the embedded cluster, roles, migrations and tenant-scoped transactions."""
