"""People-counting sensor parsers: one module per vendor, shared resolution and checks.

The loader calls `parse_sensor_file(content, ctx)` per landed file and, after upserting the
result, `derive_cumulative_intervals` for the scope `cumulative_scope(result.tables)`.
"""

from ingestion.sensors.cumulative import (
    SENSOR_COUNTER_READINGS,
    cumulative_scope,
    cumulative_sensors,
    derive_cumulative_intervals,
)
from ingestion.sensors.dispatch import parse_sensor_file

__all__ = [
    "SENSOR_COUNTER_READINGS",
    "cumulative_scope",
    "cumulative_sensors",
    "derive_cumulative_intervals",
    "parse_sensor_file",
]
