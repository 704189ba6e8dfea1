"""Network facts of an end user's address: its registered country, whether it is private or
reserved, and a prefix kept as evidence. Recorded per session as the end user's requests
arrive (the address itself is never stored: a keyed hash and the prefix are).

The country comes from `iptocc` (MIT OR Apache-2.0): the five Regional Internet Registries'
delegation files, embedded in the wheel and refreshed by upgrading the package (a new
release is built nightly from the registries' data). It is the country a block is
registered to, not a geolocation.
"""

from __future__ import annotations

import ipaddress

import psycopg
from iptocc import country_code
from pydantic import BaseModel

from shared.crypto.envelope import TenantCipher
from shared.risk.keys import record_key, velocity_key


class IpFacts(BaseModel):
    prefix: str  # /24 (IPv4) or /48 (IPv6): evidence without the address
    country: str | None  # ISO 3166 alpha-2, None when unregistered or reserved
    reserved: bool  # private, loopback, link-local, multicast, documentation, reserved


def ip_facts(address: str) -> IpFacts | None:
    """None when `address` is not an IP address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = 24 if ip.version == 4 else 48
    prefix = str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))
    reserved = not ip.is_global
    country = None if reserved else country_code(str(ip))
    return IpFacts(prefix=prefix, country=country, reserved=reserved)


def record_request(
    conn: psycopg.Connection, cipher: TenantCipher, session_id: str, address: str
) -> None:
    """Count one end-user request of the session from `address` (in its tenant transaction)."""
    facts = ip_facts(address)
    if facts is None:
        return
    key = velocity_key(cipher, "ip", address)
    conn.execute(
        "INSERT INTO session_network (tenant_id, session_id, ip_key, ip_prefix, country, "
        "reserved) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tenant_id, session_id, ip_key) "
        "DO UPDATE SET requests = session_network.requests + 1, last_seen = now()",
        (cipher.tenant_id, session_id, key, facts.prefix, facts.country, facts.reserved),
    )
    record_key(conn, cipher.tenant_id, session_id, "ip", key)


class SessionAddress(BaseModel):
    ip_key: str
    prefix: str
    country: str | None
    reserved: bool
    requests: int


def session_addresses(conn: psycopg.Connection, session_id: str) -> list[SessionAddress]:
    """The addresses the session came from, most used first."""
    rows = conn.execute(
        "SELECT ip_key, ip_prefix AS prefix, country, reserved, requests FROM session_network "
        "WHERE session_id = %s ORDER BY requests DESC, first_seen",
        (session_id,),
    ).fetchall()
    return [SessionAddress(**r) for r in rows]
