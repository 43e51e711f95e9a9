"""Lenders: organizations, their API keys, borrowers' grants, and the lender API."""
