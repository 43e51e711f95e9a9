"""Feature families of the v0 score, one module each: revenue, consistency, reliability, growth.

Every function is pure and vectorised over all borrowers at once; results are indexed by
``borrower_id`` and reindexed onto the scored borrowers with a documented fill, so a borrower
without facts gets a value, never NaN.
"""
