"""Configuration of the Shopify connector: app credentials, the admin URL template, API version.

The real platform and the sandbox differ only in ``admin_base_url_template`` (real
``https://{shop}``, sandbox ``http://127.0.0.1:8100/shopify/{shop}``) and the app credentials.
``{shop}`` is filled in only with a shop domain that passed ``normalize_shop_domain``
(see ``admin_base_url``), so no request ever goes to a host a user typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.shopify.shop_domain import normalize_shop_domain

DEFAULT_API_VERSION = "2026-07"
DEFAULT_SCOPES = ("read_orders", "read_products", "read_all_orders")
MAX_PAGE_SIZE = 250  # GraphQL connections return at most 250 nodes (reference 3)

_API_VERSION = re.compile(r"\d{4}-(01|04|07|10)|unstable")


@dataclass(frozen=True, slots=True)
class ShopifyConfig:
    """One Shopify app. ``repr`` never shows the secret.

    ``max_throttle_wait_s`` bounds the total time one request may spend waiting for the GraphQL
    cost bucket to refill before the sync gives up with ``RateLimited`` (the bucket refills in
    seconds; minutes of waiting mean something else is wrong).
    """

    client_id: str
    client_secret: str
    admin_base_url_template: str = "https://{shop}"
    api_version: str = DEFAULT_API_VERSION
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    page_size: int = 100
    timeout_s: float = 30.0
    max_throttle_wait_s: float = 300.0
    callback_max_age_s: int = 300
    callback_max_future_s: int = 90

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be within 1..{MAX_PAGE_SIZE}")
        if self.admin_base_url_template.count("{shop}") != 1:
            raise ValueError("admin_base_url_template must contain {shop} exactly once")
        if not _API_VERSION.fullmatch(self.api_version):
            raise ValueError("api_version must look like YYYY-01/04/07/10 or 'unstable'")

    def __repr__(self) -> str:
        return (
            f"ShopifyConfig(client_id={self.client_id!r}, client_secret='***', "
            f"admin_base_url_template={self.admin_base_url_template!r}, "
            f"api_version={self.api_version!r}, scopes={self.scopes!r})"
        )

    __str__ = __repr__

    def admin_base_url(self, shop: str) -> str:
        """The admin base URL of ``shop`` (validated here again: the one door to a host)."""
        domain = normalize_shop_domain(shop)
        # str.replace, not str.format: nothing in the template is interpreted
        return self.admin_base_url_template.replace("{shop}", domain).rstrip("/")

    def graphql_url(self, shop: str) -> str:
        return f"{self.admin_base_url(shop)}/admin/api/{self.api_version}/graphql.json"

    def token_url(self, shop: str) -> str:
        return f"{self.admin_base_url(shop)}/admin/oauth/access_token"

    def access_scopes_url(self, shop: str) -> str:
        return f"{self.admin_base_url(shop)}/admin/oauth/access_scopes.json"

    @classmethod
    def for_sandbox(
        cls,
        base_url: str,
        *,
        client_id: str = "sbx_shopify_client_7d41c0",
        client_secret: str = "sbx_shopify_secret_9a2e5b1f",  # noqa: S107 - public sandbox default
        prefix: str = "/shopify",
        **kwargs: object,
    ) -> ShopifyConfig:
        """Config pointing at a sandbox server (``base_url`` like ``http://127.0.0.1:8100``)."""
        template = base_url.rstrip("/") + prefix + "/{shop}"
        return cls(
            client_id=client_id,
            client_secret=client_secret,
            admin_base_url_template=template,
            **kwargs,  # type: ignore[arg-type]
        )
