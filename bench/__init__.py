"""Benchmarks: figures printed by `make bench`, never timed tests."""
