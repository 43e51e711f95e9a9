"""The server `bench.lender_api` measures: the real service plus one bare endpoint, one process.

:func:`create_bench_app` is a uvicorn app factory: the service exactly as `creditscore run` builds
it (``create_app`` with the settings from the environment, middleware and error handling
included) with one more route, ``GET /_bench/bare``, that answers a constant JSON document of
about the size of a score (``BENCH_BARE_BYTES``). The route exists only here: the service never
carries it. Both endpoints thus run on the same server, with the same settings and workers, and
the difference between them is the score read's own work.

``python -m bench.lender_api_app --port N [--workers W]`` serves it through `app.cli.serve`,
with the uvicorn options and limits of `creditscore run`. Migrations must have been applied.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI

from app.cli import serve
from app.config import Settings
from app.main import create_app

__all__ = ["BARE_PATH", "bare_document", "create_bench_app", "main"]

BARE_PATH = "/_bench/bare"
# The environment variable with the size in bytes of the bare endpoint's JSON answer.
BARE_BYTES_ENV = "BENCH_BARE_BYTES"
DEFAULT_BARE_BYTES = 1024


def bare_document(size: int) -> dict[str, Any]:
    """A constant JSON object whose compact encoding is ``size`` bytes (at least its keys')."""
    base: dict[str, Any] = {"borrower_id": "0" * 36, "status": "scored", "padding": ""}
    overhead = len(b'{"borrower_id":"","status":"scored","padding":""}') + 36
    base["padding"] = "x" * max(0, size - overhead)
    return base


def create_bench_app() -> FastAPI:
    """The service built from the environment's settings, plus the bare endpoint."""
    app = create_app(Settings(), migrate=False)
    document = bare_document(int(os.environ.get(BARE_BYTES_ENV, DEFAULT_BARE_BYTES)))

    @app.get(BARE_PATH, include_in_schema=False)
    async def bare() -> dict[str, Any]:
        return document

    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lender_api_app", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    serve(
        "bench.lender_api_app:create_bench_app",
        args.host,
        args.port,
        workers=args.workers,
        factory=True,
    )


if __name__ == "__main__":
    main()
