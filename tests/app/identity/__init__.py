"""Borrower identity: Supabase access tokens, Sign-In with Ethereum, sign-in rate limits."""
