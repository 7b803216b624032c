"""Run a POS sync with credentials from the environment only (never files, never logs)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from infra.settings import Settings
from ingestion.pos.shopify_sync import sync_shopify
from ingestion.pos.square_sync import DEFAULT_BASE_URL, sync_square
from ingestion.pos.sync_state import SyncReport

SYSTEMS = ("shopify", "square")


class MissingCredentialError(RuntimeError):
    """An environment variable a sync needs is not set; the message names it."""


def state_dir_for(settings: Settings) -> Path:
    """Where the sync watermarks live: <data dir>/state/pos."""
    return settings.data_dir / "state" / "pos"


def sync_from_env(
    system: str, settings: Settings, *, environ: Mapping[str, str] | None = None
) -> SyncReport:
    """Sync `system` ("shopify" or "square") into settings.landing_dir."""
    env = os.environ if environ is None else environ

    def need(name: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            raise MissingCredentialError(f"{system} sync needs the environment variable {name}")
        return value

    state_dir = state_dir_for(settings)
    if system == "shopify":
        return sync_shopify(
            settings.landing_dir, state_dir,
            shop_url=need("BLIPEE_SHOPIFY_SHOP_URL"), token=need("BLIPEE_SHOPIFY_TOKEN"),
        )
    if system == "square":
        locations = [x.strip() for x in need("BLIPEE_SQUARE_LOCATION_IDS").split(",")]
        return sync_square(
            settings.landing_dir, state_dir,
            base_url=env.get("BLIPEE_SQUARE_BASE_URL", "").strip() or DEFAULT_BASE_URL,
            token=need("BLIPEE_SQUARE_TOKEN"),
            location_ids=[x for x in locations if x],
        )
    raise ValueError(f"unknown POS system {system!r}; expected one of {SYSTEMS}")
