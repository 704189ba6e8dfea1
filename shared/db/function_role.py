"""A function's own Postgres role (`idmesh_fn_<function>`) and the URL it connects with.

The grants of each role are the matrix of shared/db/grants.py. Locally the supervisor
(shared/local/stack.py) gives each function process its own URL in
IDMESH_FUNCTION_DATABASE_URL; on a cluster each Service reads the `<function>-url` key of
the database Secret into the same variable.
"""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from shared.config import Settings
from shared.db.grants import MATRIX, ROLE_PREFIX, role_of

__all__ = [
    "ROLE_PREFIX",
    "function_names",
    "function_url",
    "operator_database_url",
    "process_database_url",
    "role_of",
]


def function_names() -> list[str]:
    """Every function that has a role (the functions that touch the database)."""
    return list(MATRIX)


def function_url(base_url: str, function: str, password: str) -> str:
    """`base_url` (any role's URL on idmesh's database) as the function's own role."""
    params = conninfo_to_dict(base_url)
    params.update(user=role_of(function), password=password)
    return make_conninfo(**params)


def app_database_url(settings: Settings) -> str:
    """The application role's URL: IDMESH_APP_DATABASE_URL, else the embedded cluster's (its
    tooling is imported only then)."""
    if settings.app_database_url:
        return settings.app_database_url
    from shared.db.bootstrap import database_urls

    return database_urls(settings, start=False).app


def process_database_url(settings: Settings) -> str:
    """The URL this process connects with: its function's own role when given
    (IDMESH_FUNCTION_DATABASE_URL), else the application role (tools and tests)."""
    return settings.function_database_url or app_database_url(settings)


def operator_database_url(settings: Settings) -> str:
    """The URL the operator's tools write platform reference data with (`idmesh aml load`,
    `idmesh nfc trust import`): the schema owner's (IDMESH_OWNER_DATABASE_URL on a cluster,
    the migration Job's Secret key), the only role that may write those tables."""
    if settings.owner_database_url:
        return settings.owner_database_url
    from shared.db.bootstrap import database_urls

    return database_urls(settings, start=False).owner
