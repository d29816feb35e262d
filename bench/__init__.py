"""Benchmarks (not tests): they measure and print, and never assert on timings."""
