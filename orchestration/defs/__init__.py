"""Dagster wiring, one folder per domain."""
