"""The tenant-facing HTTP API (API.md): routes are thin, the domain does the work."""
