"""The client's address: the peer, or what a configured number of trusted proxies say.

Each proxy appends the address it received the request from to `X-Forwarded-For`. With
`trusted` proxies in front of us, the n-th entry from the right is the one the outermost
trusted proxy saw; anything left of it was written by the client and proves nothing.
"""

from __future__ import annotations

import ipaddress

from werkzeug.wrappers import Request


def client_addr(request: Request, trusted_proxies: int) -> str:
    peer = request.remote_addr or ""
    if trusted_proxies <= 0:
        return peer
    header = ",".join(request.headers.getlist("X-Forwarded-For"))
    hops = [h.strip() for h in header.split(",") if h.strip()]
    if not hops:
        return peer
    candidate = hops[-trusted_proxies] if len(hops) >= trusted_proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
