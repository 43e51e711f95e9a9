"""Where deliveries may go: URL form, schemes, and every resolved address checked (SSRF)."""

from __future__ import annotations

import httpx
import pytest

from app.lender_webhooks.egress import (
    Target,
    TargetPolicy,
    TargetRefused,
    WebhookEgress,
    check_address,
    parse_target,
    pinned_request,
)

PRODUCTION = TargetPolicy(allow_http_loopback=False, allow_private_networks=False)
DEVELOPMENT = TargetPolicy(allow_http_loopback=True, allow_private_networks=True)


def resolving(table: dict[str, list[str]]) -> WebhookEgress:
    async def resolver(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("name not known")
        return table[host]

    return WebhookEgress(resolver=resolver)


class TestUrlForm:
    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("", "empty"),
            ("ftp://hooks.lender.example/x", "https://"),
            ("http://hooks.lender.example/x", "plain http"),
            ("https://user:pw@hooks.lender.example/x", "user name or password"),
            ("https://hooks.lender.example@evil.example/x", "user name or password"),
            ("https://hooks.lender.example/x#frag", "fragment"),
            ("https://hooks.lender.example:99999/x", "cannot be parsed"),
            ("https:///x", "no host"),
            ("https://hoöks.lender.example/x", "ASCII"),
            ("https://hooks lender.example/x", "ASCII"),
            ("https://-bad-.example/x", "valid host name"),
            ("https://hooks_lender.example/x", "valid host name"),
            ("https://localhost/x", "localhost"),
            ("https://" + "a" * 2050 + ".example/", "longer than"),
        ],
    )
    def test_refused_with_the_reason(self, url: str, reason: str) -> None:
        with pytest.raises(TargetRefused, match=reason):
            parse_target(url, PRODUCTION)

    def test_https_with_a_name_is_accepted(self) -> None:
        target = parse_target(" https://Hooks.Lender.example:8443/cs?x=1 ", PRODUCTION)
        assert target == Target(
            url="https://Hooks.Lender.example:8443/cs?x=1",
            scheme="https",
            host="hooks.lender.example",
            port=8443,
        )

    def test_plain_http_only_to_loopback_and_only_when_allowed(self) -> None:
        assert parse_target("http://127.0.0.1:9000/hook", DEVELOPMENT).port == 9000
        assert parse_target("http://[::1]/hook", DEVELOPMENT).host == "::1"
        assert parse_target("http://localhost:9000/hook", DEVELOPMENT).host == "localhost"
        for url in ("http://127.0.0.1:9000/hook", "http://localhost/hook"):
            with pytest.raises(TargetRefused):
                parse_target(url, PRODUCTION)
        with pytest.raises(TargetRefused, match="plain http"):
            parse_target("http://10.0.0.5/hook", DEVELOPMENT)


class TestAddresses:
    @pytest.mark.parametrize(
        "address",
        [
            "127.0.0.1",
            "::1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",  # cloud metadata
            "100.100.100.200",  # shared address space (a metadata service lives here too)
            "fd00:ec2::254",  # the IPv6 metadata service, a unique-local address
            "fe80::1",
            "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
            "::",
            "224.0.0.1",
            "::ffff:169.254.169.254",  # IPv4-mapped
            "198.18.0.1",
        ],
    )
    def test_refused_in_production(self, address: str) -> None:
        with pytest.raises(TargetRefused, match="resolves to"):
            check_address(address, PRODUCTION)

    @pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
    def test_public_addresses_pass(self, address: str) -> None:
        check_address(address, PRODUCTION)

    def test_development_allows_loopback_and_private_but_never_unspecified(self) -> None:
        check_address("127.0.0.1", DEVELOPMENT)
        check_address("10.0.0.5", DEVELOPMENT)
        with pytest.raises(TargetRefused):
            check_address("0.0.0.0", DEVELOPMENT)  # noqa: S104

    async def test_every_resolved_address_is_checked(self) -> None:
        egress = resolving({"rebind.lender.example": ["93.184.215.14", "10.0.0.7"]})
        target = parse_target("https://rebind.lender.example/hook", PRODUCTION)
        with pytest.raises(TargetRefused, match=r"10\.0\.0\.7"):
            await egress.addresses(target, PRODUCTION)

    async def test_a_name_that_does_not_resolve(self) -> None:
        target = parse_target("https://nowhere.lender.example/hook", PRODUCTION)
        with pytest.raises(TargetRefused, match="could not be resolved"):
            await resolving({}).addresses(target, PRODUCTION)

    async def test_an_address_literal_is_checked_without_resolving(self) -> None:
        target = parse_target("https://169.254.169.254/latest/meta-data", DEVELOPMENT)
        assert await resolving({}).addresses(target, DEVELOPMENT) == ["169.254.169.254"]
        with pytest.raises(TargetRefused, match="link-local"):
            parse_target("https://169.254.169.254/latest/meta-data", PRODUCTION)


class TestPinnedRequest:
    async def test_connects_to_the_checked_address_and_names_the_host(self) -> None:
        target = parse_target("https://hooks.lender.example:8443/cs?x=1", PRODUCTION)
        async with httpx.AsyncClient() as client:
            request = pinned_request(
                client, target, "93.184.215.14", content=b"{}", headers={"a": "b"}
            )
        assert str(request.url) == "https://93.184.215.14:8443/cs?x=1"
        assert request.headers["host"] == "hooks.lender.example:8443"
        assert request.extensions["sni_hostname"] == "hooks.lender.example"

    async def test_an_ipv6_loopback_target(self) -> None:
        target = parse_target("http://[::1]:9000/hook", DEVELOPMENT)
        async with httpx.AsyncClient() as client:
            request = pinned_request(client, target, "::1", content=b"{}", headers={})
        assert request.url.host == "::1" and request.url.port == 9000
        assert request.headers["host"] == "[::1]:9000"
        assert "sni_hostname" not in request.extensions
