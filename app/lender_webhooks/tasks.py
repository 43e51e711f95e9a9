"""The ``deliver_webhooks`` job body, the same on both queues: send what is due until a batch
comes back less than full. Queued after a commit that wrote deliveries, and by the periodic
sweep, which also picks up retries and whatever a crash between commit and enqueue left."""

from __future__ import annotations

from app.context import AppContext
from app.lender_webhooks.delivery import BatchReport, deliver_due


async def deliver_webhooks(context: AppContext) -> BatchReport:
    total = BatchReport()
    while True:
        report = await deliver_due(context)
        total.claimed += report.claimed
        total.delivered += report.delivered
        total.retrying += report.retrying
        total.failed += report.failed
        total.cancelled += report.cancelled
        if not report.more:
            return total
