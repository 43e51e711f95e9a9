"""The retry schedule: exponential from the first wait, capped, plus jitter; Retry-After is a
floor (itself capped)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import LenderWebhookSettings
from app.lender_webhooks.delivery import backoff


class TestBackoff:
    @settings(max_examples=200, deadline=None)
    @given(
        attempts=st.integers(min_value=1, max_value=60),
        wait=st.floats(min_value=0, max_value=3600),
        cap=st.floats(min_value=0, max_value=48 * 3600),
        jitter=st.floats(min_value=0, max_value=3600),
    )
    def test_within_the_exponential_bounds(
        self, attempts: int, wait: float, cap: float, jitter: float
    ) -> None:
        section = LenderWebhookSettings(
            retry_wait_s=wait, retry_wait_max_s=cap, retry_jitter_s=jitter
        )
        base = min(cap, wait * 2 ** (attempts - 1))
        assert base <= backoff(section, attempts, None) <= base + jitter

    def test_the_schedule_without_jitter(self) -> None:
        section = LenderWebhookSettings(retry_wait_s=30, retry_wait_max_s=3600, retry_jitter_s=0)
        waits = [backoff(section, n, None) for n in range(1, 10)]
        assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]

    @settings(max_examples=100, deadline=None)
    @given(retry_after=st.floats(min_value=0, max_value=10**6))
    def test_retry_after_is_a_capped_floor(self, retry_after: float) -> None:
        section = LenderWebhookSettings(retry_wait_s=30, retry_wait_max_s=3600, retry_jitter_s=0)
        assert backoff(section, 1, retry_after) == max(30, min(retry_after, 3600))
