"""schemathesis against the service's own OpenAPI: every operation, signed in, never a 5xx.

The service runs in-process over ASGI (no network) with a sandbox behind it, on a database that
already holds a borrower with a scored TikTok Shop connection, a lender with an API key and a grant
between them, so the fuzzer reaches past 401 and reads real rows. A borrower session token is sent
to the borrower API and the lender key to the lender API (`/v1`) through schemathesis auth
providers. Valid cases sometimes carry known values (the granted borrower, the lender, a store the
sandbox knows), so the paths behind "not found" are fuzzed too: the full score, new grants, a
pasted Shopify token checked against the store.

Every response must be documented (status code, content type, body schema), and invalid input
must be refused with a 4xx. Examples per operation are bounded and derandomized, so a CI failure
replays the same way. Hypothesis drives each operation's strategy directly rather than through
``schemathesis.pytest.from_fixture``, whose lazy loader does not run under pytest 9.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode
from starlette.types import ASGIApp

from app.config import Environment, Settings
from app.db import transaction
from app.demo import SANDBOX, SERVICE, demo_settings
from app.lenders.keys import create_lender, issue_key
from app.main import create_app, sandbox_app
from tests.databases import migrated_postgres_database
from tests.harness import Harness

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


@dataclass(frozen=True)
class Seeded:
    borrower_id: str
    session_token: str
    api_key: str
    known: dict[str, str]


async def _seed(settings: Settings, sandbox: ASGIApp) -> Seeded:
    """A connected, scored borrower who granted a lender; built through the API itself."""
    app = create_app(settings, platform_transport=httpx.ASGITransport(app=sandbox))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SERVICE) as service,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox), base_url=SANDBOX) as platform,
    ):
        harness = Harness(app, service, platform)
        headers = await harness.sign_in("fuzz_borrower")
        await harness.connect("steady_us", headers)
        borrower_id = (await harness.service.get("/api/me", headers=headers)).json()["id"]
        async with transaction(harness.context.sessions) as session:
            lender = await create_lender(session, "Fuzz Lender")
            key = (
                await issue_key(session, lender, "fuzz", ("scores:read", "reports:read"))
            ).plaintext
            lender_id = lender.id
        granted = await harness.service.post(
            "/api/grants", json={"lender_id": lender_id}, headers=headers
        )
        granted.raise_for_status()
        token = headers["Authorization"].removeprefix("Bearer ")
        shop = await harness.shop_of("shopify_steady")
        # Values the fuzzer sometimes puts in place of random ones, to reach the paths behind
        # "not found": the granted borrower, a real lender, a store the sandbox knows.
        known = {
            "borrower_id": borrower_id,
            "lender_id": lender_id,
            "shop": shop,
            "shopDomain": shop,
        }
        return Seeded(borrower_id=borrower_id, session_token=token, api_key=key, known=known)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def fuzz_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        yield f"sqlite:///{(data_dir / 'creditscore.db').as_posix()}", data_dir
        return
    with migrated_postgres_database("creditscore_fuzz") as url:
        yield url, data_dir


@pytest.fixture(scope="module")
def api_schema(fuzz_database: tuple[str, Path]) -> Any:
    database_url, data_dir = fuzz_database
    service_settings = demo_settings(database_url, data_dir, env=Environment.TEST)
    # One sandbox for seeding and fuzzing: the tokens stored while seeding stay valid.
    sandbox = sandbox_app(service_settings)
    seeded = asyncio.run(_seed(service_settings, sandbox))
    app = create_app(service_settings, platform_transport=httpx.ASGITransport(app=sandbox))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)

    @schema.auth.auth(refresh_interval=None).apply_to(path_regex="^/v1/")
    class LenderKey:
        def get(self, case: Any, context: Any) -> str:
            return seeded.api_key

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    @schema.auth.auth(refresh_interval=None).skip_for(path_regex="^/v1/")
    class BorrowerSession:
        def get(self, case: Any, context: Any) -> str:
            return seeded.session_token

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.known = seeded.known  # type: ignore[attr-defined]
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    schema.statuses = statuses  # type: ignore[attr-defined]

    @schema.hook("after_call")
    def count_status(context: Any, case: Any, response: Any) -> None:
        statuses[case.operation.label][response.status_code] += 1

    return schema


def _with_known(values: Any, known: dict[str, str]) -> Any:
    if not isinstance(values, dict):
        return values
    return {**values, **{name: known[name] for name in set(values) & set(known)}}


def _fuzz(operation: Any, mode: GenerationMode, known: dict[str, str]) -> None:
    @given(
        case=operation.as_strategy(mode, auth_storage=operation.schema.auth),
        use_known=st.booleans(),
    )
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any, use_known: bool) -> None:
        # Valid input only: in negative mode a known value could repair the invalid part.
        if use_known and mode is GenerationMode.POSITIVE:
            case.path_parameters = _with_known(case.path_parameters, known)
            case.query = _with_known(case.query, known)
            case.body = _with_known(case.body, known)
        case.call_and_validate(checks=CHECKS)

    fuzz()


def test_every_operation_conforms_to_its_schema(api_schema: Any) -> None:
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        # An operation without parameters or body has no invalid input to send.
        has_inputs = bool(list(operation.iter_parameters()) or operation.body)
        for mode in GenerationMode if has_inputs else [GenerationMode.POSITIVE]:
            try:
                _fuzz(operation, mode, api_schema.known)
            except (Exception, BaseExceptionGroup) as exc:  # the others are fuzzed too
                failures[f"{operation.label} ({mode.value})"] = f"{type(exc).__name__}: {exc}"
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    statuses: dict[str, Counter[int]] = api_schema.statuses
    assert {operation.label for operation in operations} == set(statuses), "every one was called"
    # The credentials worked: every operation answered something else than 401 at least once,
    # and the lender read the granted borrower's score.
    stuck = [label for label, seen in statuses.items() if not set(seen) - {401}]
    assert not stuck, stuck
    assert statuses["GET /v1/borrowers/{borrower_id}/score"][200] > 0
    assert statuses["GET /v1/borrowers/{borrower_id}/report"][200] > 0
