"""The blipee code location: each domain's definitions merged, plus what they all share —
the resources, the executor that keeps DuckDB to one writer, and the one automation sensor."""

from __future__ import annotations

from dagster import AssetSelection, AutomationConditionSensorDefinition, Definitions

from orchestration.defs.dbt import definitions as dbt_definitions
from orchestration.defs.dbt.project import dbt_resource
from orchestration.defs.ingestion import definitions as ingestion_definitions
from orchestration.defs.ml import definitions as ml_definitions
from orchestration.lib.concurrency import executor
from orchestration.resources import BlipeeResource

automation_sensor = AutomationConditionSensorDefinition(
    "blipee_automation",
    target=AssetSelection.all(),
    description="Evaluates every asset's automation condition: the hourly load and marts, "
    "the nightly dimensions (orchestration/lib/automation.py). Switch it on under Automation.",
)

# The domains' Definitions are reached through their modules: Dagster loads the one
# Definitions object found at this module's top level.
defs = Definitions.merge(
    ingestion_definitions.defs,
    dbt_definitions.defs,
    ml_definitions.defs,
    Definitions(
        sensors=[automation_sensor],
        resources={"blipee": BlipeeResource(), "dbt": dbt_resource()},
        executor=executor(),
    ),
)
