"""Connector errors, named by what the caller does next.

Messages are written for people and never contain tokens, secrets or request signatures.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class: ``platform`` and the platform's own ``code`` when it gave one."""

    def __init__(self, message: str, *, platform: str = "", code: int | str | None = None):
        super().__init__(message)
        self.message = message
        self.platform = platform
        self.code = code


class NeedsReauth(ConnectorError):
    """Stop: the seller must authorize again (revoked, missing scope, refresh token expired)."""


class AuthExpired(ConnectorError):
    """The access token expired: refresh once, then retry the request."""


class RateLimited(ConnectorError):
    """The platform throttled us: wait ``retry_after`` seconds (or back off) and retry."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object):
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class Retriable(ConnectorError):
    """A transient failure (5xx, timeout, dropped connection): back off and retry."""


class Fatal(ConnectorError):
    """Stop and mark the connection in error; retrying will not help."""


class BadRecord(ConnectorError):
    """One record could not be parsed: quarantine it with this reason and go on."""
