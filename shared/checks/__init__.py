"""Common shape of every check result (sessions, standalone calls and the CLI alike)."""
