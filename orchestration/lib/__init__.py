"""Reusable Dagster wiring shared by the domain folders under orchestration/defs/."""
