"""The client's address: one rule for the REST API and the Reflex websocket.

``X-Forwarded-For`` is written by whoever sent the request, so it is believed only as far as
it was appended by proxies we run: starting from the peer that connected to us, each hop that
is a configured trusted proxy (``security.trusted_proxies``, IPs or CIDRs; none by default)
hands over to the address it says it forwarded for, and the first address that is not a
trusted proxy is the client. Entries to its left were written by the client itself and are
ignored, so a spoofed header changes nothing unless it arrives through our own proxy, which
appends the real peer to it.

Log-in throttling, API rate limits and audit entries all key on this address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from agent_platform.settings import get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_HOPS = 20  # a longer chain is not a real proxy path; stop walking it


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _parse(value: str) -> Address | None:
    """An address from a peer or header entry (``1.2.3.4``, ``[::1]:80``, ``1.2.3.4:80``)."""
    text = value.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_ip(peer: str, forwarded_for: str | Iterable[str] = ()) -> str:
    """The client's address as this platform acts on it (at most 64 characters).

    Args:
        peer: the address of whoever opened the connection (the ASGI ``client``).
        forwarded_for: the ``X-Forwarded-For`` header value(s), oldest hop first.

    Returns:
        ``peer`` unless it is a trusted proxy; then the nearest hop of ``forwarded_for`` that
        is not one (see the module docstring). A peer that is not an IP is returned as is.
    """
    address = _parse(peer)
    trusted = _networks(tuple(get_settings().security.trusted_proxies))
    if address is None:
        return peer[:64]
    values = [forwarded_for] if isinstance(forwarded_for, str) else list(forwarded_for)
    hops = [hop for value in values for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops[-MAX_HOPS:]):
        if not any(address in network for network in trusted):
            break
        forwarded = _parse(hop)
        if forwarded is None:  # garbage from the client's side: the proxy's peer is all we know
            break
        address = forwarded
    return str(address)[:64]
