"""Events and their deliveries: written with the change (only to lenders granted access), signed,
retried with backoff, given up on, logged, redelivered with the same event id."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from app.db import transaction
from app.lender_webhooks.delivery import EXCERPT_CHARS
from app.models import LenderWebhookEvent
from app.scores.service import score_borrowers
from tests.app.lender_webhooks.conftest import RECEIVER_ADDRESS, RECEIVER_HOST, Clock, Receiver
from tests.app.lender_webhooks.moves import (
    bearer,
    borrower,
    grant,
    lender_with_endpoint,
    log,
    register,
    store_score,
    stored,
    sweep,
)
from tests.harness import Harness


class TestScoreUpdated:
    async def test_only_lenders_granted_access_get_the_event(
        self, harness: Harness, receiver: Receiver
    ) -> None:
        granted, _, granted_endpoint = await lender_with_endpoint(harness, receiver)
        stranger, _, _ = await lender_with_endpoint(harness, receiver)
        revoked, _, _ = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "ana")
        await grant(harness, headers, granted)
        revoked_grant = await grant(harness, headers, revoked)
        gone = await harness.service.delete(f"/api/grants/{revoked_grant}", headers=headers)
        assert gone.status_code == 204

        await store_score(harness, borrower_id)

        (delivery,) = receiver.received
        assert delivery.verified_with == [granted_endpoint["secret"]]
        event = delivery.event
        assert set(event) == {"id", "type", "created_at", "data"}
        assert event["type"] == "score.updated"
        assert event["id"].startswith("evt_") and event["id"] == delivery.event_id
        assert event["data"]["borrower_id"] == borrower_id
        assert event["data"]["score"]["status"] == "pending"
        assert set(event["data"]["score"]) == {
            "status",
            "composite",
            "tier",
            "confidence",
            "model_version",
            "as_of",
            "data_as_of",
        }
        events, deliveries = await stored(harness)
        assert [e.id for e in events] == [event["id"]]
        assert [(d.endpoint_id, d.status) for d in deliveries] == [
            (granted_endpoint["id"], "delivered")
        ]
        assert stranger != granted  # the other two lenders' endpoints got nothing

    async def test_a_borrower_without_granted_lenders_writes_no_event(
        self, harness: Harness, receiver: Receiver
    ) -> None:
        await lender_with_endpoint(harness, receiver)
        borrower_id, _ = await borrower(harness, "solo")
        await store_score(harness, borrower_id)
        assert receiver.requests == 0
        assert await stored(harness) == ([], [])

    async def test_a_score_that_rolls_back_leaves_no_event(
        self, harness: Harness, receiver: Receiver
    ) -> None:
        lender_id, _, _ = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "ben")
        await grant(harness, headers, lender_id)

        class Interrupted(Exception):
            pass

        with pytest.raises(Interrupted):
            async with transaction(harness.context.sessions) as session:
                await score_borrowers(session, [borrower_id], as_of=harness.context.clock())
                assert len((await session.scalars(select(LenderWebhookEvent))).all()) == 1
                raise Interrupted
        await sweep(harness)
        assert await stored(harness) == ([], [])
        assert receiver.requests == 0

    async def test_the_endpoints_event_types_are_respected(
        self, harness: Harness, receiver: Receiver
    ) -> None:
        lender_id, key, _ = await lender_with_endpoint(harness, receiver)
        only_reauth = await register(harness, key, event_types=["connection.needs_reauth"])
        borrower_id, headers = await borrower(harness, "cy")
        await grant(harness, headers, lender_id)
        await store_score(harness, borrower_id)
        _, deliveries = await stored(harness)
        assert only_reauth["id"] not in {d.endpoint_id for d in deliveries}
        assert len(receiver.received) == 1


class TestSignedDelivery:
    async def test_the_receiver_verifies_it_and_it_went_to_the_checked_address(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, _, _ = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "dee")
        await grant(harness, headers, lender_id)
        await store_score(harness, borrower_id)
        (delivery,) = receiver.received
        assert delivery.url.host == RECEIVER_ADDRESS
        assert delivery.headers["host"] == RECEIVER_HOST
        assert delivery.headers["content-type"] == "application/json"
        assert delivery.headers["creditscore-event-type"] == "score.updated"
        signature = delivery.headers["creditscore-signature"]
        assert signature.startswith(f"t={int(clock().timestamp())},v1=")

    async def test_after_a_rotation_both_secrets_sign_until_the_old_one_expires(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        old = endpoint["secret"]
        rotated = await harness.service.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret",
            json={"previous_secret_hours": 1},
            headers=bearer(key),
        )
        new = rotated.json()["secret"]
        receiver.secrets.append(new)
        borrower_id, headers = await borrower(harness, "eve")
        await grant(harness, headers, lender_id)

        await store_score(harness, borrower_id)
        clock.advance(hours=1)
        await store_score(harness, borrower_id)

        first, second = receiver.received
        assert first.verified_with == [old, new]
        assert second.verified_with == [new]
        assert first.headers["creditscore-signature"].count("v1=") == 2


class TestRetries:
    async def test_500s_then_success_with_backoff_and_a_log_of_attempts(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "fay")
        await grant(harness, headers, lender_id)
        receiver.answers = [500, 503]

        await store_score(harness, borrower_id)
        (row,) = await log(harness, key, endpoint["id"])
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 1, 500)
        assert row["last_error"] == "the endpoint answered 500"
        first_try = clock()
        assert row["next_attempt_at"] == _iso(first_try + timedelta(seconds=30))

        clock.advance(seconds=29)
        await sweep(harness)
        assert receiver.requests == 1  # not due yet

        clock.advance(seconds=1)
        await sweep(harness)
        (row,) = await log(harness, key, endpoint["id"])
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("pending", 2, 503)
        assert row["next_attempt_at"] == _iso(clock() + timedelta(seconds=60))

        clock.advance(seconds=60)
        await sweep(harness)
        (row,) = await log(harness, key, endpoint["id"])
        assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 3, 200)
        assert row["delivered_at"] == _iso(clock())
        assert row["next_attempt_at"] is None and row["last_error"] is None
        assert receiver.requests == 3
        assert len({d.event_id for d in receiver.received}) == 1

    async def test_gives_up_after_the_last_attempt(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "gus")
        await grant(harness, headers, lender_id)
        receiver.answers = [500] * 10

        await store_score(harness, borrower_id)
        for _ in range(6):
            clock.advance(hours=1)
            await sweep(harness)

        max_attempts = harness.context.settings.lender_webhooks.max_attempts
        assert receiver.requests == max_attempts
        (row,) = await log(harness, key, endpoint["id"], status="failed")
        assert (row["attempts"], row["next_attempt_at"]) == (max_attempts, None)

    async def test_timeouts_refused_connections_and_redirects_are_retried(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "hal")
        await grant(harness, headers, lender_id)
        receiver.answers = [
            httpx.ReadTimeout("slow"),
            httpx.ConnectError("refused"),
            httpx.Response(302, headers={"location": "https://elsewhere.example/"}),
            httpx.Response(429, headers={"retry-after": "900"}),
        ]
        errors = []
        await store_score(harness, borrower_id)
        for _ in range(4):
            (row,) = await log(harness, key, endpoint["id"])
            errors.append((row["last_status_code"], row["last_error"]))
            clock.advance(seconds=3600)
            await sweep(harness)
        assert errors == [
            (None, "timed out after 10 s"),
            (None, "connection failed (ConnectError)"),
            (302, "the endpoint answered 302"),
            (429, "the endpoint answered 429"),
        ]
        assert receiver.requests == 4  # the redirect was not followed

    async def test_retry_after_is_a_minimum_and_the_answer_is_kept_short(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "ivy")
        await grant(harness, headers, lender_id)
        receiver.answers = [httpx.Response(429, headers={"retry-after": "900"}, text="x" * 10_000)]
        await store_score(harness, borrower_id)
        (row,) = await log(harness, key, endpoint["id"])
        assert row["next_attempt_at"] == _iso(clock() + timedelta(seconds=900))
        assert row["last_response_excerpt"] == "x" * EXCERPT_CHARS

    async def test_an_address_that_became_private_is_refused_at_delivery(
        self, harness: Harness, receiver: Receiver, dns: dict[str, list[str]]
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "jo")
        await grant(harness, headers, lender_id)
        dns[RECEIVER_HOST] = ["169.254.169.254"]  # the DNS answer changed after registration
        await store_score(harness, borrower_id)
        assert receiver.requests == 0
        (row,) = await log(harness, key, endpoint["id"])
        assert row["status"] == "pending" and row["last_status_code"] is None
        assert row["last_error"] == (
            "refused: the URL's host resolves to 169.254.169.254, "
            "a link-local (cloud metadata) address"
        )


class TestLogAndRedelivery:
    async def test_redelivery_sends_the_same_event_id_again(
        self, harness: Harness, receiver: Receiver
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "kim")
        await grant(harness, headers, lender_id)
        await store_score(harness, borrower_id)
        (row,) = await log(harness, key, endpoint["id"])

        response = await harness.service.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/deliveries/{row['id']}/redeliver",
            headers=bearer(key),
        )
        assert response.status_code == 202
        assert response.json()["status"] == "pending"
        await harness.context.jobs.drain()

        first, again = receiver.received
        assert first.event_id == again.event_id == row["event_id"]
        assert first.event == again.event
        (row,) = await log(harness, key, endpoint["id"])
        assert (row["status"], row["attempts"]) == ("delivered", 2)

    async def test_a_disabled_endpoint_or_a_revoked_grant_cancels_what_is_pending(
        self, harness: Harness, receiver: Receiver, clock: Clock
    ) -> None:
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        borrower_id, headers = await borrower(harness, "lou")
        grant_id = await grant(harness, headers, lender_id)
        receiver.answers = [500]
        await store_score(harness, borrower_id)
        await harness.service.delete(f"/api/grants/{grant_id}", headers=headers)
        clock.advance(minutes=5)
        await sweep(harness)
        (row,) = await log(harness, key, endpoint["id"])
        assert row["status"] == "cancelled"
        assert row["last_error"] == "the borrower's grant ended before this was sent"
        assert receiver.requests == 1

        await grant(harness, headers, lender_id)
        receiver.answers = [500]
        await store_score(harness, borrower_id)
        changed = await harness.service.patch(
            f"/v1/webhook-endpoints/{endpoint['id']}", json={"enabled": False}, headers=bearer(key)
        )
        assert changed.status_code == 200
        clock.advance(minutes=5)
        await sweep(harness)
        newest, _ = await log(harness, key, endpoint["id"])
        assert newest["status"] == "cancelled"
        assert receiver.requests == 2
        redeliver = await harness.service.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/deliveries/{newest['id']}/redeliver",
            headers=bearer(key),
        )
        assert redeliver.status_code == 409


def _iso(value: object) -> str:
    from datetime import datetime

    assert isinstance(value, datetime)
    return value.isoformat().replace("+00:00", "Z")


class TestConnectionNeedsReauth:
    async def test_sent_when_the_platform_revokes_the_authorization(
        self, harness: Harness, receiver: Receiver
    ) -> None:
        lender_id, _, _ = await lender_with_endpoint(harness, receiver)
        headers = await harness.sign_in("max")
        await harness.connect("steady_us", headers)
        (connection,) = (await harness.service.get("/api/connections", headers=headers)).json()
        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        await grant(harness, headers, lender_id)
        revoked = await harness.platform.post(
            "/_sandbox/tiktok_shop/revoke", json={"persona": "steady_us"}
        )
        revoked.raise_for_status()

        await harness.context.jobs.enqueue_sync(connection["id"])
        await harness.context.jobs.drain()

        by_type = {d.event["type"]: d.event for d in receiver.received}
        event = by_type["connection.needs_reauth"]
        assert event["data"]["borrower_id"] == borrower_id
        assert event["data"]["connection"] == {"id": connection["id"], "platform": "tiktok_shop"}
        assert set(event["data"]) == {"borrower_id", "connection", "reason"}
        assert event["data"]["reason"]
        # The re-score that follows is an event of its own.
        assert "score.updated" in by_type

        # Still needs the seller: a second failed pull is not a second event.
        await harness.context.jobs.enqueue_sync(connection["id"])
        await harness.context.jobs.drain()
        reauths = [d for d in receiver.received if d.event["type"] == "connection.needs_reauth"]
        assert len(reauths) == 1


class TestSecretsStayOutOfLogs:
    async def test_registration_rotation_and_delivery_never_log_a_secret(
        self, harness: Harness, receiver: Receiver, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level("DEBUG")
        lender_id, key, endpoint = await lender_with_endpoint(harness, receiver)
        rotated = await harness.service.post(
            f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret", headers=bearer(key)
        )
        receiver.secrets.append(rotated.json()["secret"])
        borrower_id, headers = await borrower(harness, "quin")
        await grant(harness, headers, lender_id)
        receiver.answers = [500]
        await store_score(harness, borrower_id)
        assert receiver.requests == 1 and caplog.records
        for secret in receiver.secrets:
            assert secret not in caplog.text
