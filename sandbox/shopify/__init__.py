"""The Shopify emulator: OAuth install flow, Admin API (GraphQL and legacy REST), webhooks."""
