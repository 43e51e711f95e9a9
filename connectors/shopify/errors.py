"""Errors specific to Shopify input the app hands the connector (shop domains, callbacks,
webhooks, pasted tokens). Platform failures use the core errors (``connectors.core.errors``).

Messages never contain secrets; they may quote a little of what a user typed, to help them.
"""

from __future__ import annotations

from connectors.core.errors import NeedsReauth


class InvalidShopDomain(ValueError):
    """The text is not a ``*.myshopify.com`` shop domain: nothing may be sent to it."""


class InvalidCallback(ValueError):
    """An OAuth callback (or install request) failed verification: never exchange its code."""


class InvalidWebhook(ValueError):
    """A webhook delivery lacks a required header or its body is not a JSON object."""


class InvalidCredentials(NeedsReauth):
    """A pasted store domain + Admin API token did not work (the app answers HTTP 400).

    A ``NeedsReauth`` so code that handles every authorization failure alike still does.
    """
