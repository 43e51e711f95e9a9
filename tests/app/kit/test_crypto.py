"""AES-256-GCM token envelopes: round trips, binding to the row, tampering, rotation."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.kit.crypto import DecryptionError, Keyring, secret_aad

KEY_A = os.urandom(32)
KEY_B = os.urandom(32)
AAD = secret_aad("business_connections", "row-1", "access_token")


class TestEnvelope:
    @settings(max_examples=50, deadline=None)
    @given(plaintext=st.text(min_size=0, max_size=300), aad=st.text(max_size=100))
    def test_round_trip(self, plaintext: str, aad: str) -> None:
        ring = Keyring({"a": KEY_A})
        assert ring.decrypt(ring.encrypt(plaintext, aad), aad) == plaintext

    def test_envelope_names_the_key_and_hides_the_plaintext(self) -> None:
        envelope = Keyring({"a": KEY_A}).encrypt("TTP_secret-token", AAD)
        assert envelope.startswith("v1:a:")
        assert "TTP_secret-token" not in envelope

    def test_nonces_are_never_reused(self) -> None:
        ring = Keyring({"a": KEY_A})
        envelopes = {ring.encrypt("same", AAD) for _ in range(500)}
        assert len(envelopes) == 500

    def test_copied_to_another_row_does_not_decrypt(self) -> None:
        ring = Keyring({"a": KEY_A})
        envelope = ring.encrypt("token", AAD)
        other_row = secret_aad("business_connections", "row-2", "access_token")
        other_column = secret_aad("business_connections", "row-1", "refresh_token")
        for aad in (other_row, other_column):
            with pytest.raises(DecryptionError, match="failed authentication"):
                ring.decrypt(envelope, aad)

    @settings(max_examples=40, deadline=None)
    @given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
    def test_any_flipped_bit_is_detected(self, position: int, bit: int) -> None:
        import base64

        ring = Keyring({"a": KEY_A})
        version, key_id, blob = ring.encrypt("token", AAD).split(":", 2)
        raw = bytearray(base64.urlsafe_b64decode(blob))
        raw[position % len(raw)] ^= 1 << bit
        tampered = f"{version}:{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
        with pytest.raises(DecryptionError):
            ring.decrypt(tampered, AAD)


class TestKeyRotation:
    def test_old_ciphertexts_decrypt_after_a_new_primary_key(self) -> None:
        old = Keyring({"a": KEY_A}).encrypt("token", AAD)
        rotated = Keyring({"b": KEY_B, "a": KEY_A})
        assert rotated.decrypt(old, AAD) == "token"
        assert rotated.key_id_of(rotated.encrypt("token", AAD)) == "b"

    def test_unknown_key_id_is_a_clear_error(self) -> None:
        old = Keyring({"a": KEY_A}).encrypt("token", AAD)
        with pytest.raises(DecryptionError, match="key 'a', which is not configured"):
            Keyring({"b": KEY_B}).decrypt(old, AAD)

    def test_garbage_is_a_clear_error(self) -> None:
        with pytest.raises(DecryptionError, match="not an encryption envelope"):
            Keyring({"a": KEY_A}).decrypt("plaintext-token", AAD)

    def test_keys_must_be_256_bits(self) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            Keyring({"a": os.urandom(16)})
