"""Which network addresses a fetch may reach: feeds are untrusted input, not a way into internal services."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
        """Why this address may not be fetched, or None when it may."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in net for net in self.allowed):
            return None
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
