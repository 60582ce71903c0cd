"""Which network addresses a fetch may reach: feeds are untrusted input, not a way into internal services."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AddressPolicy:
    """The address rules of one fetcher.

    `allow_private` (OVERSIGHT_ALLOW_PRIVATE_NETWORKS) opens loopback and private
    ranges (RFC 1918, ULA, CGNAT), which is what the sample server and tests need.
    Link-local addresses stay refused even then, because cloud metadata services live
    there (169.254.169.254, fe80::/10) and no news site does; multicast, unspecified
    and reserved addresses are never web servers. `allowed` (OVERSIGHT_ALLOWED_NETWORKS)
    lists networks that are always reachable, for a deliberate exception.
    """

    allow_private: bool = False
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, allow_private: bool, allowed: Iterable[str]) -> AddressPolicy:
        return cls(allow_private, tuple(ipaddress.ip_network(net, strict=False) for net in allowed))

    def problem(self, address: IPAddress) -> str | None:
        """Why this address may not be fetched, or None when it may.

        An IPv6 address that carries an IPv4 one (mapped, 6to4 `2002::/16`, Teredo `2001::/32`, NAT64
        `64:ff9b::/96`) is judged by the IPv4 inside too: a relay would deliver it there."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in net for net in self.allowed):
            return None
        if isinstance(address, ipaddress.IPv6Address):
            for inner in _embedded_ipv4(address):
                why = self.problem(inner)
                if why is not None:
                    return f"{why} ({inner}) inside the IPv6 address"
        if address.is_multicast:
            return "a multicast address"
        if address.is_unspecified:
            return "an unspecified address"
        if address.is_link_local:
            return "a link-local address (where cloud metadata services live)"
        if address.is_loopback:
            return None if self.allow_private else "a loopback address"
        if not address.is_global and not address.is_reserved:
            return None if self.allow_private else "a private-network address"
        if address.is_reserved:
            return "a reserved address"
        return None

    def refusal(self, host: str, addresses: Sequence[IPAddress]) -> str | None:
        """A message naming the blocked address and what to do, or None if all are allowed."""
        for address in addresses:
            why = self.problem(address)
            if why is not None:
                where = f"host {host} resolves to {address}" if host.strip("[]") != str(address) else str(address)
                return (
                    f"{where}, {why}; refused so that feeds cannot reach "
                    "internal services (set OVERSIGHT_ALLOW_PRIVATE_NETWORKS=true or list the network in "
                    "OVERSIGHT_ALLOWED_NETWORKS if this host is meant to be reachable)"
                )
        return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a 6to4, Teredo (server and client) or NAT64 address reaches."""
    inner = [address.sixtofour, *(address.teredo or ())]
    if address in _NAT64:
        inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [a for a in inner if a is not None]


def literal_address(host: str) -> IPAddress | None:
    """The address if `host` is an IP literal (brackets allowed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(host: str, port: int, timeout: float) -> list[IPAddress]:
    """All addresses `host` resolves to (an IP literal resolves to itself); raises OSError."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OSError(f"no addresses for {host}")
    return addresses


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects a host only to the address the fetcher checked for it, never re-resolving.

    Resolving once, checking, then connecting to that same address closes the DNS
    rebinding gap (a name that answers "public" to the check and "private" to the
    connect). TLS still verifies the certificate against the host name, and the
    connection pool stays keyed by host name, so two sites on one CDN address never
    share a TLS connection.
    """

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._pins: dict[str, str] = {}

    def pin(self, host: str, address: str) -> None:
        self._pins[host.strip("[]").lower()] = address

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        address = self._pins.get(host.strip("[]").lower())
        if address is None:
            raise httpcore.ConnectError(f"refusing to connect to {host}: its address was not checked")
        return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool built on a PinnedBackend."""

    def __init__(self, backend: PinnedBackend, limits: httpx.Limits) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx (pinned to 0.28.x) takes no network backend argument; its pool is rebuilt
        # with the same settings plus ours. Proxies are never used (trust_env=False).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )
