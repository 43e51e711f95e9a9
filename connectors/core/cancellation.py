"""Work that must not be cut in half by a cancellation.

A pull reads its streams side by side and cancels the others when one fails. Some steps are
worse cut half way than finished: a database commit (the transaction would be left open on a
discarded connection, which on SQLite keeps the database locked for every later writer) and a
token refresh (the platform has rotated the refresh token; if the new one is not saved, the
connection can never refresh again). Such a step runs to its end and the cancellation is
delivered once it is done. Every such step is bounded (a statement, or an HTTP call with its
client's timeouts), so the cancellation is delayed, never lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


async def finished_even_if_cancelled(work: Coroutine[Any, Any, T]) -> T:
    """``work``, run to its end even when the caller is cancelled meanwhile; then the
    cancellation (or ``work``'s own error) reaches the caller."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.gather(task, return_exceptions=True)
        raise
