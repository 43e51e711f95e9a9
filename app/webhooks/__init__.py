"""Platform webhooks: verified, deduplicated in an inbox, applied idempotently."""
