"""Tests of connectors.core.pii: pseudonymous buyer references and secret redaction."""

from __future__ import annotations

import logging

import pytest

from connectors.core.pii import (
    REF_LENGTH,
    RedactQuerySecrets,
    pseudonymous_ref,
    redact,
    redact_query_secrets,
)


class TestPseudonymousRef:
    def test_stable_and_hex(self) -> None:
        ref = pseudonymous_ref("shop1", "buyer1")
        assert ref == pseudonymous_ref("shop1", "buyer1")
        assert len(ref) == REF_LENGTH
        int(ref, 16)

    def test_differs_per_shop_and_buyer(self) -> None:
        refs = {
            pseudonymous_ref("shop1", "buyer1"),
            pseudonymous_ref("shop2", "buyer1"),
            pseudonymous_ref("shop1", "buyer2"),
            pseudonymous_ref("shop1b", "uyer1"),
        }
        assert len(refs) == 4

    def test_does_not_contain_the_id(self) -> None:
        assert "7021436810468230477" not in pseudonymous_ref("s", "7021436810468230477")


class TestRedaction:
    def test_redact_replaces_every_secret(self) -> None:
        assert (
            redact("token abc and abc, key xyz", "abc", None, "", "xyz")
            == "token *** and ***, key ***"
        )

    def test_query_secrets(self) -> None:
        url = "https://a/api/v2/token/get?app_key=k&app_secret=s3&auth_code=c0de&grant_type=x"
        assert redact_query_secrets(url) == (
            "https://a/api/v2/token/get?app_key=k&app_secret=***&auth_code=***&grant_type=x"
        )

    def test_log_filter_rewrites_httpx_records(self, caplog: pytest.LogCaptureFixture) -> None:
        logger = logging.getLogger("test.redaction")
        logger.addFilter(RedactQuerySecrets())
        with caplog.at_level(logging.INFO, logger="test.redaction"):
            logger.info("HTTP Request: %s %s", "GET", "https://x/?refresh_token=RT123&app_key=k")
        assert "RT123" not in caplog.text
        assert "refresh_token=***" in caplog.text
