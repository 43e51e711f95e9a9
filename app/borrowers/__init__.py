"""Borrowers: identity and sign-in."""
