"""A minimal HTTP/1.1 client for load generation: one keep-alive connection, one request at a time.

Why not httpx: at 64 concurrent connections its pool spent more CPU than the server it measured
(under 100 requests per second against a bare endpoint that answers well over 1,000 to this
client), so the figures were the client's. This client builds each request's bytes once and
parses only what a benchmark needs: the status, ``Content-Length`` or chunked bodies, and whether
the server keeps the connection open. It speaks plain HTTP to a server the benchmark started; it
is not a general-purpose client (no TLS, no redirects, no compression).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["Answer", "HttpConnection", "ProtocolError", "build_get", "host_and_port"]

# Longest response head (status line and headers) accepted; a benchmark's answers are small.
MAX_HEAD_BYTES = 64 * 1024
NO_BODY_STATUSES = frozenset({204, 304})


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.1 this client understands (or the connection ended)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    keep_alive: bool


def host_and_port(base_url: str) -> tuple[str, int]:
    """(host, port) of an ``http://`` URL; anything else is refused."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"only http:// URLs with a host are supported, got {base_url!r}")
    return parts.hostname, parts.port or 80


def build_get(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    """The bytes of ``GET path`` with ``headers`` (a header with a line break is refused)."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}"]
    for name, value in headers.items():
        if any(c in name + value for c in "\r\n") or not name or ":" in name:
            raise ValueError(f"invalid header {name!r}")
        lines.append(f"{name}: {value}")
    if any(c in path for c in "\r\n ") or not path.startswith("/"):
        raise ValueError(f"invalid path {path!r}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class HttpConnection:
    """One TCP connection to the server; requests go one after the other (no pipelining)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection(host, port, limit=MAX_HEAD_BYTES)
        return cls(reader, writer)

    def close(self) -> None:
        self._writer.close()

    async def send(self, request: bytes) -> Answer:
        """Write ``request`` and read its whole answer."""
        self._writer.write(request)
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            raise ProtocolError("the server closed the connection before answering") from exc
        except asyncio.LimitOverrunError as exc:
            raise ProtocolError(f"response head over {MAX_HEAD_BYTES} bytes") from exc
        status, version, headers = _parse_head(head)
        keep_alive = version == b"HTTP/1.1" and headers.get(b"connection") != b"close"
        try:
            if status in NO_BODY_STATUSES or 100 <= status < 200:
                body = b""
            elif headers.get(b"transfer-encoding", b"").endswith(b"chunked"):
                body = await self._chunked()
            elif b"content-length" in headers:
                body = await self._reader.readexactly(_length(headers[b"content-length"]))
            else:  # delimited by the end of the connection
                body, keep_alive = await self._reader.read(), False
        except asyncio.IncompleteReadError as exc:
            raise ProtocolError("the connection ended inside a response body") from exc
        except asyncio.LimitOverrunError as exc:
            raise ProtocolError("a chunk size line was too long") from exc
        return Answer(status, body, keep_alive)

    async def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = await self._reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ProtocolError(f"invalid chunk size line {size_line[:40]!r}") from None
            if size == 0:
                # Trailers, if any, end with an empty line.
                while await self._reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            if await self._reader.readexactly(2) != b"\r\n":
                raise ProtocolError("a chunk did not end with CRLF")


def _parse_head(head: bytes) -> tuple[int, bytes, dict[bytes, bytes]]:
    status_line, *lines = head[:-4].split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    code = rest[:3]
    if not version.startswith(b"HTTP/1.") or not code.isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:100]!r}")
    headers = {}
    for line in lines:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ProtocolError(f"malformed header line: {line[:100]!r}")
        headers[name.strip().lower()] = value.strip().lower()
    return int(code), version, headers


def _length(value: bytes) -> int:
    if not value.isdigit():
        raise ProtocolError(f"invalid Content-Length {value[:40]!r}")
    return int(value)
