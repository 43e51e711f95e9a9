"""Where deliveries may go: URL rules, address checks against SSRF, and the outbound client.

A lender's URL must be ``https://`` with a host name or a public address. Plain ``http://`` is
accepted only for loopback, and loopback only when ``lender_webhooks.allow_http_loopback`` is on
(by default in development and test). The host is resolved and every address checked at
registration and again before each delivery: loopback, private, link-local (cloud metadata at
169.254.169.254), shared, reserved, multicast and unspecified addresses are refused unless
allowed by settings. The delivery then connects to the address that was checked (the URL's host
still goes in ``Host`` and in TLS SNI, and the certificate is verified for it), so a DNS answer
that changes between the check and the connection (rebinding) cannot redirect it.

`WebhookEgress` holds the transport and the resolver; tests inject an ``httpx.MockTransport``
and a resolver of their own, so nothing here needs the network to be tested.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from app.config import Settings

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port)`` → the IP addresses the host resolves to, as text."""

MAX_URL_LENGTH = 2048
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


class TargetRefused(ValueError):
    """The URL is not one deliveries may go to; the message says why, for the lender."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True)
class TargetPolicy:
    allow_http_loopback: bool
    allow_private_networks: bool

    @classmethod
    def of(cls, settings: Settings) -> TargetPolicy:
        section = settings.lender_webhooks
        development = settings.is_development
        return cls(
            allow_http_loopback=(
                development if section.allow_http_loopback is None else section.allow_http_loopback
            ),
            allow_private_networks=(
                development
                if section.allow_private_networks is None
                else section.allow_private_networks
            ),
        )


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int


def parse_target(url: str, policy: TargetPolicy) -> Target:
    """The URL, checked for form (not yet resolved); ``TargetRefused`` with the reason."""
    text = url.strip()
    if not text:
        raise TargetRefused("the URL is empty")
    if len(text) > MAX_URL_LENGTH:
        raise TargetRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if not text.isascii() or any(ch.isspace() or ord(ch) < 0x20 for ch in text):
        raise TargetRefused("the URL must be ASCII without spaces (use the punycode host name)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise TargetRefused("the URL cannot be parsed (check the host and port)") from None
    if parts.scheme not in ("https", "http"):
        raise TargetRefused("the URL must start with https://")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise TargetRefused("the URL must not contain a user name or password")
    if parts.fragment:
        raise TargetRefused("the URL must not have a #fragment")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("the URL has no host")
    loopback = _is_loopback_name(host)
    if parts.scheme == "http" and not (loopback and policy.allow_http_loopback):
        raise TargetRefused("the URL must start with https:// (plain http is not allowed)")
    address = _address(host)
    if address is None and not all(_LABEL.fullmatch(label) for label in host.split(".")):
        raise TargetRefused("the URL's host is not a valid host name")
    if address is not None:
        check_address(str(address), policy)
    elif loopback and not policy.allow_http_loopback:
        raise TargetRefused("the URL points at this machine (localhost), which is not allowed")
    default_port = 443 if parts.scheme == "https" else 80
    return Target(url=parts.geturl(), scheme=parts.scheme, host=host, port=port or default_port)


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_loopback_name(host: str) -> bool:
    address = _address(host)
    if address is not None:
        return _unmapped(address).is_loopback
    return host == "localhost" or host.endswith(".localhost")


def _unmapped(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def check_address(text: str, policy: TargetPolicy) -> None:
    """Refuse an address deliveries must not reach under ``policy``."""
    address = _address(text.split("%", 1)[0])
    if address is None:
        raise TargetRefused("the host resolved to something that is not an IP address")
    address = _unmapped(address)
    if address.is_unspecified or address.is_multicast:
        raise TargetRefused(f"the URL's host resolves to {address}, which cannot receive webhooks")
    if address.is_loopback:
        if not policy.allow_http_loopback:
            raise TargetRefused(f"the URL's host resolves to {address}, a loopback address")
        return
    if not address.is_global and not policy.allow_private_networks:
        kind = "link-local (cloud metadata)" if address.is_link_local else "private or reserved"
        raise TargetRefused(f"the URL's host resolves to {address}, a {kind} address")


@dataclass
class WebhookEgress:
    """How deliveries leave: the transport (``None``: the network) and the name resolver."""

    transport: httpx.AsyncBaseTransport | None = None
    resolver: Resolver = system_resolver
    _tls: ssl.SSLContext | None = field(default=None, repr=False)

    async def addresses(self, target: Target, policy: TargetPolicy) -> list[str]:
        """Every address the target's host resolves to, each checked; ``TargetRefused`` if
        the name does not resolve or any address is not allowed."""
        literal = _address(target.host)
        if literal is not None:
            check_address(str(literal), policy)
            return [str(literal)]
        try:
            found = await self.resolver(target.host, target.port)
        except (OSError, UnicodeError):
            raise TargetRefused(f"the host {target.host!r} could not be resolved") from None
        if not found:
            raise TargetRefused(f"the host {target.host!r} could not be resolved")
        for address in found:
            check_address(address, policy)
        return found

    def client(self, timeout_s: float) -> httpx.AsyncClient:
        """A client for one batch: no redirects, no proxies from the environment, and no
        kept-alive connections (a connection is to an address, and two lenders' hosts may share
        one: each request gets its own connection, verified for its own host)."""
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return httpx.AsyncClient(
            transport=self.transport,
            verify=self._tls,
            timeout=httpx.Timeout(timeout_s),
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"user-agent": "creditscore-webhooks/1"},
        )


def pinned_request(
    client: httpx.AsyncClient,
    target: Target,
    address: str,
    *,
    content: bytes,
    headers: dict[str, str],
) -> httpx.Request:
    """A POST to ``target`` that connects to the checked ``address``; ``Host`` and SNI name the
    target's host, so virtual hosting and certificate checks work as for the name."""
    url = httpx.URL(target.url)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host and not target.host.startswith("["):
        host_header = (
            f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
        )
    named = target.scheme == "https" and _address(target.host) is None
    extensions = {"sni_hostname": target.host} if named else {}
    return client.build_request(
        "POST",
        url.copy_with(host=address.split("%", 1)[0]),
        content=content,
        headers={**headers, "host": host_header},
        extensions=extensions,
    )
