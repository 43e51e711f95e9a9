"""The load generator counts every answer outside 2xx and every transport error, by request."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bench.loadgen import LoadSpec, generate
from bench.served import server_problems


async def answers(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(0)  # a network answer gives the other workers their turn; so does this
    if request.url.path == "/down":
        raise httpx.ConnectError("refused", request=request)
    if request.url.path == "/bad":
        return httpx.Response(503, text="overloaded")
    assert request.headers["authorization"] == "Bearer k"
    return httpx.Response(200, json={"status": "scored"})


class TestGenerate:
    async def test_all_answered_is_no_error(self) -> None:
        spec = LoadSpec("http://load.test", ["/ok"], {"Authorization": "Bearer k"}, 3, 0.2)
        report = await generate(spec, httpx.MockTransport(answers))
        assert report.requests > 0 and report.errors == 0 and report.transport_errors == 0
        assert report.status_counts == {"200": report.requests}
        assert 0 <= report.p50_ms <= report.p90_ms <= report.p99_ms <= report.max_ms
        assert report.throughput_rps > 0 and report.error_samples == []

    async def test_errors_and_transport_errors_are_counted_with_the_request(self) -> None:
        spec = LoadSpec(
            "http://load.test", ["/ok", "/bad", "/down"], {"Authorization": "Bearer k"}, 3, 0.2
        )
        report = await generate(spec, httpx.MockTransport(answers))
        # Three workers, three paths: each worker keeps to one path.
        ok, bad = report.status_counts["200"], report.status_counts["503"]
        assert ok > 0 and bad > 0 and report.transport_errors > 0
        assert report.errors == bad + report.transport_errors
        assert report.requests == ok + bad + report.transport_errors
        assert any(s.startswith("GET /bad: 503 'overloaded'") for s in report.error_samples)
        assert any(s.startswith("GET /down: ConnectError") for s in report.error_samples)


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
