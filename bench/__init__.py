"""Benchmarks: each prints its figures and writes a JSON result under bench/results/."""
