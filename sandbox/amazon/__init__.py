"""The Amazon Selling Partner API emulator: Seller Central consent, Login with Amazon, Orders
(v0 and v2026-01-01), Finances (v0 event groups and v2024-06-19 transactions) and Sellers."""
