"""When assets run: declarative automation instead of cron jobs.

Two cadences, evaluated by one automation sensor (`blipee_automation`):
- hourly at :05 — the landing area is loaded, then the models dbt tags `hourly`
  (`fct_site_hourly`, incremental, and the daily facts), with the views they read;
- nightly at 02:30 — the weekly, monthly and retail-period rollups, the dimensions and the
  views only they read, with their tests.

`on_cron` waits, after each tick, until every dependency has updated since the tick, so a
mart never runs ahead of the load it reads; hourly assets ignore their nightly dependencies
(a dimension rebuilt last night is current enough for this hour).

Checks carry no condition of their own: the automation sensor then puts every check in the
run of the asset it checks (dbt tests in the same `dbt build`).
"""

from __future__ import annotations

from collections.abc import Iterable

from dagster import AssetKey, AssetSelection, AutomationCondition

HOURLY_CRON = "5 * * * *"
NIGHTLY_CRON = "30 2 * * *"


def hourly(ignore: Iterable[AssetKey] = ()) -> AutomationCondition:
    condition = AutomationCondition.on_cron(HOURLY_CRON)
    keys = list(ignore)
    return condition.ignore(AssetSelection.assets(*keys)) if keys else condition


def nightly() -> AutomationCondition:
    return AutomationCondition.on_cron(NIGHTLY_CRON)



def after_any_update() -> AutomationCondition:
    """Eager: once any dependency has updated (and nothing of it is still running)."""
    return AutomationCondition.eager()
