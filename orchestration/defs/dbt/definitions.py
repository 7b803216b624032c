"""The dbt domain's definitions: the dbt assets, their jobs and the weekly full refresh."""

from dagster import Definitions

from orchestration.defs.dbt.assets import ASSETS
from orchestration.defs.dbt.jobs import (
    nightly_build_job,
    weekly_full_refresh_job,
    weekly_full_refresh_schedule,
)

defs = Definitions(
    assets=ASSETS,
    jobs=[nightly_build_job, weekly_full_refresh_job],
    schedules=[weekly_full_refresh_schedule],
)
