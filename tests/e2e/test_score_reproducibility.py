"""A stored score is reproducible from stored facts, and scoring as of a date uses only what was
known then."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db import transaction
from app.models import Score
from app.scores.service import score_borrowers
from tests.e2e.conftest import NOW
from tests.harness import Harness

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
        # The shop's orders of the last 100 days exist, but the service only learned of them at
        # NOW: ten days earlier it knew nothing, so it could not have scored.
        assert earlier.status == "pending"
        assert earlier.composite is None
