"""Malformed webhooks and OAuth callbacks: a 4xx with the reason, and nothing written or lost.

Hypothesis throws bytes and headers at `/webhooks/shopify` and at the three OAuth callbacks of a
signed-in borrower who already has a Shopify store connected. Every malformed webhook must get a
4xx and leave every table as it was; afterwards the well-formed delivery with the same webhook id
is still accepted. Every garbled callback must get a 4xx, or end on the dashboard with an error
(a refused but well-formed browser redirect), and change nothing either: no connection created
or altered, no authorization attempt spent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import transaction
from app.models import Base, WebhookEvent
from connectors.shopify import webhook_hmac
from tests.app.test_shopify_webhooks import sample
from tests.harness import Harness, running_service, state_of

FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    # One service for all examples (a fresh one per example would take minutes): the property
    # is exactly that the examples leave it unchanged.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CALLBACKS = ("/api/tiktokshop/callback", "/api/shopify/callback", "/api/amazon/callback")


@dataclass
class Scene:
    harness: Harness
    borrower: dict[str, str]
    secret: str


@pytest.fixture
async def scene(database_url: str, tmp_path: Path) -> AsyncIterator[Scene]:
    async with running_service(database_url, tmp_path) as harness:
        borrower = await harness.sign_in("merchant")
        await harness.connect("shopify_steady", borrower)
        secret = harness.context.settings.shopify.client_secret.get_secret_value()
        yield Scene(harness, borrower, secret)


def examples(strategy: st.SearchStrategy[Any]) -> list[Any]:
    """Hypothesis's examples of ``strategy``, drawn up front: the checks that use them are
    async and share one running service, which `@given` cannot drive (no shrinking, so each
    assertion names its whole example)."""
    drawn: list[Any] = []

    @FUZZ
    @given(strategy)
    def draw(example: Any) -> None:
        drawn.append(example)

    draw()
    return drawn


async def snapshot(harness: Harness) -> dict[str, str]:
    """A digest of every row of every table: equal digests, unchanged database."""
    digests = {}
    async with transaction(harness.context.sessions) as session:
        for table in Base.metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in (await session.execute(select(table))).all())
            digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


# --- webhooks ----------------------------------------------------------------------------------

DEFECTS = (
    "no_hmac",
    "garbled_hmac",
    "hmac_of_another_body",
    "wrong_content_type",
    "not_a_json_object",
    "non_utf8_body",
    "missing_header",
    "garbled_header",
    "duplicated_header",
)
REQUIRED = (
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-Webhook-Id",
    "X-Shopify-API-Version",
)


@st.composite
def malformed_delivery(
    draw: st.DrawFn, headers: dict[str, str], body: bytes, secret: str
) -> tuple[list[tuple[str, str]], bytes]:
    """The well-formed delivery with one or more defects, each enough to refuse it."""
    headers = dict(headers)
    defects = draw(st.sets(st.sampled_from(DEFECTS), min_size=1, max_size=3))
    extra: list[tuple[str, str]] = []
    if "not_a_json_object" in defects:
        body = draw(
            st.sampled_from([b"", b"{", b"[]", b"null", b"42", b'"text"', b"{'a': 1}"])
            | st.binary(max_size=300).map(lambda raw: b"<" + raw)
        )
    if "non_utf8_body" in defects:
        body = b'{"id": "\xff\xfe' + draw(st.binary(max_size=200)) + b'"}'
    headers["X-Shopify-Hmac-Sha256"] = webhook_hmac(secret, body)
    if "wrong_content_type" in defects:
        headers["Content-Type"] = draw(
            st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "application/xml"])
            | st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40)
        )
    if "missing_header" in defects:
        del headers[draw(st.sampled_from(REQUIRED))]
    if "garbled_header" in defects:
        name, value = draw(
            st.sampled_from(
                [
                    ("X-Shopify-Webhook-Id", "w" * 129),
                    ("X-Shopify-Topic", "orders/" + "x" * 64),
                    ("X-Shopify-Shop-Domain", "evil.example.com"),
                    ("X-Shopify-Triggered-At", "yesterday"),
                    ("X-Shopify-API-Version", "v" * 40),
                ]
            )
        )
        headers[name] = value
    if "duplicated_header" in defects:
        name = draw(st.sampled_from(REQUIRED))
        extra.append((name, draw(st.text(st.characters(min_codepoint=48, max_codepoint=122)))))
    if "hmac_of_another_body" in defects:
        headers["X-Shopify-Hmac-Sha256"] = webhook_hmac(secret, body + b" ")
    if "garbled_hmac" in defects:
        given = draw(st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=60))
        headers["X-Shopify-Hmac-Sha256"] = given + "="  # never a valid base64 digest
    if "no_hmac" in defects:
        del headers["X-Shopify-Hmac-Sha256"]
    return [*headers.items(), *extra], body


class TestMalformedWebhooks:
    async def test_get_a_4xx_and_change_nothing(self, scene: Scene) -> None:
        harness = scene.harness
        headers, raw = await sample(harness, "orders/updated", webhook_id="fuzzed-delivery")
        before = await snapshot(harness)

        for sent_headers, body in examples(malformed_delivery(headers, raw, scene.secret)):
            response = await harness.service.post(
                "/webhooks/shopify", headers=sent_headers, content=body
            )
            example = (sent_headers, body[:200], response.text)
            assert 400 <= response.status_code < 500, example
            assert response.json()["error"]["message"], example
        # Once, after all examples: nothing the service keeps is ever removed by a refusal, so
        # a write by any one example would still show here.
        assert await snapshot(harness) == before
        # The same delivery, well-formed, is not taken for a duplicate of anything refused.
        accepted = await harness.service.post("/webhooks/shopify", headers=headers, content=raw)
        assert accepted.json() == {"status": "accepted"}

    async def test_random_bytes_and_headers_get_a_4xx(self, scene: Scene) -> None:
        harness = scene.harness
        before = await snapshot(harness)
        header_names = st.sampled_from(
            [
                *REQUIRED,
                "X-Shopify-Hmac-Sha256",
                "X-Shopify-Event-Id",
                "Content-Type",
                "Shopify-Webhook-Id",
            ]
        ) | st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,30}", fullmatch=True)
        header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=200)

        deliveries = st.tuples(
            st.lists(st.tuples(header_names, header_values), max_size=12),
            st.binary(max_size=2000),
        )
        for sent_headers, body in examples(deliveries):
            response = await harness.service.post(
                "/webhooks/shopify", headers=sent_headers, content=body
            )
            example = (sent_headers, body[:200], response.text)
            assert 400 <= response.status_code < 500, example
        assert await snapshot(harness) == before


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)


class TestSignedButOddPayloads:
    async def test_never_a_5xx_and_each_delivery_recorded_once(self, scene: Scene) -> None:
        """A signed, well-formed delivery whose JSON object makes no sense as an order is
        acknowledged (Shopify would retry it for days otherwise) and recorded with the reason."""
        harness = scene.harness
        headers, real = await sample(harness, "orders/updated")
        order = json.loads(real)
        # The real order with some of its fields (or some new ones) set to any JSON value, so
        # the mapper gets far enough to meet them.
        payloads = st.tuples(
            st.sampled_from(
                ["orders/updated", "orders/create", "orders/cancelled", "refunds/create"]
            ),
            st.dictionaries(
                st.sampled_from(sorted(order)) | st.text(max_size=12), JSON, max_size=4
            ),
        )
        drawn = examples(payloads)
        for n, (topic, changes) in enumerate(drawn):
            payload = {**order, **changes}
            body = json.dumps(payload).encode()
            sent = {
                **headers,
                "X-Shopify-Topic": topic,
                "X-Shopify-Webhook-Id": f"odd-{n}",
                "X-Shopify-Hmac-Sha256": webhook_hmac(scene.secret, body),
            }
            response = await harness.service.post("/webhooks/shopify", headers=sent, content=body)
            assert response.status_code == 200, (topic, changes, response.text)
            assert response.json() == {"status": "accepted"}, (topic, changes)
        async with transaction(harness.context.sessions) as session:
            outcomes = list(
                await session.scalars(
                    select(WebhookEvent.outcome).where(WebhookEvent.delivery_id.like("odd-%"))
                )
            )
        assert len(outcomes) == len(drawn) and all(outcomes)


# --- OAuth callbacks ---------------------------------------------------------------------------

CALLBACK_NAMES = (
    "state",
    "code",
    "error",
    "shop",
    "hmac",
    "timestamp",
    "host",
    "spapi_oauth_code",
    "selling_partner_id",
    "app_key",
)
# Raw bytes percent-encoded (often not UTF-8), or text, or something huge.
ENCODED_VALUES = (
    st.binary(max_size=80).map(quote_from_bytes)
    | st.text(max_size=80).map(lambda text: quote(text, safe=""))
    | st.sampled_from(["", "null", "x" * 5000, "%00", "%ff%fe", "a%0Ab"])
)


@st.composite
def garbled_query(draw: st.DrawFn) -> str:
    names = st.sampled_from(CALLBACK_NAMES) | st.text(max_size=20).map(lambda n: quote(n, safe=""))
    pairs = draw(st.lists(st.tuples(names, ENCODED_VALUES), max_size=8))
    return "&".join(f"{name}={value}" for name, value in pairs)


def refused_as_a_browser_flow(response: Any) -> bool:
    """A 303 to our own dashboard naming an error (a well-formed callback that was refused)."""
    location = response.headers.get("location", "")
    return (
        response.status_code == 303
        and location.startswith("/dashboard?")
        and "_error=" in location
        and "_connected" not in location
    )


class TestMalformedCallbacks:
    async def test_garbled_queries_change_nothing(self, scene: Scene) -> None:
        harness = scene.harness
        before = await snapshot(harness)
        for path in CALLBACKS:
            for query in examples(garbled_query()):
                response = await harness.service.get(f"{path}?{query}", headers=scene.borrower)
                example = (
                    path,
                    query[:300],
                    response.status_code,
                    response.headers.get("location"),
                )
                assert 400 <= response.status_code < 500 or refused_as_a_browser_flow(response), (
                    example,
                    response.text,
                )
                if response.status_code == 400:
                    assert response.json()["error"]["code"] == "malformed_callback", example
        assert await snapshot(harness) == before

    @pytest.mark.parametrize("persona", ["steady_us", "shopify_growing", "amazon_us"])
    async def test_a_garbled_copy_does_not_spend_the_authorization(
        self, harness: Harness, persona: str
    ) -> None:
        """Malformed copies of a real callback are refused before its state is consumed, so
        the real one still connects."""
        borrower = await harness.sign_in(f"seller-{persona}")
        callback = await _real_callback(harness, borrower, persona)
        path, query = urlsplit(callback).path, urlsplit(callback).query
        state = state_of(callback)
        before = await snapshot(harness)
        for garbled in (
            f"{query}&state={quote(state)}",  # the state twice
            f"{query}&code=%ff%fe",  # not UTF-8
            f"{query}&padding={'p' * 3000}",  # over-long
            f"{query}&x=%00",  # a control character
            query.replace("&", "&" + "&".join(f"k{n}=v" for n in range(40)) + "&", 1),
        ):
            response = await harness.service.get(f"{path}?{garbled}", headers=borrower)
            assert response.status_code == 400, (garbled[:200], response.text)
            assert response.json()["error"]["code"] == "malformed_callback"
            assert response.json()["error"]["message"]
            assert await snapshot(harness) == before
        landing = await harness.follow_callback(callback, borrower)
        assert "_connected=true" in landing.headers["location"], landing.headers["location"]
        await harness.context.jobs.drain()


async def _real_callback(harness: Harness, borrower: dict[str, str], persona: str) -> str:
    """The callback URL the sandbox's consent page sends the browser to for ``persona``."""
    if persona.startswith("shopify_"):
        response = await harness.shopify_auth_url(borrower, await harness.shop_of(persona))
    elif persona.startswith("amazon_"):
        region = await harness.region_of(persona)
        response = await harness.service.get(
            "/api/amazon/auth", params={"region": region}, headers=borrower
        )
    else:
        response = await harness.service.get("/api/tiktokshop/auth", headers=borrower)
    state = state_of(response.raise_for_status().json()["authUrl"])
    return await harness.consent(persona, state)
