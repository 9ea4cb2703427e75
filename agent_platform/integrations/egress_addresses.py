"""Address classification for the egress guard: which IPs are never a public destination.

Pure functions on ``ipaddress`` objects; ``egress.EgressGuard`` applies them to every address a
host resolves to.
"""

from __future__ import annotations

import ipaddress
import re
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_metadata(ip: IPAddress) -> bool:
    """Whether ``ip`` is a cloud metadata address (also IPv4-mapped): refused even if listed."""
    return ip in _METADATA or (ip.version == 6 and ip.ipv4_mapped in _METADATA)


def is_forbidden(ip: IPAddress) -> bool:
    """Whether ``ip`` is anything but a public unicast address (embedded IPv4 unwrapped)."""
    if ip in _METADATA:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or (ip.sixtofour) or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and (ip in _NAT64 or int(ip) >> 32 == 0):
            # NAT64 and the deprecated IPv4-compatible form (::a.b.c.d) carry IPv4 too.
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and is_forbidden(embedded):
            return True
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
    )


def literal_ip(host: str) -> IPAddress | None:
    """An IP literal, including legacy IPv4 forms (``2130706433``, ``0x7f.1``, ``0177.0.0.1``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None
