"""The load generator counts every answer outside 2xx and every transport error, by request.

It runs against a small server on a loopback port that answers with exact bytes: keep-alive and
``Connection: close`` answers, chunked bodies, errors, and a path whose connection is dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.http1 import build_get
from bench.loadgen import LoadSpec, generate
from bench.served import free_port, server_problems

OK = b'{"status":"scored"}'


def _answer(path: bytes, headers: bytes) -> bytes | None:
    """The bytes the stub server sends for ``path`` (None: drop the connection)."""
    if b"authorization: bearer k" not in headers.lower():
        return b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n"
    if path == b"/ok":
        return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(OK), OK)
    if path == b"/chunked":
        chunks = b'5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n'
        return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + chunks
    if path == b"/close":
        return b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}"
    if path == b"/bad":
        return b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 10\r\n\r\noverloaded"
    return None


class Stub:
    """Counts connections and requests, to check the generator reuses and reopens connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.requests += 1
                path = head.split(b" ", 2)[1]
                answer = _answer(path, head)
                if answer is None:
                    return
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@pytest.fixture
async def stub() -> AsyncIterator[tuple[Stub, str]]:
    handler = Stub()
    server = await asyncio.start_server(handler.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield handler, f"http://127.0.0.1:{port}"


class TestGenerate:
    async def test_all_answered_is_no_error_on_kept_alive_connections(
        self, stub: tuple[Stub, str]
    ) -> None:
        handler, url = stub
        spec = LoadSpec(url, ["/ok", "/chunked"], {"Authorization": "Bearer k"}, 3, 0.3)
        report = await generate(spec)
        assert report.requests > 0 and report.errors == 0 and report.transport_errors == 0
        assert report.status_counts == {"200": report.requests}
        assert handler.requests == report.requests and handler.connections == 3
        assert 0 <= report.p50_ms <= report.p90_ms <= report.p99_ms <= report.max_ms
        assert report.throughput_rps > 0 and report.error_samples == []
        assert report.client_cpu_s >= 0

    async def test_a_closed_connection_is_opened_again(self, stub: tuple[Stub, str]) -> None:
        handler, url = stub
        spec = LoadSpec(url, ["/close"], {"Authorization": "Bearer k"}, 2, 0.2)
        report = await generate(spec)
        assert report.requests > 2 and report.errors == 0
        assert handler.connections == handler.requests == report.requests

    async def test_errors_and_transport_errors_are_counted_with_the_request(
        self, stub: tuple[Stub, str]
    ) -> None:
        _, url = stub
        spec = LoadSpec(url, ["/ok", "/bad", "/drop"], {"Authorization": "Bearer k"}, 3, 0.3)
        report = await generate(spec)
        # Three workers, three paths: each worker keeps to one path.
        ok, bad = report.status_counts["200"], report.status_counts["503"]
        assert ok > 0 and bad > 0 and report.transport_errors > 0
        assert report.errors == bad + report.transport_errors
        assert report.requests == ok + bad + report.transport_errors
        assert any(s.startswith("GET /bad: 503 b'overloaded'") for s in report.error_samples)
        assert any(s.startswith("GET /drop: ProtocolError") for s in report.error_samples)

    async def test_a_refused_connection_is_a_transport_error(self) -> None:
        spec = LoadSpec(f"http://127.0.0.1:{free_port()}", ["/ok"], {}, 2, 0.2)
        report = await generate(spec)
        assert report.requests == report.errors == report.transport_errors > 0
        assert report.status_counts == {} and report.p50_ms == 0.0
        assert any("ConnectionRefusedError" in s for s in report.error_samples)


class TestBuildGet:
    def test_headers_with_line_breaks_are_refused(self) -> None:
        assert (
            build_get("h", 1, "/x", {"A": "b"}) == b"GET /x HTTP/1.1\r\nHost: h:1\r\nA: b\r\n\r\n"
        )
        with pytest.raises(ValueError, match="invalid header"):
            build_get("h", 1, "/x", {"A": "b\r\nX-Injected: 1"})
        with pytest.raises(ValueError, match="invalid path"):
            build_get("h", 1, "/x HTTP/1.1", {})


class TestServerProblems:
    def test_error_events_and_tracebacks_are_counted_once_each(self, tmp_path: Path) -> None:
        log = tmp_path / "service.log"
        log.write_text(
            '{"event": "shopify_webhook", "level": "info"}\n'
            '{"event": "job_failed", "job": "sync", "level": "error", "exception": "boom"}\n'
            "ERROR:    Exception in ASGI application\n"
            "Traceback (most recent call last):\n"
            '  File "x.py", line 1, in <module>\n'
            "ValueError: nope\n"
            "Task exception was never retrieved\n"
            "Traceback (most recent call last):\n"
            "RuntimeError: lost\n",
            encoding="utf-8",
        )
        count, samples = server_problems(log)
        assert count == 3
        assert '"job_failed"' in samples[0] and samples[1].startswith("ERROR:")
        assert samples[2].startswith("Traceback")
