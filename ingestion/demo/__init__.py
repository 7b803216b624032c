"""A deterministic demo retail chain written into the landing area, faults included.

`generate_demo` is the entry point (the CLI's `blipee demo`); the per-format writers are
public so the ingestion benchmark can write large files in exactly the delivered formats.
See docs/demo-chain.md for the chain, the realism rules and the planted faults.
"""

from ingestion.demo.faults import Fault
from ingestion.demo.generator import DemoSummary, generate_demo
from ingestion.demo.pos_formats import (
    SAP_COLUMNS,
    write_generic_pos_csv,
    write_orders_json,
    write_sap_mapping,
)
from ingestion.demo.sensor_formats import (
    milesight_device_info,
    milesight_periodic_document,
    milesight_time_info,
    milesight_total_document,
    write_axis_csv,
    write_generic_sensor_csv,
    write_hikvision_xml,
    write_milesight_jsonl,
)

__all__ = [
    "SAP_COLUMNS",
    "DemoSummary",
    "Fault",
    "generate_demo",
    "milesight_device_info",
    "milesight_periodic_document",
    "milesight_time_info",
    "milesight_total_document",
    "write_axis_csv",
    "write_generic_pos_csv",
    "write_generic_sensor_csv",
    "write_hikvision_xml",
    "write_milesight_jsonl",
    "write_orders_json",
    "write_sap_mapping",
]
