"""Where webhooks may go: one address policy, applied to the address actually connected to.

The host is resolved once; every address it resolves to must be allowed (`is_global` and
none of the explicit denies, including addresses wrapped in 6to4, Teredo, NAT64 or IPv4-
mapped IPv6); the request then connects to that address (Host header and TLS server name
stay the URL's host), so a second resolution cannot point it elsewhere (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Denied even where a Python version's `is_global` would allow them.
_DENY = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT; Alibaba's metadata 100.100.100.200
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local; the cloud metadata address 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",  # multicast
        "fd00:ec2::254/128",  # AWS metadata over IPv6
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(ValueError):
    """The URL may not receive webhooks; the message says why (no secrets in it)."""


def address_problem(ip: IpAddress) -> str | None:
    """Why a webhook may not connect to `ip` (None when it may)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is not None:
            why = address_problem(inner)
            return f"{why} (wrapped in IPv6)" if why else None
    if ip.is_multicast:
        return "the host resolves to a multicast address"
    if any(ip in net for net in _DENY if net.version == ip.version) or not ip.is_global:
        return "the host resolves to a private or reserved address"
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (one look-up)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class PinnedTarget:
    """A request target bound to one checked address."""

    url: httpx.URL  # the URL with its host replaced by the address
    host: str  # the URL's host (Host header and TLS server name)
    address: str

    def request_kwargs(self, headers: dict[str, str]) -> dict:
        port = self.url.port
        default = {"https": 443, "http": 80}[self.url.scheme]
        host_header = self.host if port in (None, default) else f"{self.host}:{port}"
        if ":" in self.host:
            host_header = f"[{self.host}]" if port in (None, default) else f"[{self.host}]:{port}"
        extensions = {"sni_hostname": self.host} if self.url.scheme == "https" else {}
        return {"headers": {**headers, "host": host_header}, "extensions": extensions}


def pin(url: str, allow_private: bool, resolver: Resolver = resolve) -> PinnedTarget:
    """Resolve the URL's host once and check the policy; raise AddressRefused."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AddressRefused("the URL must be http(s) with a host")
    if not allow_private and parts.scheme != "https":
        raise AddressRefused("the URL must be https")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefused("the URL's port is not valid") from exc
    host = parts.hostname
    try:
        literal: IpAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolver(host, port)
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            raise AddressRefused("the host does not resolve")
    ips = [ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses]
    if not allow_private:
        for ip in ips:
            why = address_problem(ip)
            if why:
                raise AddressRefused(why)
    chosen = ips[0]
    return PinnedTarget(
        url=httpx.URL(url).copy_with(host=str(chosen)), host=host, address=str(chosen)
    )
