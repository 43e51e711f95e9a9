"""Tests of the scoring package (pure pandas): schemas, fx, params, features, model."""
