"""How each dbt node appears in Dagster: group per layer, a plain description, freshness and
automation per cadence.

- group: the layer (`staging`, `intermediate`, `marts`), from `meta.dagster.group` in
  dbt_project.yml; owners from the same place;
- description: the dbt description alone (dagster-dbt appends the raw SQL by default; the
  SQL is one click away under Code);
- automation: the models tagged `hourly` in dbt_project.yml (`fct_site_hourly` and the
  daily facts an analyst reads within the hour) and the views they read run hourly; the rest
  (weekly, monthly and retail-period rollups, dimensions, the views only they read) nightly;
- freshness: a mart built from a dbt source with `freshness:` carries that window (the
  strictest of its sources); other nodes say why they have none.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from dagster import AssetSpec, AutomationCondition
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from orchestration.lib import automation
from orchestration.lib.dbt_graph import walk
from orchestration.lib.freshness import NO_FRESHNESS_POLICY, policy_from_dbt, strictest

HOURLY_TAG = "hourly"
# the forecast read-back: rebuilt whenever the forecaster (hourly nowcast, nightly 14 days)
# or the hourly marts (the actuals live accuracy scores) write
FORECASTS_TAG = "forecasts"


class BlipeeDbtTranslator(DagsterDbtTranslator):
    """The translator for blipee's one dbt project; it reads the cadence off the manifest."""

    def __init__(self, manifest: Mapping[str, Any]):
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
        nodes = manifest["nodes"]
        assets = {uid for uid, n in nodes.items() if n["resource_type"] in ("model", "seed")}
        hourly = {uid for uid in assets if HOURLY_TAG in nodes[uid].get("tags", [])}
        views = {uid for uid in assets
                 if nodes[uid].get("config", {}).get("materialized") == "view"}
        self.hourly_ids = hourly | (walk(hourly, manifest["parent_map"]) & views)
        self.nightly_ids = assets - self.hourly_ids
        self._manifest = manifest

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        props = dbt_resource_props
        return props.get("description") or f"dbt {props['resource_type']} `{props['name']}`."

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> AutomationCondition | None:
        unique_id = dbt_resource_props["unique_id"]
        if FORECASTS_TAG in dbt_resource_props.get("tags", []):
            return automation.after_any_update()
        if unique_id in self.hourly_ids:
            return self._hourly_condition
        if unique_id in self.nightly_ids:
            return automation.nightly()
        return None

    @cached_property
    def _hourly_condition(self) -> AutomationCondition:
        """One condition for every hourly node: hourly, ignoring the nightly nodes."""
        nodes = self._manifest["nodes"]
        return automation.hourly(ignore=[self.get_asset_key(nodes[uid])
                                         for uid in self.nightly_ids])

    def _freshness(self, unique_id: str) -> tuple[Any, str | None]:
        """(policy, reason for none) of one model or seed."""
        node = self._manifest["nodes"][unique_id]
        if node["resource_type"] == "seed":
            return None, "a seed: it changes with the code, not with arriving data"
        if node.get("config", {}).get("materialized") == "view":
            return None, "a view: it reads its sources at query time, as fresh as they are"
        ancestors = walk([unique_id], self._manifest["parent_map"])
        policies = [policy_from_dbt(self._manifest["sources"][uid].get("freshness"))
                    for uid in ancestors if uid in self._manifest["sources"]]
        policy = strictest([p for p in policies if p is not None])
        if policy is None:
            return None, "built from reference data only, whose dbt sources declare no freshness"
        if unique_id in self.nightly_ids:
            return None, "rebuilt nightly; its feeds' freshness shows on the raw assets"
        return policy, None

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str,
                       project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id not in manifest["nodes"]:
            return spec  # a source: the ingestion asset of the same key describes it
        policy, reason = self._freshness(unique_id)
        if policy is not None:
            return spec.replace_attributes(freshness_policy=policy)
        return spec.merge_attributes(metadata={NO_FRESHNESS_POLICY: reason})

