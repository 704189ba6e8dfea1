"""The client's address: the peer, or what trusted proxies say.

Each proxy appends the address it received the request from to `X-Forwarded-For`. Two ways
to say which proxies are trusted:
- a number (`IDMESH_TRUSTED_PROXY_COUNT`): with `n` proxies in front of us, the n-th entry
  from the right is the one the outermost trusted proxy saw;
- networks (`IDMESH_TRUSTED_PROXY_CIDRS`): starting from the peer, while the address at hand
  is in a trusted network, the next entry from the right is believed; the first address
  outside them is the client's.
Anything left of that was written by the client and proves nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from werkzeug.wrappers import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_cidrs(text: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 127.0.0.1/32` -> networks (ValueError names a bad entry)."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                out.append(ipaddress.ip_network(part, strict=False))
            except ValueError as exc:
                raise ValueError(f"not a network: {part!r}") from exc
    return tuple(out)


def _hops(request: Request) -> list[str]:
    header = ",".join(request.headers.getlist("X-Forwarded-For"))
    return [h.strip() for h in header.split(",") if h.strip()]


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks if n.version == ip.version)


def client_addr(
    request: Request, trusted_proxies: int, trusted_cidrs: Sequence[Network] = ()
) -> str:
    peer = request.remote_addr or ""
    if trusted_cidrs:
        hops, addr = _hops(request), peer
        while hops and _trusted(addr, trusted_cidrs):
            candidate = hops.pop()
            try:
                addr = str(ipaddress.ip_address(candidate))
            except ValueError:
                return addr  # a trusted proxy would not write this: keep what it was
        return addr
    if trusted_proxies <= 0:
        return peer
    hops = _hops(request)
    if not hops:
        return peer
    candidate = hops[-trusted_proxies] if len(hops) >= trusted_proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
