"""Delivery runs on both job queues, and nothing is lost to a crash: an event committed without
its job being queued, or a delivery claimed by a worker that died, is sent by the sweep."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.config import JobSettings, Settings
from app.db import transaction
from app.jobs.durable import WEBHOOK_QUEUE, build_app
from app.lender_webhooks import outbox
from app.lender_webhooks.delivery import BatchReport, claim_due
from app.models import LenderWebhookDelivery
from tests.app.lender_webhooks.conftest import Clock, Receiver
from tests.app.lender_webhooks.moves import borrower, grant, lender_with_endpoint, log, sweep
from tests.harness import Harness


def test_workers_register_the_task_and_its_sweep(database_url: str) -> None:
    settings = Settings(database_url=database_url, jobs=JobSettings())
    app = build_app(
        settings.jobs,
        settings.resolved_database_url,
        schedule=True,
        webhook_sweep_cron="*/2 * * * *",
    )
    assert app.tasks["deliver_webhooks"].queue == WEBHOOK_QUEUE
    crons = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert crons["deliver_webhooks"] == "*/2 * * * *"
    unscheduled = build_app(
        settings.jobs,
        settings.resolved_database_url,
        schedule=False,
        webhook_sweep_cron="* * * * *",
    )
    assert unscheduled.periodic_registry.periodic_tasks == {}


class TestNothingIsLost:
    async def test_an_event_committed_without_its_job_is_sent_by_the_sweep(
        self, harness: Harness, receiver: Receiver
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "nia")
        await grant(harness, headers, lender_id)
        async with transaction(harness.context.sessions) as session:
            event = await outbox.emit(
                session,
                outbox.SCORE_UPDATED,
                borrower_id,
                {"borrower_id": borrower_id},
                at=harness.context.clock(),
            )
        # ... and the process died here, before queueing the delivery job.
        assert event is not None and receiver.requests == 0
        await sweep(harness)
        (delivery,) = receiver.received
        assert delivery.event_id == event.id
        assert (await log(harness, key, endpoint["id"]))[0]["status"] == "delivered"

    async def test_a_delivery_claimed_by_a_worker_that_died_is_sent_after_the_claim_lapses(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "oli")
        await grant(harness, headers, lender_id)
        async with transaction(harness.context.sessions) as session:
            await outbox.emit(
                session,
                outbox.SCORE_UPDATED,
                borrower_id,
                {"borrower_id": borrower_id},
                at=clock(),
            )
        claimed = await claim_due(harness.context, clock(), BatchReport())  # then the worker died
        assert len(claimed) == 1

        await sweep(harness)
        assert receiver.requests == 0  # still claimed
        clock.advance(minutes=5)
        await sweep(harness)
        assert len(receiver.received) == 1
        (row,) = await log(harness, key, endpoint["id"])
        assert (row["status"], row["attempts"]) == ("delivered", 1)

    async def test_a_delivery_due_long_ago_is_still_sent_once(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, _, _ = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "pat")
        await grant(harness, headers, lender_id)
        async with transaction(harness.context.sessions) as session:
            await outbox.emit(
                session,
                outbox.SCORE_UPDATED,
                borrower_id,
                {"borrower_id": borrower_id},
                at=clock(),
            )
            await session.execute(
                update(LenderWebhookDelivery).values(next_attempt_at=clock() - timedelta(hours=1))
            )
        await sweep(harness)
        await sweep(harness)
        assert len(receiver.received) == 1
