"""Every dbt model and seed as a Dagster asset; dbt data tests become asset checks.

dbt sources `raw.<table>` map onto the ingestion assets' keys `raw/<table>`, so ingestion
and transformation are one lineage graph. The translator (translator.py) sets groups,
descriptions, freshness and automation; checks.py names the tests.
"""

from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, Config, Output
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets

from infra.dbt_show import environ
from orchestration.defs.dbt.checks import readable_tests
from orchestration.defs.dbt.project import manifest
from orchestration.defs.dbt.translator import FORECASTS_TAG, BlipeeDbtTranslator
from orchestration.lib.concurrency import warehouse_step
from orchestration.lib.kpis import MART_METADATA
from orchestration.resources import BlipeeResource

MANIFEST = readable_tests(manifest())
TRANSLATOR = BlipeeDbtTranslator(MANIFEST)


class DbtBuildConfig(Config):
    """Set full_refresh to rebuild the incremental models from all of raw (late data older
    than the look-back window is only picked up this way)."""

    full_refresh: bool = False


def _query_through_adapter(invocation: DbtCliInvocation):
    """Run SQL through dbt's adapter: on DuckDB it holds the file in this process, and a
    second connection with other settings would be refused."""
    from dagster._utils import pushd

    adapter = invocation.adapter

    def query(sql: str) -> list[tuple[Any, ...]]:
        with pushd(str(invocation.project_dir)), adapter.connection_named("blipee_kpis"):
            _, table = adapter.execute(sql, fetch=True)
        return [tuple(row) for row in table.rows]

    return query


def _with_mart_metadata(context: AssetExecutionContext, invocation: DbtCliInvocation,
                        events: Iterator[Any]) -> Iterator[Any]:
    """Attach the KPI table, the footfall picture and newest-first previews to the marts
    that have them (orchestration/lib/kpis.py)."""
    for event in events:
        unique_id = event.metadata.get("unique_id") if isinstance(event, Output) else None
        name = unique_id.text.rsplit(".", 1)[-1] if unique_id is not None else None
        if name in MART_METADATA and invocation.adapter is not None:
            try:
                extra = MART_METADATA[name](_query_through_adapter(invocation))
                event = event.with_metadata({**event.metadata, **extra})
            except Exception as error:  # metadata must never fail a build that succeeded
                context.log.warning(f"KPI metadata for {name} skipped: {error}")
        yield event


def _build(context: AssetExecutionContext, dbt: DbtCliResource, blipee: BlipeeResource,
           config: DbtBuildConfig):
    """`dbt build` of the selected models and their data tests on the configured warehouse.

    dbt unit tests check SQL, not data: they run in CI (`make test`), not on every refresh.
    Row counts and column types come from the warehouse once dbt has finished (on DuckDB
    dagster-dbt waits for dbt to release the file first).
    """
    # no relation cache up front: dbt looks up only the relations it builds (bench/transform.py)
    args = ["build", "--exclude-resource-type", "unit_test", "--no-populate-cache"]
    if config.full_refresh:
        args.append("--full-refresh")
    # dagster-dbt hands os.environ to dbt (the CLI and the adapter counting rows), so the
    # warehouse settings go there for the length of the build, and no longer.
    with environ(blipee.dbt_environment()):
        invocation = dbt.cli(args, context=context)
        events = invocation.stream().fetch_row_counts().fetch_column_metadata(
            with_column_lineage=False)
        yield from _with_mart_metadata(context, invocation, events)


# The forecast read-back (tag `forecasts`, group ml) and every model that reads it (the
# targets: the potential cascade and the phasing by the 14-day forecast) are a dbt asset of
# their own: the read-back reads schema ml, which the ML assets write from the marts the main
# build makes, so one dbt step runs before the forecaster and this one after it (one asset
# with both would be a cycle through the ML assets).
FORECASTS = f"tag:{FORECASTS_TAG}+"


@dbt_assets(
    manifest=MANIFEST,
    dagster_dbt_translator=TRANSLATOR,
    name="blipee_dbt_models",
    exclude=FORECASTS,
    **warehouse_step(),
)
def blipee_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource,
                      blipee: BlipeeResource, config: DbtBuildConfig):
    """`dbt build` of every model but the forecast read-back, with their data tests."""
    yield from _build(context, dbt, blipee, config)


@dbt_assets(
    manifest=MANIFEST,
    dagster_dbt_translator=TRANSLATOR,
    name="blipee_dbt_forecasts",
    select=FORECASTS,
    **warehouse_step(),
)
def blipee_dbt_forecasts(context: AssetExecutionContext, dbt: DbtCliResource,
                         blipee: BlipeeResource, config: DbtBuildConfig):
    """`dbt build` of marts/forecasts (forecasts, live accuracy, backtest scores, days as
    counted and as estimated) and the targets that read them, once the forecaster has
    written schema ml."""
    yield from _build(context, dbt, blipee, config)


ASSETS = [blipee_dbt_models, blipee_dbt_forecasts]
