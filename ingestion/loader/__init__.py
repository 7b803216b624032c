"""The idempotent loader: landed files -> raw tables, exactly once, latest delivery winning.

Entry points: `load_landing` (a whole landing dir), `load_file` (one file) and
`replay_quarantine` (re-parse quarantined files once their device is registered). The rules
are in docs/ingestion.md.
"""

from ingestion.loader.load import load_file, load_landing
from ingestion.loader.replay import replay_quarantine
from ingestion.loader.reports import FileReport, LoadReport, ReplayReport

__all__ = [
    "FileReport",
    "LoadReport",
    "ReplayReport",
    "load_file",
    "load_landing",
    "replay_quarantine",
]
