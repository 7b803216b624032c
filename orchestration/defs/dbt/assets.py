"""Every dbt model as a Dagster asset in group `transform`; dbt tests become asset checks.

dbt sources `raw.<table>` map onto the ingestion assets' keys `raw/<table>`, so ingestion
and transformation are one lineage graph.
"""


from dagster import AssetExecutionContext, Config
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.defs.dbt.project import DBT_PROJECT, dbt_resource, ensure_manifest
from orchestration.resources import BlipeeResource, environ

# Groups and owners come from meta.dagster in dbt_project.yml (group `transform`).
TRANSLATOR = DagsterDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
)


class DbtBuildConfig(Config):
    """Set full_refresh to rebuild the incremental models from all of raw (late data older
    than the look-back window is only picked up this way)."""

    full_refresh: bool = False


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    name="blipee_dbt_models",
)
def blipee_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource,
                      blipee: BlipeeResource, config: DbtBuildConfig):
    """`dbt build` of the selected models and their data tests on the configured warehouse.

    dbt unit tests check SQL, not data: they run in CI (`make test`), not on every refresh.
    """
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    # dagster-dbt hands os.environ to dbt (the CLI and the adapter counting rows), so the
    # warehouse settings go there for the length of the build, and no longer.
    with environ(blipee.dbt_environment()):
        yield from dbt.cli(args, context=context).stream().fetch_row_counts()



ASSETS = [blipee_dbt_models]
__all__ = ["ASSETS", "dbt_resource"]
