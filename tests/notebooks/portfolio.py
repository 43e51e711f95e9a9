"""A database filled from the sandbox personas the way the service fills one, pulled twice.

Every persona connects through OAuth and is pulled and scored at a first moment (a month before
the sandbox's pinned anchor); the clock then moves to the anchor and every connection is pulled
again and re-scored, so the score history holds two snapshots of the portfolio a month apart
(what the monitoring notebook compares). One borrower connects three accounts on three platforms
(what the deep-dive notebook charts per platform); every other persona is a borrower of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.config import JobSettings, SandboxSettings
from app.db import transaction
from app.models import BusinessConnection
from tests.harness import ALL_PERSONAS, running_service

ANCHOR = date(2026, 6, 1)
SECOND_PULL = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
FIRST_PULL = SECOND_PULL - timedelta(days=30)
#: The borrower with an account on each platform, and the personas it connects (together below
#: the top revenue anchor, so the deep dive's revenue scenarios move its score).
MULTI_PLATFORM = ("three_platforms", ("id_seller", "shopify_declining", "amazon_declining"))


@dataclass(frozen=True)
class Portfolio:
    database_url: str
    borrowers: dict[str, tuple[str, ...]]  # borrower name -> the personas it connected
    connections: int
    first_pull: datetime
    last_pull: datetime


class TravelClock:
    """Wall-clock time shifted to a chosen moment: time still passes, so rate budgets refill."""

    def __init__(self, at: datetime) -> None:
        self.travel_to(at)

    def travel_to(self, at: datetime) -> None:
        self._offset = at - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset


def borrowers() -> dict[str, tuple[str, ...]]:
    name, personas = MULTI_PLATFORM
    alone = {persona: (persona,) for persona in ALL_PERSONAS if persona not in personas}
    return {**alone, name: personas}


async def fill(
    database_url: str,
    data_dir: Path,
    plan: dict[str, tuple[str, ...]] | None = None,
    *,
    second_pull: bool = True,
) -> Portfolio:
    """Connect and pull ``plan`` (borrower name -> personas; default :func:`borrowers`) at
    FIRST_PULL, then, with ``second_pull``, pull every connection again at SECOND_PULL."""
    clock = TravelClock(FIRST_PULL)
    plan = plan or borrowers()
    async with running_service(
        database_url,
        data_dir,
        clock=clock,
        platform_clock=clock,
        sandbox=SandboxSettings(enabled=False, anchor=ANCHOR),
        jobs=JobSettings(schedule=False, retry_wait_s=0),
    ) as harness:
        for name, personas in plan.items():
            headers = await harness.sign_in(name)
            for persona in personas:
                landing = await harness.connect(persona, headers)
                assert "_connected=true" in landing.headers["location"], persona
        async with transaction(harness.context.sessions) as session:
            connection_ids = list(await session.scalars(select(BusinessConnection.id)))
        if second_pull:
            clock.travel_to(SECOND_PULL)
            for connection_id in connection_ids:
                outcome = await harness.context.jobs.sync_and_score(connection_id)
                assert outcome.status == "complete", outcome.error
    last = SECOND_PULL if second_pull else FIRST_PULL
    return Portfolio(database_url, plan, len(connection_ids), FIRST_PULL, last)
