"""POS ingestion: Shopify, Square and generic CSV parsers, and the Shopify / Square syncs.

The loader calls `parse_pos_file`; the CLI and Dagster call the syncs. See docs/pos.md.
"""

from ingestion.pos.parse import parse_pos_file
from ingestion.pos.shopify_sync import sync_shopify
from ingestion.pos.square_sync import sync_square
from ingestion.pos.sync_env import MissingCredentialError, sync_from_env
from ingestion.pos.sync_state import SyncError, SyncReport

__all__ = [
    "MissingCredentialError",
    "SyncError",
    "SyncReport",
    "parse_pos_file",
    "sync_from_env",
    "sync_shopify",
    "sync_square",
]
