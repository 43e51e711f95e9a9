"""A stored score is reproducible from stored facts, and scoring as of a date uses only what was
known then."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.config import SandboxSettings
from app.db import transaction
from app.models import BusinessConnection, Score
from app.scores.service import score_borrowers
from tests.e2e.conftest import ANCHOR, NOW
from tests.harness import Harness, running_service

FIELDS = (
    "status",
    "composite",
    "revenue",
    "consistency",
    "reliability",
    "growth",
    "tier",
    "confidence",
    "monthly_revenue_usd",
    "order_count",
    "reasons",
    "model_version",
)


class TestAsOf:
    async def test_rescoring_a_stored_score_gives_it_back(self, pinned: Harness) -> None:
        headers = await pinned.sign_in("steady")
        await pinned.connect("steady_us", headers)
        await pinned.connect("shopify_eu", headers)
        async with transaction(pinned.context.sessions) as session:
            stored = (await session.scalars(select(Score).order_by(Score.computed_at))).all()[-1]
            again = await score_borrowers(session, [stored.borrower_id], as_of=stored.as_of)
        assert stored.status == "scored"
        assert [getattr(again[0], f) for f in FIELDS] == [getattr(stored, f) for f in FIELDS]

    async def test_a_date_before_anything_was_observed_is_pending(self, pinned: Harness) -> None:
        headers = await pinned.sign_in("steady")
        await pinned.connect("steady_us", headers)
        borrower_id = (await pinned.service.get("/api/me", headers=headers)).json()["id"]
        async with transaction(pinned.context.sessions) as session:
            (earlier,) = await score_borrowers(
                session, [borrower_id], as_of=NOW - timedelta(days=10)
            )
        # The shop's orders of the last 100 days exist, but the shop was connected at NOW: ten
        # days earlier the service knew nothing of it, so it could not have scored.
        assert earlier.status == "pending"
        assert earlier.composite is None
        assert [reason["code"] for reason in earlier.reasons] == ["NO_CONNECTIONS"]


class MovableClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


async def newest_score(harness: Harness, borrower_id: str) -> Score:
    async with transaction(harness.context.sessions) as session:
        scores = await session.scalars(
            select(Score).where(Score.borrower_id == borrower_id).order_by(Score.computed_at)
        )
        return scores.all()[-1]


class TestLaterPulls:
    async def test_an_earlier_score_survives_later_pulls_and_connections(
        self, database_url: str, tmp_path: Path
    ) -> None:
        """Days later the shop is pulled again (its data window moves on) and a second account
        is connected: scoring as of the first score's date still gives that score back."""
        clock = MovableClock(NOW)
        async with running_service(
            database_url,
            tmp_path,
            clock=clock,
            sandbox=SandboxSettings(enabled=False, anchor=ANCHOR),
        ) as harness:
            headers = await harness.sign_in("steady")
            await harness.connect("steady_us", headers)
            borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
            (connection,) = (await harness.service.get("/api/connections", headers=headers)).json()
            first = await newest_score(harness, borrower_id)
            assert first.status == "scored"

            clock.at = NOW + timedelta(days=5)
            outcome = await harness.context.jobs.sync_and_score(connection["id"])
            assert outcome.status == "complete"
            await harness.connect("shopify_eu", headers)
            later = await newest_score(harness, borrower_id)
            assert len(later.connection_ids) == 2

            async with transaction(harness.context.sessions) as session:
                (again,) = await score_borrowers(session, [borrower_id], as_of=first.as_of)
                row = await session.get(BusinessConnection, connection["id"])
            assert [getattr(again, f) for f in FIELDS] == [getattr(first, f) for f in FIELDS]
            assert again.connection_ids == first.connection_ids
            # The stored window reaches back to the first pull's start, not 90 days from the
            # second pull: those days are stored and were kept up to date.
            assert row is not None and row.data_window_start is not None
            assert row.data_window_start <= first.as_of - timedelta(days=90)
            assert row.data_window_end == NOW + timedelta(days=5)
