"""Signing and the receiver's verification helper: round trips, and anything altered fails."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.lender_webhooks import signing
from app.lender_webhooks.verify import DEFAULT_TOLERANCE_S, InvalidSignature, verify

secrets_ = st.text(min_size=1, max_size=60)
bodies = st.binary(max_size=2000)
timestamps = st.integers(min_value=1_000_000_000, max_value=4_000_000_000)


class TestSecrets:
    def test_new_secrets_are_prefixed_random_and_long(self) -> None:
        made = {signing.new_secret() for _ in range(200)}
        assert len(made) == 200
        assert all(s.startswith("whsec_") and len(s) >= 6 + 43 for s in made)


class TestRoundTrip:
    @settings(max_examples=200, deadline=None)
    @given(secret=secrets_, body=bodies, timestamp=timestamps)
    def test_a_signed_delivery_verifies(self, secret: str, body: bytes, timestamp: int) -> None:
        header = signing.signature_header([secret], timestamp, body)
        assert verify(body, header, secret, now=timestamp) == timestamp

    @settings(max_examples=100, deadline=None)
    @given(old=secrets_, new=secrets_, body=bodies, timestamp=timestamps)
    def test_during_a_rotation_either_secret_verifies(
        self, old: str, new: str, body: bytes, timestamp: int
    ) -> None:
        header = signing.signature_header([new, old], timestamp, body)
        assert verify(body, header, new, now=timestamp) == timestamp
        assert verify(body, header, old, now=timestamp) == timestamp

    def test_a_known_vector(self) -> None:
        # printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_test
        header = signing.signature_header(["whsec_test"], 1_700_000_000, b"{}")
        assert header == (
            "t=1700000000,v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        )
        assert verify(b"{}", header, "whsec_test", now=1_700_000_000) == 1_700_000_000

    def test_signing_needs_a_secret(self) -> None:
        with pytest.raises(ValueError, match="at least one secret"):
            signing.signature_header([], 1, b"")


class TestTampering:
    @settings(max_examples=200, deadline=None)
    @given(secret=secrets_, body=bodies, other=bodies, timestamp=timestamps)
    def test_another_body_fails(
        self, secret: str, body: bytes, other: bytes, timestamp: int
    ) -> None:
        assume(other != body)
        header = signing.signature_header([secret], timestamp, body)
        with pytest.raises(InvalidSignature):
            verify(other, header, secret, now=timestamp)

    @settings(max_examples=200, deadline=None)
    @given(secret=secrets_, other=secrets_, body=bodies, timestamp=timestamps)
    def test_another_secret_fails(
        self, secret: str, other: str, body: bytes, timestamp: int
    ) -> None:
        assume(other != secret)
        header = signing.signature_header([secret], timestamp, body)
        with pytest.raises(InvalidSignature):
            verify(body, header, other, now=timestamp)

    @settings(max_examples=200, deadline=None)
    @given(
        secret=secrets_,
        body=bodies,
        timestamp=timestamps,
        shift=st.integers(min_value=-DEFAULT_TOLERANCE_S, max_value=DEFAULT_TOLERANCE_S),
    )
    def test_a_changed_timestamp_fails_even_inside_the_window(
        self, secret: str, body: bytes, timestamp: int, shift: int
    ) -> None:
        assume(shift != 0)
        header = signing.signature_header([secret], timestamp, body)
        forged = header.replace(f"t={timestamp}", f"t={timestamp + shift}")
        with pytest.raises(InvalidSignature):
            verify(body, forged, secret, now=timestamp)

    @settings(max_examples=100, deadline=None)
    @given(
        secret=secrets_,
        body=bodies,
        timestamp=timestamps,
        age=st.integers(min_value=DEFAULT_TOLERANCE_S + 1, max_value=10**7),
        ahead=st.booleans(),
    )
    def test_a_stale_or_future_timestamp_fails(
        self, secret: str, body: bytes, timestamp: int, age: int, ahead: bool
    ) -> None:
        header = signing.signature_header([secret], timestamp, body)
        now = timestamp - age if ahead else timestamp + age
        with pytest.raises(InvalidSignature, match="tolerance"):
            verify(body, header, secret, now=now)

    @settings(max_examples=200, deadline=None)
    @given(header=st.text(max_size=200), body=bodies)
    def test_any_header_is_refused_cleanly(self, header: str, body: bytes) -> None:
        # Whatever arrives in the header, the helper answers InvalidSignature, never crashes.
        with pytest.raises(InvalidSignature):
            verify(body, header, "whsec_x", now=1_700_000_000)

    def test_a_header_without_v1_fails(self) -> None:
        with pytest.raises(InvalidSignature, match="no timestamp or no v1"):
            verify(b"{}", "t=1700000000,v0=abc", "whsec_x", now=1_700_000_000)
