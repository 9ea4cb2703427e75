"""Web origins as the widget stores them: ``scheme://host[:port]``, ASCII, nothing else.

Allowed origins are written into the chat frame's ``Content-Security-Policy`` header
(``frame-ancestors``, ``img-src``), so a stored origin must not be able to carry a space, a
quote, a semicolon, a comma, a wildcard or a line break: any of those would add sources or
whole directives (``https://a.com; script-src *``). ``normalise_origin`` therefore accepts
only an http(s) scheme, a host name made of DNS labels (international names become their
IDNA ``xn--`` form), an IPv4 or bracketed IPv6 address, and a numeric port.
"""

from __future__ import annotations

import ipaddress
import re

from agent_platform.services.errors import InvalidInput

_DEFAULT_PORTS = {"http": 80, "https": 443}
_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]\\;,'\"*<>]+)"
    r"(?::(?P<port>[0-9]{1,5}))?/?",
    re.IGNORECASE,
)
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_LENGTH = 300


def _host(raw: str) -> str | None:
    if raw.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
        except ValueError:
            return None
    try:
        host = raw.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in host.split(".")):
        return None
    return host


def normalise_origin(value: str) -> str:
    """``value`` as a lower-case ASCII origin without a default port.

    Args:
        value: what the customer typed, e.g. ``https://Shop.Example.com/``.

    Returns:
        The origin, e.g. ``https://shop.example.com``.

    Raises:
        InvalidInput: anything but ``http(s)://host[:port]`` (paths, credentials, wildcards,
            spaces, quotes, semicolons, commas, bad labels or ports).
    """
    text = value.strip() if isinstance(value, str) else ""
    match = _ORIGIN.fullmatch(text) if len(text) <= MAX_LENGTH else None
    host = _host(match["host"]) if match else None
    port = int(match["port"]) if match and match["port"] else None
    if match is None or host is None or (port is not None and not 0 < port < 65536):
        raise InvalidInput(
            f"{text[:80]!r} is not an origin like https://www.example.com.",
            details={"field": "allowed_origins"},
        )
    scheme = match["scheme"].lower()
    shown_port = f":{port}" if port and port != _DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{shown_port}"


def is_origin(value: str) -> bool:
    """Whether ``value`` already is a normalised origin (safe inside a CSP header)."""
    try:
        return normalise_origin(value) == value
    except InvalidInput:
        return False
