"""sync_from_env: credentials from the environment only, with a clear error when missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.settings import Settings
from ingestion.pos import MissingCredentialError, sync_from_env

SHOPIFY_TOKEN = "shpat_test_secret_0123456789"


def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"BLIPEE_DATA_DIR": str(tmp_path / "data")})


def test_missing_variables_are_named(tmp_path):
    with pytest.raises(MissingCredentialError, match="BLIPEE_SHOPIFY_SHOP_URL"):
        sync_from_env("shopify", settings(tmp_path), environ={})
    with pytest.raises(MissingCredentialError, match="BLIPEE_SHOPIFY_TOKEN"):
        sync_from_env("shopify", settings(tmp_path),
                      environ={"BLIPEE_SHOPIFY_SHOP_URL": "http://127.0.0.1:9"})
    with pytest.raises(MissingCredentialError, match="BLIPEE_SQUARE_LOCATION_IDS"):
        sync_from_env("square", settings(tmp_path), environ={"BLIPEE_SQUARE_TOKEN": "t"})
    with pytest.raises(ValueError, match="unknown POS system"):
        sync_from_env("lightspeed", settings(tmp_path), environ={})


def test_shopify_sync_from_env_lands_under_the_data_dir(shopify_api, tmp_path):
    shopify_api.orders = [{"id": 1, "updated_at": "2026-06-01T00:00:00Z", "currency": "EUR"}]
    env = {"BLIPEE_SHOPIFY_SHOP_URL": shopify_api.url, "BLIPEE_SHOPIFY_TOKEN": SHOPIFY_TOKEN}
    conf = settings(tmp_path)
    report = sync_from_env("shopify", conf, environ=env)
    assert report.orders == 1 and report.complete
    landed = conf.landing_dir / report.files[0]
    assert landed.parent == conf.landing_dir / "pos" / "shopify"
    (state,) = (conf.data_dir / "state" / "pos").glob("shopify-*.json")
    assert json.loads(state.read_text())["watermark"] == "2026-06-01T00:00:00+00:00"
    assert SHOPIFY_TOKEN not in state.read_text() + landed.read_text()


def test_square_sync_from_env_reads_base_url_and_locations(square_api, tmp_path):
    square_api.orders = []
    env = {"BLIPEE_SQUARE_BASE_URL": square_api.url, "BLIPEE_SQUARE_TOKEN":
           "EAAA_test_secret_square_987", "BLIPEE_SQUARE_LOCATION_IDS": "L1, L2"}
    report = sync_from_env("square", settings(tmp_path), environ=env)
    assert report.complete and report.files == []
    assert square_api.requests[0]["location_ids"] == ["L1", "L2"]
