"""Emulator of the TikTok Shop Partner API (auth host, consent page, open API, webhooks)."""
