"""Tests of the benchmarks: they run and report the right shape (never how fast)."""
