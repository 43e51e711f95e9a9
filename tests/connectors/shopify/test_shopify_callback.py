"""OAuth callback verification (reference 1.5/1.6): the documented vector and every mutation."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shopify_fakes import CONFIG

from connectors.shopify import InvalidCallback, verify_callback, verify_signed_query

HUSH = dataclasses.replace(CONFIG, client_secret="hush")
# The documented worked example (secret "hush"), with {shop} = some-shop.myshopify.com.
EXAMPLE = {
    "code": "0907a61c0c8d55e99db179b68161bc00",
    "hmac": "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf",
    "shop": "some-shop.myshopify.com",
    "state": "0.6784241404160823",
    "timestamp": "1337178173",
}
EXAMPLE_NOW = datetime.fromtimestamp(1337178173, tz=UTC) + timedelta(seconds=20)


def python_style(secret: str, params: dict[str, str]) -> str:
    """ShopifyAPI (python) ``calculate_hmac``, rewritten here independently."""
    pairs = []
    for key, value in params.items():
        if key in ("hmac", "signature"):
            continue
        k = key.replace("%", "%25").replace("=", "%3D")
        v = value.replace("%", "%25")
        pairs.append(f"{k}={v}".replace("&", "%26"))
    message = "&".join(sorted(pairs))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def form_style(secret: str, params: dict[str, str]) -> str:
    """shopify-api-js ``stringifyQueryForAdmin`` (URLSearchParams, ``+`` as ``%20``)."""
    kept = sorted((k, v) for k, v in params.items() if k not in ("hmac", "signature"))
    message = "&".join(f"{quote(k, safe='*')}={quote(v, safe='*')}" for k, v in kept)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed(
    params: dict[str, str], *, style: str = "python", secret: str = HUSH.client_secret
) -> dict[str, str]:
    sign = python_style if style == "python" else form_style
    return {**params, "hmac": sign(secret, params)}


class TestDocumentedExample:
    def test_worked_example_verifies(self) -> None:
        callback = verify_callback(HUSH, EXAMPLE, now=EXAMPLE_NOW)
        assert callback.shop == "some-shop.myshopify.com"
        assert callback.code == EXAMPLE["code"]
        assert callback.state == EXAMPLE["state"]
        assert callback.timestamp == datetime.fromtimestamp(1337178173, tz=UTC)
        assert EXAMPLE["code"] not in repr(callback)

    def test_the_example_message_and_digest(self) -> None:
        message = (
            "code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com"
            "&state=0.6784241404160823&timestamp=1337178173"
        )
        digest = hmac.new(b"hush", message.encode(), hashlib.sha256).hexdigest()
        assert digest == EXAMPLE["hmac"]

    @pytest.mark.parametrize(
        "query",
        [
            list(EXAMPLE.items()),
            httpx.QueryParams(EXAMPLE),
            {**EXAMPLE, "hmac": EXAMPLE["hmac"].upper()},
            dict(reversed(list(EXAMPLE.items()))),
        ],
        ids=["pairs", "multidict", "uppercase-hex", "any-order"],
    )
    def test_containers_and_order_do_not_matter(self, query: object) -> None:
        assert verify_callback(HUSH, query, now=EXAMPLE_NOW).shop == "some-shop.myshopify.com"  # type: ignore[arg-type]

    def test_wrong_secret_is_rejected(self) -> None:
        with pytest.raises(InvalidCallback, match="hmac"):
            verify_callback(CONFIG, EXAMPLE, now=EXAMPLE_NOW)


class TestMutationsAreRejected:
    @pytest.mark.parametrize("key", ["code", "shop", "state", "timestamp"])
    def test_changed_value(self, key: str) -> None:
        value = EXAMPLE[key]
        mutated = value[:-1] + ("1" if value[-1] != "1" else "2")
        with pytest.raises(InvalidCallback):
            verify_callback(HUSH, {**EXAMPLE, key: mutated}, now=EXAMPLE_NOW)

    @pytest.mark.parametrize("key", ["code", "shop", "state", "timestamp", "hmac"])
    def test_dropped_parameter(self, key: str) -> None:
        query = {k: v for k, v in EXAMPLE.items() if k != key}
        with pytest.raises(InvalidCallback):
            verify_callback(HUSH, query, now=EXAMPLE_NOW)

    @pytest.mark.parametrize("extra", [("host", "YWRtaW4"), ("scope", "read_orders"), ("x", "")])
    def test_added_parameter(self, extra: tuple[str, str]) -> None:
        with pytest.raises(InvalidCallback, match="hmac"):
            verify_callback(HUSH, {**EXAMPLE, extra[0]: extra[1]}, now=EXAMPLE_NOW)

    @pytest.mark.parametrize("position", range(0, 64, 7))
    def test_changed_hmac_character(self, position: int) -> None:
        digest = EXAMPLE["hmac"]
        flipped = "0" if digest[position] != "0" else "1"
        bad = digest[:position] + flipped + digest[position + 1 :]
        with pytest.raises(InvalidCallback, match="hmac"):
            verify_callback(HUSH, {**EXAMPLE, "hmac": bad}, now=EXAMPLE_NOW)

    def test_truncated_and_empty_hmac(self) -> None:
        for bad in (EXAMPLE["hmac"][:32], "", " "):
            with pytest.raises(InvalidCallback):
                verify_callback(HUSH, {**EXAMPLE, "hmac": bad}, now=EXAMPLE_NOW)

    def test_repeated_parameter(self) -> None:
        pairs = [*EXAMPLE.items(), ("state", "other")]
        with pytest.raises(InvalidCallback, match="repeated"):
            verify_callback(HUSH, pairs, now=EXAMPLE_NOW)

    @given(
        st.dictionaries(
            st.text("abcdefghijklmnopqrstuvwxyz_[]", min_size=1, max_size=8),
            st.text(max_size=20).filter(lambda v: "~" not in v),
            max_size=5,
        ),
        st.sampled_from(["python", "form"]),
        st.data(),
    )
    def test_any_signed_query_verifies_and_any_change_fails(
        self, extra: dict[str, str], style: str, data: st.DataObject
    ) -> None:
        extra = {k: v for k, v in extra.items() if k not in ("hmac", "signature", *EXAMPLE)}
        base = {**{k: v for k, v in EXAMPLE.items() if k != "hmac"}, **extra}
        good = signed(base, style=style)
        assert verify_signed_query(HUSH, good, now=EXAMPLE_NOW)["shop"] == EXAMPLE["shop"]
        key = data.draw(st.sampled_from(sorted(base)))
        changed = {**good, key: good[key] + data.draw(st.text(min_size=1, max_size=3))}
        with pytest.raises(InvalidCallback):
            verify_signed_query(HUSH, changed, now=EXAMPLE_NOW)


# a padded base64 host: the styles sign "...==" raw and "...%3D%3D" form-encoded
PADDED = {**{k: v for k, v in EXAMPLE.items() if k != "hmac"}, "host": "YWRtaW4uc2hvcA=="}


class TestEncodingStyles:
    @pytest.mark.parametrize("style", ["python", "form"])
    def test_either_library_style_is_accepted(self, style: str) -> None:
        query = signed(PADDED, style=style)
        assert python_style("hush", PADDED) != form_style("hush", PADDED)
        callback = verify_callback(HUSH, query, now=EXAMPLE_NOW)
        assert callback.host == "YWRtaW4uc2hvcA=="

    def test_signature_parameter_is_not_signed(self) -> None:
        query = {**signed(PADDED), "signature": "anything"}
        assert verify_callback(HUSH, query, now=EXAMPLE_NOW).shop == EXAMPLE["shop"]


class TestOtherChecks:
    def test_signed_but_foreign_shop_is_rejected(self) -> None:
        for shop in ("evil.com", "x.myshopify.com.evil.com", "127.0.0.1"):
            query = signed({**EXAMPLE, "shop": shop})
            with pytest.raises(InvalidCallback, match=r"myshopify\.com"):
                verify_callback(HUSH, query, now=EXAMPLE_NOW)

    def test_stale_callback_is_rejected(self) -> None:
        late = EXAMPLE_NOW + timedelta(seconds=HUSH.callback_max_age_s)
        with pytest.raises(InvalidCallback, match="stale"):
            verify_callback(HUSH, EXAMPLE, now=late)
        assert verify_callback(HUSH, EXAMPLE, now=late, max_age_s=3600).shop

    def test_future_callback_is_rejected(self) -> None:
        early = datetime.fromtimestamp(1337178173 - 91, tz=UTC)
        with pytest.raises(InvalidCallback, match="future"):
            verify_callback(HUSH, EXAMPLE, now=early)
        at_edge = datetime.fromtimestamp(1337178173 - 90, tz=UTC)
        assert verify_callback(HUSH, EXAMPLE, now=at_edge).shop

    @pytest.mark.parametrize("timestamp", ["", "1337178173.5", "-1", "abc", "１３３７"])
    def test_timestamp_must_be_unix_seconds(self, timestamp: str) -> None:
        query = signed({**EXAMPLE, "timestamp": timestamp})
        with pytest.raises(InvalidCallback, match="timestamp"):
            verify_callback(HUSH, query, now=EXAMPLE_NOW)

    @pytest.mark.parametrize("key", ["code", "state"])
    def test_code_and_state_are_required(self, key: str) -> None:
        query = signed({k: v for k, v in EXAMPLE.items() if k not in (key, "hmac")})
        with pytest.raises(InvalidCallback, match=key):
            verify_callback(HUSH, query, now=EXAMPLE_NOW)

    def test_install_request_without_code_verifies_as_signed_query(self) -> None:
        query = signed({"shop": "some-shop.myshopify.com", "timestamp": "1337178173"})
        assert verify_signed_query(HUSH, query, now=EXAMPLE_NOW)["shop"] == EXAMPLE["shop"]

    def test_expected_state(self) -> None:
        assert verify_callback(HUSH, EXAMPLE, now=EXAMPLE_NOW, expected_state=EXAMPLE["state"])
        with pytest.raises(InvalidCallback, match="state"):
            verify_callback(HUSH, EXAMPLE, now=EXAMPLE_NOW, expected_state="another-borrower")
