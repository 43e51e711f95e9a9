"""Scores: canonical frames from the database, the scoring engine, the score history."""
