"""A pull through any mix of transient platform faults stores exactly what the platform holds.

For many seeded fault plans (5xx, 429 with and without Retry-After, answers slower than the
deadline, dropped connections, truncated bodies, repeated pages, records repeated across pages)
plus corrupted records, a full pull of a TikTok Shop persona through the service completes, its
rows equal the sandbox's ground truth minus the corrupted records — none lost, none doubled —
and every corrupted record is quarantined with its reason. A fault that is not transient
(revoked authorization, missing scope) ends the pull at once with the connection in
`needs_reauth`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import func, select

from app.config import JobSettings, PlatformRetrySettings
from app.db import transaction
from app.models import BusinessConnection, QuarantinedRecord, SyncRun
from tests.connectors.core.fault_plans import transient_plans
from tests.e2e.pulls import facts, forget_pulls
from tests.harness import Harness, running_service

PERSONA = "steady_us"
RETRIES = PlatformRetrySettings(
    attempts=30, wait_initial_s=0, wait_max_s=0, wait_jitter_s=0, request_deadline_s=0.05
)
JOBS = JobSettings(schedule=False, retry_wait_s=0)


async def quarantined(harness: Harness, connection_id: str) -> dict[str, str]:
    async with transaction(harness.context.sessions) as session:
        rows = await session.execute(
            select(QuarantinedRecord.external_id, QuarantinedRecord.reason).where(
                QuarantinedRecord.connection_id == connection_id
            )
        )
        return {str(external_id): reason for external_id, reason in rows}


@settings(
    max_examples=6,
    deadline=None,
    # each example is a whole pull: report the failing plan as drawn rather than shrink it
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=transient_plans("tiktok_shop"))
async def test_any_transient_faults_lose_and_double_nothing(
    database_url: str, tmp_path_factory: Any, plan: dict[str, Any]
) -> None:
    data_dir: Path = tmp_path_factory.mktemp("faults")
    url = (
        f"sqlite:///{(data_dir / 'cs.db').as_posix()}" if "sqlite" in database_url else database_url
    )
    async with running_service(url, data_dir, jobs=JOBS, platform_retries=RETRIES) as harness:
        connection_id = await harness.connected(
            "faults", PERSONA
        )  # a clean pull first, to know the window
        async with transaction(harness.context.sessions) as session:
            row = await session.get(BusinessConnection, connection_id)
            assert row is not None and row.data_window_start and row.data_window_end
            window = (int(row.data_window_start.timestamp()), int(row.data_window_end.timestamp()))
        truth = await harness.ground_truth(PERSONA, *window)
        await forget_pulls(harness, connection_id)
        (await harness.platform.post("/_sandbox/faults", json=plan)).raise_for_status()

        outcome = await harness.context.jobs.sync_and_score(connection_id, full=True)

        report = (await harness.platform.get("/_sandbox/faults")).json()["faults"]["tiktok_shop"]
        assert outcome.status == "complete", outcome.error
        corrupted: dict[str, str] = report["corrupted"]
        stored = await facts(harness, connection_id)
        order_ids = [r["external_id"] for r in stored["orders"]]
        assert len(order_ids) == len(set(order_ids))
        assert set(order_ids) == set(truth["order_ids"]) - set(corrupted)
        assert sorted(r["external_id"] for r in stored["settlements"]) == truth["statements"]["ids"]
        assert sorted(r["external_id"] for r in stored["returns"]) == truth["returns"]["ids"]
        commissions = sorted(r["external_id"] for r in stored["affiliate_commissions"])
        assert commissions == truth["seller_affiliate_orders"]["ids"]
        held = await quarantined(harness, connection_id)
        assert set(held) == set(corrupted)
        assert all(reason for reason in held.values())
        counts = outcome.counts["orders"]
        assert counts["stored"] >= len(set(order_ids)) and counts["quarantined"] >= len(corrupted)


async def test_a_revoked_authorization_stops_at_once(database_url: str, tmp_path: Path) -> None:
    async with running_service(
        database_url, tmp_path, jobs=JOBS, platform_retries=RETRIES
    ) as harness:
        connection_id = await harness.connected("faults", PERSONA)
        plan = {"platform": "tiktok_shop", "seed": 7, "error_rate": 0.05, "drop_rate": 0.05}
        (await harness.platform.post("/_sandbox/faults", json=plan)).raise_for_status()
        revoked = await harness.platform.post(
            "/_sandbox/tiktok_shop/revoke", json={"persona": PERSONA}
        )
        revoked.raise_for_status()

        outcome = await harness.context.jobs.sync_and_score(connection_id)

        assert outcome.status == "failed"
        async with transaction(harness.context.sessions) as session:
            row = await session.get(BusinessConnection, connection_id)
            assert row is not None
            assert row.status == "needs_reauth" and row.status_reason
            failed_runs = await session.scalar(
                select(func.count())
                .select_from(SyncRun)
                .where(SyncRun.connection_id == connection_id, SyncRun.status == "failed")
            )
        assert failed_runs == 1
