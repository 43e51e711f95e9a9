"""The analysts' entry point: the database as DataFrames in one synchronous call.

    from app.analyst import load, load_scores
    frames = load()            # scoring.Frames of every borrower (CS_DATABASE_URL by default)
    scores = load_scores()     # the latest stored score of each borrower

Why this lives in ``app`` and not in ``scoring``: reading the database needs SQLAlchemy, and
``scoring`` stays pure (an import-linter contract forbids database libraries there), so a
notebook gets its frames here and then calls the pure functions of ``scoring`` on them. The
frames come from :func:`app.scores.frames.load_frames`, the same code the service scores from,
so an analyst's numbers are the service's numbers.

The functions are synchronous so that a notebook cell can call them directly. Jupyter kernels
already run an event loop, where ``asyncio.run`` refuses to start a second one, so the async
work runs on its own loop in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app import db
from app.config import Settings
from app.models import Borrower, Score
from app.scores.frames import load_frames
from scoring import Frames
from scoring.schemas import SUB_SCORES

__all__ = ["SCORE_COLUMNS", "load", "load_scores"]

T = TypeVar("T")

#: Columns of :func:`load_scores`, in order.
SCORE_COLUMNS = (
    "borrower_id",
    "borrower_name",
    "status",
    "composite",
    *SUB_SCORES,
    "tier",
    "confidence",
    "monthly_revenue_usd",
    "order_count",
    "reasons",
    "model_version",
    "as_of",
    "window_start",
    "window_end",
    "data_as_of",
    "computed_at",
    "connection_ids",
)


def load(database_url: str | None = None, borrower_ids: Sequence[str] | None = None) -> Frames:
    """The canonical input frames of ``scoring`` for every borrower (or only ``borrower_ids``).

    Parameters
    ----------
    database_url
        ``sqlite:///path`` or ``postgresql://user@host/db``; by default the service's own
        database (``CS_DATABASE_URL``, else the embedded SQLite file).
    borrower_ids
        Only these borrowers; all when None.

    Returns
    -------
    scoring.Frames
        Amounts as float64 in their own currency, times timezone-aware (UTC); ready for
        :func:`scoring.score_frames` and :func:`scoring.borrower_features`.
    """
    ids = None if borrower_ids is None else list(borrower_ids)

    async def read(session: AsyncSession) -> Frames:
        return await load_frames(session, ids)

    return _run(database_url, read)


def load_scores(database_url: str | None = None, *, history: bool = False) -> pd.DataFrame:
    """Stored scores as a DataFrame, one row per score (columns :data:`SCORE_COLUMNS`).

    ``borrower_name`` is the borrower's display name (for reading charts; never buyer data).
    By default only each borrower's latest score (the one the lender API serves); with
    ``history=True`` every score ever stored, oldest first. Scores are numbers in [0, 100]
    (NaN while pending), times are UTC, ``reasons`` holds the stored reason dicts.
    """

    async def read(session: AsyncSession) -> list[Any]:
        rows = await session.execute(
            select(Score, Borrower.display_name)
            .join(Borrower, Borrower.id == Score.borrower_id)
            .order_by(Score.computed_at, Score.as_of)
        )
        return list(rows.all())

    rows = _run(database_url, read)
    frame = pd.DataFrame(
        [
            {
                **{column: getattr(score, column) for column in SCORE_COLUMNS[2:]},
                "borrower_id": score.borrower_id,
                "borrower_name": name,
            }
            for score, name in rows
        ],
        columns=list(SCORE_COLUMNS),
    )
    for column in ("composite", *SUB_SCORES, "monthly_revenue_usd"):
        frame[column] = frame[column].astype("float64")
    for column in ("as_of", "window_start", "window_end", "data_as_of", "computed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["order_count"] = frame["order_count"].astype("int64")
    if not history:
        # The latest score of each borrower, as latest_score() picks it for the lender API.
        latest = frame.drop_duplicates("borrower_id", keep="last")
        return latest.sort_values("borrower_id").reset_index(drop=True)
    return frame.reset_index(drop=True)


def _run(database_url: str | None, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in one session that never commits, on a loop of its own in a worker thread."""
    url = database_url or Settings().resolved_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        # SQLite would create an empty file and fail later with "no such table".
        raise FileNotFoundError(f"no SQLite database at {parsed.database!r}")

    async def go() -> T:
        engine = db.create_engine(url)
        try:
            async with db.session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyst") as pool:
        return pool.submit(asyncio.run, go()).result()
