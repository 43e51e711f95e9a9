"""Shared connector machinery: canonical records, errors, money parsing, paging, rate budgets."""
