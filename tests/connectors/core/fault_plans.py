"""Seeded fault plans for the sandbox and the check that a pull survived one.

``transient_plans(platform)`` draws a plan mixing every transient fault of ``sandbox.faults``
at rates low enough that ``ATTEMPTS`` tries of one request all failing is negligible
(at most 0.56 per try: 0.56**30 < 3e-8). ``POLICY`` retries at once and cuts a slow answer
after ``DEADLINE`` seconds, so a plan runs in well under a second of waiting.

``Outcome.assert_survived`` states the property: after dedupe by platform id the records are
exactly the ground truth minus the records the sandbox corrupted, and those come out as
``Quarantined`` with a reason; duplicates are identical copies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from connectors.core.http import RetryPolicy
from connectors.core.records import Checkpoint, OrderRecord, Quarantined

ATTEMPTS = 30
DEADLINE = 0.05
POLICY = RetryPolicy.immediate(ATTEMPTS, deadline=DEADLINE)
SLOW_MS = 60_000  # far past DEADLINE: the client must cut it, never wait it out

_RATE = st.sampled_from([0.0, 0.0, 0.02, 0.05, 0.08])
_PAGE_RATE = st.sampled_from([0.0, 0.2, 0.5, 1.0])


def transient_plans(platform: str) -> st.SearchStrategy[dict[str, Any]]:
    """Fault plans with every transient fault kind, as posted to ``/_sandbox/faults``."""
    return st.fixed_dictionaries(
        {
            "platform": st.just(platform),
            "seed": st.integers(min_value=0, max_value=2**31),
            "status": st.sampled_from([500, 502, 503, 504]),
            "error_rate": _RATE,
            "rate_limit_rate": _RATE,
            "retry_after_rate": _RATE,
            "no_retry_after_rate": _RATE,
            "retry_after_s": st.sampled_from([0, 1, 2.5]),
            "slow_rate": st.sampled_from([0.0, 0.03]),
            "slow_ms": st.just(SLOW_MS),
            "drop_rate": _RATE,
            "malformed_rate": _RATE,
            "page_repeat_rate": _PAGE_RATE,
            "records_repeat_rate": _PAGE_RATE,
            "corrupt_rate": st.sampled_from([0.0, 0.05, 0.2]),
        }
    )


# what a quarantine reason must say for each corruption the sandbox reports
REASONS = {
    "missing_field": "missing field",
    "wrong_type": "timestamp",
    "locale_amount": "not a plain decimal string",
}


@dataclass
class Outcome:
    """Everything one pull yielded."""

    records: dict[str, list[Any]] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)

    @classmethod
    async def of(cls, stream: AsyncIterator[Any]) -> Outcome:
        """Collect a stream's items, orders by ``order_id`` (their refunds are not counted)."""
        outcome = cls()
        async for item in stream:
            if isinstance(item, Checkpoint):
                outcome.checkpoints.append(item)
            elif isinstance(item, Quarantined):
                outcome.quarantined.append(item)
            elif isinstance(item, OrderRecord):
                outcome.records.setdefault(item.order_id, []).append(item)
        return outcome

    def assert_survived(
        self, truth_ids: Iterable[str], report: dict[str, Any], ignored: Iterable[str] = ()
    ) -> None:
        """``ignored``: ids the connector drops before mapping (e.g. Shopify test orders)."""
        assert self.checkpoints and self.checkpoints[-1].done
        corrupted: dict[str, str] = report.get("corrupted", {})
        truth = set(truth_ids)
        assert set(corrupted) - set(ignored) <= truth  # only served records get corrupted
        assert set(self.records) == truth - set(corrupted), "records lost or invented"
        for copies in self.records.values():
            assert all(copy == copies[0] for copy in copies), "a duplicate differs"
        quarantined = {q.raw_id: q for q in self.quarantined}
        assert set(quarantined) == set(corrupted) - set(ignored)
        for raw_id, item in quarantined.items():
            assert REASONS[corrupted[str(raw_id)]] in item.reason, item
