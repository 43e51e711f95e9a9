"""Structured logging (structlog) with a last-line redaction of anything that looks secret.

Code never logs tokens on purpose; the redaction processor is the net under that rule: any
event key naming a secret is masked, and so is any value that looks like a bearer header.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_KEYS = re.compile(
    r"(token|secret|password|authorization|api_key|apikey|code_verifier|auth_code|sign)$", re.I
)
BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if SECRET_KEYS.search(key):
            event[key] = "***"
        elif isinstance(value, str):
            event[key] = BEARER.sub("Bearer ***", value)
    return event


def configure(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(message)s")
    # httpx logs every request URL at INFO; platform token endpoints carry secrets in the query.
    # The connector masks them, and we keep those lines out of the service log regardless.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Alembic narrates every plugin it loads at INFO; a migration that runs still says so.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        # Rendered events go through the standard library, so one handler (and one test
        # capture) sees the service's events, uvicorn's and httpx's alike.
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=False,
    )
