"""The analysts' entry point: the service's frames and stored scores as DataFrames, from a plain
call, inside a running event loop (as in a Jupyter kernel) too, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from app import db
from app.analyst import SCORE_COLUMNS, load, load_scores
from app.db import transaction
from app.scores.frames import load_frames
from app.scores.service import latest_score, score_borrowers
from scoring import score_frames
from tests.harness import Harness, running_service


async def connected(harness: Harness, persona: str) -> str:
    headers = await harness.sign_in(persona)
    await harness.connect(persona, headers)
    borrower_id: str = (await harness.service.get("/api/me", headers=headers)).json()["id"]
    return borrower_id


class TestLoad:
    async def test_the_frames_are_the_services_frames(
        self, database_url: str, tmp_path: Path
    ) -> None:
        async with running_service(database_url, tmp_path) as harness:
            steady = await connected(harness, "steady_us")
            shopify = await connected(harness, "shopify_steady")
            async with transaction(harness.context.sessions) as session:
                service = await load_frames(session)
            # Called synchronously from inside this test's running event loop.
            frames = load(database_url)
            mine = load(database_url, borrower_ids=[shopify])
        for name in ("orders", "returns", "commissions", "settlements", "connections"):
            pd.testing.assert_frame_equal(getattr(frames, name), getattr(service, name))
        assert set(frames.connections["borrower_id"]) == {steady, shopify}
        assert set(mine.orders["borrower_id"]) == {shopify} and len(mine.orders) > 100
        scored = score_frames(frames, pd.Timestamp.now(tz="UTC"))
        assert list(scored["status"]) == ["scored", "scored"]

    async def test_rows_come_grouped_by_borrower_in_the_connections_order(
        self, database_url: str, tmp_path: Path
    ) -> None:
        async with running_service(database_url, tmp_path) as harness:
            for persona in ("steady_us", "shopify_steady", "creator_affiliate"):
                await connected(harness, persona)
            async with transaction(harness.context.sessions) as session:
                first = await load_frames(session)
                again = await load_frames(session)
        borrowers = list(dict.fromkeys(first.connections["borrower_id"]))
        assert len(borrowers) == 3 and borrowers == sorted(borrowers)  # ids of one shape
        for name in ("orders", "returns", "commissions", "settlements", "connections"):
            frame = getattr(first, name)
            # The same stored rows load in the same order (scores agree to the last bit) ...
            pd.testing.assert_frame_equal(frame, getattr(again, name))
            # ... one block per borrower, in the order the connections frame lists them.
            blocks = list(dict.fromkeys(frame["borrower_id"]))
            assert blocks == [b for b in borrowers if b in set(blocks)]
            changes = (frame["borrower_id"] != frame["borrower_id"].shift()).sum()
            assert changes == len(blocks)

    def test_the_default_database_is_cs_database_url(
        self, database_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        db.upgrade(database_url)
        monkeypatch.setenv("CS_DATABASE_URL", database_url)
        frames = load()
        assert frames.orders.empty and list(frames.connections.columns)[:2] == [
            "borrower_id",
            "connection_id",
        ]
        assert load_scores().empty and list(load_scores().columns) == list(SCORE_COLUMNS)

    def test_a_missing_sqlite_file_is_named(self, tmp_path: Path) -> None:
        missing = tmp_path / "nowhere.db"
        with pytest.raises(FileNotFoundError, match="no SQLite database at"):
            load(f"sqlite:///{missing.as_posix()}")
        assert not missing.exists()


class TestLoadScores:
    async def test_latest_scores_and_the_history(self, database_url: str, tmp_path: Path) -> None:
        async with running_service(database_url, tmp_path) as harness:
            steady = await connected(harness, "steady_us")
            returns = await connected(harness, "high_returns")
            async with transaction(harness.context.sessions) as session:
                again = await score_borrowers(session, [steady])
            async with transaction(harness.context.sessions) as session:
                served = {b: await latest_score(session, b) for b in (steady, returns)}
            latest = load_scores(database_url)
            history = load_scores(database_url, history=True)
        assert list(latest["borrower_id"]) == sorted([steady, returns])
        assert set(latest["borrower_name"]) == {"steady_us", "high_returns"}
        for row in latest.itertuples():
            stored = served[row.borrower_id]
            assert stored is not None
            assert row.composite == stored.composite and row.tier == stored.tier
            assert row.reasons == stored.reasons
            assert row.as_of == pd.Timestamp(stored.as_of)
        assert latest.set_index("borrower_id").loc[steady, "as_of"] == pd.Timestamp(again[0].as_of)
        # The history keeps the earlier score too, oldest first.
        assert len(history) >= 3
        assert history["computed_at"].is_monotonic_increasing
        assert (history["borrower_id"] == steady).sum() >= 2
        assert str(latest["as_of"].dtype).startswith("datetime64") and latest["as_of"].dt.tz
        assert latest["composite"].between(0, 100).all()
