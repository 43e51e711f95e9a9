"""What `creditscore score` does behind its command-line wrapper: score borrowers now, in
batches, through the same service the jobs use, and append the scores to the history."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from app import db
from app.config import Settings
from app.models import Borrower, BusinessConnection, ConnectionStatus, Score
from app.models.base import utcnow
from app.scores.service import score_borrowers


class UnknownBorrowersError(LookupError):
    """Some borrower ids name no borrower; nothing was scored."""

    def __init__(self, borrower_ids: Sequence[str]) -> None:
        self.borrower_ids = list(borrower_ids)
        super().__init__(f"no borrower {', '.join(self.borrower_ids)}")


@dataclass(frozen=True)
class ScoreRun:
    as_of: datetime
    scores: list[Score]  # the scores appended, one per borrower that has a connected account
    without_connections: list[str]  # borrowers asked for that have none (pending)
    stored: bool  # appended to the history (scores as of now), or only computed (a past date)


def parse_as_of(text: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 date or time as an aware UTC datetime; a date or a time without an offset
    is read as UTC.

    Raises
    ------
    ValueError
        With a message for the user when the text is no date or lies in the future (a score as
        of a future date would count facts nobody has observed yet).
    """
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--as-of {text!r} is not an ISO 8601 date (e.g. 2026-06-01)") from None
    when = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if when > (now or utcnow()):
        raise ValueError(f"--as-of {text!r} is in the future")
    return when


def batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


async def score_now(
    settings: Settings,
    borrower_ids: Sequence[str] | None,
    *,
    as_of: datetime | None = None,
    batch_size: int = 200,
    progress: Callable[[], Progress] | None = None,
) -> ScoreRun:
    """Score ``borrower_ids`` (None: every borrower with a connected account) as of now and
    append the scores to the history, ``batch_size`` borrowers per transaction; or, given
    ``as_of``, compute the scores as of that past date without storing them.

    Raises
    ------
    UnknownBorrowersError
        Before scoring anything, when an id names no borrower.
    """
    engine = db.create_engine(settings.resolved_database_url)
    try:
        sessions = db.session_factory(engine)
        async with db.transaction(sessions) as session:
            if borrower_ids is None:
                ids = list(
                    await session.scalars(
                        select(BusinessConnection.borrower_id)
                        .where(BusinessConnection.status != ConnectionStatus.REVOKED.value)
                        .distinct()
                        .order_by(BusinessConnection.borrower_id)
                    )
                )
            else:
                ids = list(dict.fromkeys(borrower_ids))
                known = set(await session.scalars(select(Borrower.id).where(Borrower.id.in_(ids))))
                unknown = [borrower_id for borrower_id in ids if borrower_id not in known]
                if unknown:
                    raise UnknownBorrowersError(unknown)
        when = as_of or utcnow()
        scores: list[Score] = []
        bar = (progress or _progress)()
        with bar:
            task = bar.add_task("scoring", total=len(ids))
            for chunk in batches(ids, batch_size):
                # One transaction per batch: a failure keeps the batches already stored.
                async with sessions() as session, session.begin() as batch:
                    scores.extend(await score_borrowers(session, chunk, as_of=when))
                    if as_of is not None:
                        # The lender API serves the newest score computed, so a score of a past
                        # date is shown, never stored: it would replace the current one.
                        await batch.rollback()
                bar.advance(task, len(chunk))
        # A borrower without a connected account (then) gets a pending score with no accounts.
        return ScoreRun(
            when,
            [score for score in scores if score.connection_ids],
            [score.borrower_id for score in scores if not score.connection_ids],
            as_of is None,
        )
    finally:
        await engine.dispose()


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    )
