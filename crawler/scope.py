"""Where the crawl may go: http(s) on the site's own hosts and its trusted image hosts, never a local address.

A pure policy, built once per crawl from the settings and the start URL(s); the spider and a downloader middleware
ask it about every URL before a request is made, so a refused URL costs no DNS lookup, connection or file read.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, urlsplit

from albumml.config import Settings

Reason = Literal["offsite_url", "forbidden_scheme", "forbidden_address"]
OFFSITE: Reason = "offsite_url"
FORBIDDEN_SCHEME: Reason = "forbidden_scheme"
FORBIDDEN_ADDRESS: Reason = "forbidden_address"
REASONS: tuple[Reason, ...] = (OFFSITE, FORBIDDEN_SCHEME, FORBIDDEN_ADDRESS)

SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# Shapes that C's inet_aton reads as an IPv4 address ("127.1", "0x7f.0.0.1", "2130706433"), as resolvers do.
_IPV4_SHORTHAND = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")

Origin = tuple[str, int | None]  # host and port; None stands for the scheme's default port (80 or 443)


@dataclass(frozen=True)
class Refusal:
    """Why a URL is out of scope: a reason code stored with the crawl error, and a line for people."""

    reason: Reason
    detail: str


@dataclass(frozen=True)
class ScopePolicy:
    """The hosts a crawl may fetch from: `start` origins (operator input, local addresses allowed) and `allowed`
    origins (the site's other hosts and its image hosts, public addresses only)."""

    start: frozenset[Origin]
    allowed: frozenset[Origin]

    def refusal(self, url: str) -> Refusal | None:
        """None when `url` may be fetched; else why not."""
        try:
            parts = urlsplit(url.strip())
            scheme, host, port = parts.scheme.lower(), _host(parts), parts.port
        except ValueError as exc:
            return Refusal(OFFSITE, f"not a URL the crawl can fetch ({exc})")
        if scheme not in SCHEMES:
            return Refusal(FORBIDDEN_SCHEME, f"scheme {scheme or '(none)'!r} is not http or https")
        if not host:
            return Refusal(OFFSITE, "the URL names no host")
        origin_ports = {port, None} if port in (None, DEFAULT_PORTS[scheme]) else {port}
        if any((host, p) in self.start for p in origin_ports):
            return None
        if is_local_address(host):
            return Refusal(FORBIDDEN_ADDRESS, f"{host} is a loopback, private or link-local address")
        if any((host, p) in self.allowed for p in origin_ports):
            return None
        return Refusal(OFFSITE, f"{host}{f':{port}' if port else ''} is neither the site nor a trusted image host")


def policy_for(settings: Settings, start_urls: Iterable[str]) -> ScopePolicy:
    """The policy of a crawl that starts from `start_urls` (the start URL, or the album URLs a list gives)."""
    start = {origin for url in start_urls if (origin := url_origin(url)) is not None}
    allowed = {host_origin(entry) for entry in (*settings.crawl_allowed_hosts, *settings.crawl_image_hosts)}
    return ScopePolicy(start=frozenset(start), allowed=frozenset(allowed))


def url_origin(url: str) -> Origin | None:
    """The (host, port) of an http(s) URL, the port None where it is the scheme's default; None for other URLs."""
    try:
        parts = urlsplit(url.strip())
        scheme, host, port = parts.scheme.lower(), _host(parts), parts.port
    except ValueError:
        return None
    if scheme not in SCHEMES or not host:
        return None
    return host, None if port in (None, DEFAULT_PORTS[scheme]) else port


def host_origin(entry: str) -> Origin:
    """A configured host, `name` or `name:port` (IPv6 in brackets), as an origin."""
    parts = urlsplit("//" + entry.strip())
    return _host(parts), parts.port


def is_local_address(host: str) -> bool:
    """Whether `host` (a normalised host name or address literal) names this machine or a private network."""
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    address = ip_literal(host)
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host string is, including IPv4 shorthands a resolver would accept; None for a name."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _IPV4_SHORTHAND.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _host(parts: SplitResult) -> str:
    """The host a client connects to (after any userinfo), lower-cased, without brackets or a trailing dot."""
    return (parts.hostname or "").rstrip(".")
